# One image for the Kaizen API and its workers:
#   docker build -t kaizen .
#   docker run kaizen                       -> kaizen api (port 8000)
#   docker run kaizen kaizen worker --processes 2
# Temporal, OPA and PostgreSQL run elsewhere (see docker-compose.yml); this image has no
# pinned Temporal CLI or OPA binaries, so `kaizen up` is not meant to run in it.

ARG PYTHON_IMAGE=python:3.11-slim

# --- build: a virtual environment with the pinned dependencies, then Kaizen itself ---
FROM ${PYTHON_IMAGE} AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    PATH=/opt/venv/bin:$PATH

RUN python -m venv /opt/venv

# Dependencies first, keyed only on the lock file, so source edits reuse this layer.
# psycopg is the PostgreSQL driver: the `postgres` extra in pyproject.toml, same pin.
COPY requirements.lock /tmp/requirements.lock
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install -r /tmp/requirements.lock \
    && pip install "psycopg[binary]==3.3.9"

# The project, without resolving anything again: everything it needs is installed above.
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --no-deps ".[postgres]" \
    && kaizen --help >/dev/null

# --- runtime: the interpreter, the virtual environment and an unprivileged user ---
FROM ${PYTHON_IMAGE}

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    KAIZEN_HOME=/var/lib/kaizen \
    KAIZEN_API_HOST=0.0.0.0 \
    KAIZEN_API_PORT=8000

RUN groupadd --system --gid 10001 kaizen \
    && useradd --system --uid 10001 --gid kaizen --home-dir /var/lib/kaizen \
        --shell /usr/sbin/nologin kaizen \
    && install -d -o kaizen -g kaizen -m 0750 /var/lib/kaizen

COPY --from=build /opt/venv /opt/venv
# The environments promotions move builds through (environments/*.toml): data, not code,
# so they sit beside the package; mount or bake your own over them.
COPY environments /opt/kaizen/environments
ENV KAIZEN_ENVIRONMENTS_DIR=/opt/kaizen/environments

USER kaizen:kaizen
WORKDIR /var/lib/kaizen

EXPOSE 8000
CMD ["kaizen", "api"]
