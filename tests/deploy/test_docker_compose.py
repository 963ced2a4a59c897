"""docker-compose.yml and the Dockerfile agree with Kaizen's settings, stack and pins.

No containers run here: the files are parsed and checked against the code they deploy,
so a setting renamed, a flag added to the embedded OPA or a search attribute added to
the workflows fails this test until the deployment files follow.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from pydantic import AliasChoices
from sqlalchemy.engine import URL, make_url
from temporalio.api.enums.v1 import IndexedValueType

from kaizen.catalog.environments import load_environments
from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.opa_server import OpaServer, opa_command
from kaizen.stack.processes import free_port
from kaizen.temporal.search_attributes import ALL as SEARCH_ATTRIBUTES

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
PYPROJECT = ROOT / "pyproject.toml"
POSTGRES_INIT = "/docker-entrypoint-initdb.d/"
KAIZEN_SERVICES = ("api", "worker")

# ---------------------------------------------------------------- compose helpers


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict) and isinstance(document.get("services"), dict)
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(compose["services"])


@pytest.fixture
def compose_settings(
    services: dict[str, dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings exactly as the api container builds them from its environment."""
    return settings_from(environment(services["api"]), monkeypatch)


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name in [*settings_env_names(), "KAIZEN_HOME"]:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings()


def settings_env_names() -> set[str]:
    """Every environment variable Settings reads, upper-cased (it is case-insensitive)."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    names: set[str] = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        if isinstance(alias, AliasChoices):
            names.update(choice.upper() for choice in alias.choices if isinstance(choice, str))
        elif isinstance(alias, str):
            names.add(alias.upper())
        else:
            names.add(f"{prefix}{field_name}".upper())
    return names


def environment(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        pairs = (item.partition("=") for item in map(str, raw))
        return {name: value for name, _, value in pairs}
    return {name: "" if value is None else str(value) for name, value in raw.items()}


def published_ports(service: dict[str, Any]) -> list[tuple[int, int]]:
    """(host port, container port) for every published port of a service."""
    published: list[tuple[int, int]] = []
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            published.append((int(entry["published"]), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        assert len(parts) >= 2, f"port {entry!r} is not published on a fixed host port"
        published.append((int(parts[-2]), int(parts[-1])))
    return published


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    raw = service.get("depends_on") or {}
    if isinstance(raw, list):
        return dict.fromkeys(raw, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in raw.items()}


def bind_mounts(service: dict[str, Any]) -> Iterator[tuple[str, str, bool]]:
    """(source, target, read-only) for every host path mounted into a service."""
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            if volume.get("type") == "bind":
                yield volume["source"], volume["target"], bool(volume.get("read_only"))
            continue
        source, _, rest = str(volume).partition(":")
        target, _, mode = rest.partition(":")
        if source.startswith((".", "/")) and target:
            yield source, target, "ro" in mode.split(",")


def image_tag(image: str) -> str | None:
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else None


def command_words(service: dict[str, Any]) -> list[str]:
    command = service.get("command")
    return shlex.split(command) if isinstance(command, str) else [str(w) for w in command or []]


def setup_script(services: dict[str, dict[str, Any]]) -> str:
    """The shell script the temporal-setup one-shot runs, with compose's `$$` unescaped."""
    words = command_words(services["temporal-setup"])
    return "\n".join(words).replace("$$", "$")


def registered_search_attributes(script: str) -> list[tuple[str, str, str]]:
    """(namespace, name, type) for every `search-attribute create` in the script."""
    registered: list[tuple[str, str, str]] = []
    for line in script.splitlines():
        words = shlex.split(line, comments=True)
        if words[:4] != ["temporal", "operator", "search-attribute", "create"]:
            continue
        options: dict[str, list[str]] = {}
        for flag, value in zip(words[4::2], words[5::2], strict=True):
            options.setdefault(flag, []).append(value)
        names, types = options.get("--name", []), options.get("--type", [])
        assert len(names) == len(types), f"every --name needs its --type: {line}"
        namespace = options.get("--namespace", options.get("-n", [""]))[-1]
        registered += [(namespace, name, kind) for name, kind in zip(names, types, strict=True)]
    return registered


# ---------------------------------------------------------------- Kaizen's own services


def test_kaizen_variables_are_real_settings(services: dict[str, dict[str, Any]]) -> None:
    known = settings_env_names()
    seen = 0
    for name, service in services.items():
        for variable in environment(service):
            if variable.upper().startswith("KAIZEN_"):
                seen += 1
                assert variable.upper() in known, f"{name}: {variable} is not a Kaizen setting"
    assert seen, "no KAIZEN_* variable in docker-compose.yml"


def test_api_and_worker_share_environment_and_image(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    api, worker = services["api"], services["worker"]
    assert environment(api) == environment(worker)
    assert environment(api) == compose["x-kaizen-env"], "written once, in x-kaizen-env"
    assert api.get("build") == worker.get("build") and api.get("build") is not None
    assert api.get("image") == worker.get("image")
    context = api["build"] if isinstance(api["build"], str) else api["build"]["context"]
    assert (ROOT / context / "Dockerfile").resolve() == DOCKERFILE


def test_settings_built_from_compose_environment(
    compose_settings: Settings, services: dict[str, dict[str, Any]]
) -> None:
    settings = compose_settings
    assert settings.temporal_target == "temporal:7233"
    assert settings.opa_base_url == "http://opa:8181"
    assert settings.temporal_target.partition(":")[0] in services
    assert urlsplit(settings.opa_base_url).hostname in services

    url = make_url(settings.database)
    assert url.get_backend_name() == "postgresql"
    assert url.get_driver_name() == "psycopg", "the driver of the `postgres` extra"
    assert url.host in services and services[url.host]["image"].startswith("postgres:")

    api_ports = published_ports(services["api"])
    assert settings.api_host == "0.0.0.0", "the API must listen beyond the container"
    assert [container for _, container in api_ports] == [settings.api_port]


def test_api_healthcheck_and_commands_use_the_kaizen_cli(
    compose_settings: Settings, services: dict[str, dict[str, Any]]
) -> None:
    assert command_words(services["api"]) == ["kaizen", "api"]
    assert command_words(services["worker"])[:2] == ["kaizen", "worker"]
    probe = " ".join(services["api"]["healthcheck"]["test"])
    assert f":{compose_settings.api_port}/healthz" in probe


def test_worker_is_scalable(services: dict[str, dict[str, Any]]) -> None:
    worker = services["worker"]
    assert "container_name" not in worker, "a fixed name allows only one worker container"
    assert not worker.get("ports"), "host ports would collide between worker replicas"
    words = command_words(worker)
    processes = int(words[words.index("--processes") + 1])
    assert processes >= 1


def test_kaizen_waits_for_search_attributes_and_database(
    services: dict[str, dict[str, Any]],
) -> None:
    for name in KAIZEN_SERVICES:
        dependencies = depends_on(services[name])
        assert dependencies.get("temporal-setup") == "service_completed_successfully", name
        assert dependencies.get("postgresql") == "service_healthy", name
        assert "opa" in dependencies, name


# ---------------------------------------------------------------- PostgreSQL


def test_kaizen_database_is_created_by_the_init_script(
    compose_settings: Settings, services: dict[str, dict[str, Any]]
) -> None:
    postgresql = services["postgresql"]
    scripts = [
        (ROOT / source).resolve()
        for source, target, _ in bind_mounts(postgresql)
        if target.startswith(POSTGRES_INIT)
    ]
    assert scripts, f"no init script mounted under {POSTGRES_INIT}"
    sql = "\n".join(path.read_text() for path in scripts)
    roles = dict(re.findall(r"CREATE ROLE (\w+) WITH LOGIN PASSWORD '([^']*)'", sql, re.I))
    databases = dict(re.findall(r"CREATE DATABASE (\w+) OWNER (\w+)", sql, re.I))

    url: URL = make_url(compose_settings.database)
    assert url.username in roles and roles[url.username] == url.password
    assert databases.get(str(url.database)) == url.username
    assert url.port in (None, 5432)

    assert "healthcheck" in postgresql
    assert any(not str(v).startswith((".", "/")) for v in postgresql.get("volumes", [])), (
        "PostgreSQL data needs a named volume"
    )


def test_postgres_extra_is_the_driver_the_image_installs() -> None:
    extras = tomllib.loads(PYPROJECT.read_text())["project"]["optional-dependencies"]
    (requirement,) = extras["postgres"]
    match = re.fullmatch(r"psycopg\[binary\]==(\d+\.\d+\.\d+)", requirement)
    assert match, requirement
    pins = {m for run in dockerfile_runs() for m in re.findall(r"psycopg\[binary\]==([\w.]+)", run)}
    assert pins == {match.group(1)}, "the Dockerfile must install the same psycopg as the extra"


# ---------------------------------------------------------------- Temporal


def test_temporal_server_uses_postgresql(services: dict[str, dict[str, Any]]) -> None:
    temporal, postgresql = services["temporal"], services["postgresql"]
    env, db_env = environment(temporal), environment(postgresql)
    assert env["DB"] == "postgres12"
    assert env["POSTGRES_SEEDS"] == "postgresql"
    assert env["DB_PORT"] == "5432"
    assert env["POSTGRES_USER"] == db_env["POSTGRES_USER"]
    assert env["POSTGRES_PWD"] == db_env["POSTGRES_PASSWORD"]
    assert depends_on(temporal).get("postgresql") == "service_healthy"
    assert "healthcheck" in temporal


def test_temporal_images_match_the_pinned_cli(services: dict[str, dict[str, Any]]) -> None:
    server_tag = image_tag(services["temporal"]["image"])
    assert services["temporal"]["image"].startswith("temporalio/auto-setup:")
    # The pinned Temporal CLI (kaizen up) embeds server 1.29.x; compose runs the same server.
    assert server_tag is not None and server_tag.startswith("1.29."), server_tag
    admin_tag = image_tag(services["temporal-setup"]["image"]) or ""
    assert admin_tag.startswith(f"{server_tag}-"), "admin tools built for the same server"
    cli_minor = ".".join(tools.TEMPORAL.version.removeprefix("v").split(".")[:2])
    assert re.search(rf"-cli-{re.escape(cli_minor)}\.\d+$", admin_tag), admin_tag


def test_search_attributes_registered_are_exactly_kaizens(
    compose_settings: Settings, services: dict[str, dict[str, Any]]
) -> None:
    setup = services["temporal-setup"]
    assert environment(setup).get("TEMPORAL_ADDRESS") == compose_settings.temporal_target
    assert depends_on(setup).get("temporal") == "service_healthy"
    registered = registered_search_attributes(setup_script(services))
    names = [name for _, name, _ in registered]
    assert sorted(names) == sorted(key.name for key in SEARCH_ATTRIBUTES)
    assert len(set(names)) == len(names)
    expected_types = {
        key.name: IndexedValueType.Name(key.indexed_value_type) for key in SEARCH_ATTRIBUTES
    }
    for namespace, name, kind in registered:
        assert namespace == compose_settings.temporal_namespace, name
        assert f"INDEXED_VALUE_TYPE_{kind.upper()}" == expected_types[name], name


def test_temporal_ui(compose_settings: Settings, services: dict[str, dict[str, Any]]) -> None:
    ui = services["temporal-ui"]
    assert ui["image"].startswith("temporalio/ui:")
    # The same address as the embedded UI of `kaizen up`.
    assert published_ports(ui) == [(Settings.model_fields["temporal_ui_port"].default, 8080)]
    assert published_ports(ui)[0][0] == 8233
    assert environment(ui)["TEMPORAL_ADDRESS"] == compose_settings.temporal_target
    assert "temporal" in depends_on(ui)


# ---------------------------------------------------------------- OPA


def test_opa_runs_like_the_embedded_server(
    compose_settings: Settings, services: dict[str, dict[str, Any]]
) -> None:
    opa = services["opa"]
    assert image_tag(opa["image"]) == tools.OPA.version.removeprefix("v")

    mounts = {source.rstrip("/"): (target, ro) for source, target, ro in bind_mounts(opa)}
    assert "./policies" in mounts, "the policies directory must be mounted"
    policies_target, read_only = mounts["./policies"]
    assert read_only

    port = urlsplit(compose_settings.opa_base_url).port
    assert port is not None
    embedded = opa_command(Path("opa"), port=port, policies_dir=Path("policies"))
    expected_flags, compose_flags = embedded[1:-1], command_words(opa)
    assert compose_flags[-1] == policies_target, "OPA must load the mounted policies"
    compose_flags = compose_flags[:-1]

    addr = expected_flags.index("--addr") + 1
    host, _, addr_port = compose_flags[addr].rpartition(":")
    assert host == "0.0.0.0" and int(addr_port) == port
    expected_flags[addr] = compose_flags[addr]
    assert compose_flags == expected_flags


# ---------------------------------------------------------------- the whole file


def test_depends_on_only_defined_services(services: dict[str, dict[str, Any]]) -> None:
    conditions = {"service_started", "service_healthy", "service_completed_successfully"}
    for name, service in services.items():
        for dependency, condition in depends_on(service).items():
            assert dependency in services, f"{name} depends on undefined {dependency}"
            assert condition in conditions, f"{name}: {condition}"
            if condition == "service_healthy":
                assert "healthcheck" in services[dependency], f"{dependency} has no healthcheck"


def test_every_image_is_pinned(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        image = service.get("image")
        assert image or service.get("build"), f"{name} has neither image nor build"
        if image is None:
            continue
        tag = image_tag(image)
        assert tag, f"{name}: {image} has no tag"
        assert tag != "latest" and re.search(r"\d", tag), f"{name}: {image} is not a version"


def test_kaizen_image_tag_is_the_project_version(services: dict[str, dict[str, Any]]) -> None:
    version = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
    assert image_tag(services["api"]["image"]) == version


# ---------------------------------------------------------------- Dockerfile


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    instructions: list[tuple[str, str]] = []
    current = ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        current += line
        if current.endswith("\\"):
            current = current[:-1] + " "
            continue
        keyword, _, arguments = current.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        current = ""
    assert not current, "the Dockerfile ends inside a continued line"
    return instructions


def dockerfile_runs() -> list[str]:
    return [arguments for keyword, arguments in dockerfile_instructions() if keyword == "RUN"]


def test_dockerfile_base_image() -> None:
    instructions = dockerfile_instructions()
    args = dict(arguments.split("=", 1) for keyword, arguments in instructions if keyword == "ARG")
    stages: set[str] = set()
    for keyword, arguments in instructions:
        if keyword != "FROM":
            continue
        words = arguments.split()
        image = re.sub(r"\$\{?(\w+)\}?", lambda m: args[m.group(1)], words[0])
        if image not in stages:
            assert image == "python:3.11-slim", image
        if len(words) == 3 and words[1].upper() == "AS":
            stages.add(words[2])


def first(instruction: str, pattern: str) -> int:
    """Index of the first `instruction` whose arguments match `pattern`."""
    for index, (keyword, arguments) in enumerate(dockerfile_instructions()):
        if keyword == instruction and re.search(pattern, arguments):
            return index
    raise AssertionError(f"no {instruction} matching {pattern!r} in the Dockerfile")


def test_dockerfile_installs_the_lock_then_the_project() -> None:
    lock_copy = first("COPY", r"^requirements\.lock\s")
    lock_install = first("RUN", r"pip install\b[^&;|]*\s-r\s+\S*requirements\.lock\b")
    source_copy = first("COPY", r"^\.\s")
    project_install = first("RUN", r"pip install\s+--no-deps\s+\S*\.\[postgres\]")
    # Cache-friendly: the dependencies are a layer of their own, above the source.
    assert lock_copy < lock_install < source_copy < project_install


def test_dockerfile_runs_kaizen_api_as_non_root(compose_settings: Settings) -> None:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    final = instructions[last_from:]
    users = [a for k, a in final if k == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")

    (cmd,) = [a for k, a in final if k == "CMD"]
    command = json.loads(cmd)
    scripts = tomllib.loads(PYPROJECT.read_text())["project"]["scripts"]
    assert command[0] in scripts and scripts[command[0]] == "kaizen.cli.main:main"
    assert command == ["kaizen", "api"]

    exposed = [int(p.split("/")[0]) for k, a in final if k == "EXPOSE" for p in a.split()]
    assert exposed == [compose_settings.api_port]

    known = settings_env_names()
    for k, a in final:
        if k == "ENV":
            for name in (pair.split("=", 1)[0] for pair in shlex.split(a)):
                if name.upper().startswith("KAIZEN_"):
                    assert name.upper() in known, f"{name} is not a Kaizen setting"


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    patterns = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".kaizen", ".git", ".pytest_cache", ".mypy_cache", ".ruff_cache"} <= patterns
    assert "requirements.lock" not in patterns and "pyproject.toml" not in patterns


# ---------------------------------------------------------------- restart policies, health

ONE_SHOTS = ("temporal-setup",)


def test_services_come_back_after_a_crash_and_one_shots_only_retry_failures(
    services: dict[str, dict[str, Any]],
) -> None:
    for name, service in services.items():
        restart = str(service.get("restart", "no"))
        if name in ONE_SHOTS:
            # `unless-stopped` would run a finished one-shot again and again.
            assert re.fullmatch(r"on-failure:\d+", restart), f"{name}: {restart}"
        else:
            assert restart in ("unless-stopped", "always"), f"{name}: restart {restart}"


def test_kaizen_waits_for_healthy_services(services: dict[str, dict[str, Any]]) -> None:
    for name in KAIZEN_SERVICES:
        for dependency, condition in depends_on(services[name]).items():
            if dependency not in ONE_SHOTS:
                assert condition == "service_healthy", f"{name} -> {dependency}: {condition}"
    for name, service in services.items():
        check = service.get("healthcheck")
        if check is not None:
            assert {"test", "interval", "timeout", "retries"} <= set(check), name


def test_opa_healthcheck_answers_with_the_server(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """The probe the OPA container runs (its own binary, no shell), against a real OPA with
    the same flags: exit 0 while it serves, 1 once it is gone."""
    probe = [str(word) for word in services["opa"]["healthcheck"]["test"]]
    assert probe[:2] == ["CMD", "/opa"], "the image's binary, without a shell"
    addr = command_words(services["opa"])
    host_port = addr[addr.index("--addr") + 1].rpartition(":")[2]
    binary = tools.require(tools.OPA, Settings().resolved_tools_dir)
    port = free_port()
    server = OpaServer(
        binary, port=port, policies_dir=ROOT / "policies", log_path=tmp_path / "opa.log"
    )
    command = [str(binary), *(w.replace(f":{host_port}/", f":{port}/") for w in probe[2:])]
    server.start()
    try:
        assert subprocess.run(command, capture_output=True, timeout=30).returncode == 0
    finally:
        server.stop()
    assert subprocess.run(command, capture_output=True, timeout=30).returncode == 1


def test_the_image_carries_the_environments(compose_settings: Settings) -> None:
    instructions = dockerfile_instructions()
    last_from = max(i for i, (keyword, _) in enumerate(instructions) if keyword == "FROM")
    final = instructions[last_from:]
    copies = {
        words[0]: words[-1]
        for keyword, arguments in final
        if keyword == "COPY" and not arguments.startswith("--from")
        for words in [arguments.split()]
    }
    target = copies.get("environments")
    assert target, "the runtime stage must COPY environments/"
    env = {
        name: value
        for keyword, arguments in final
        if keyword == "ENV"
        for name, _, value in (pair.partition("=") for pair in shlex.split(arguments))
    }
    assert env.get("KAIZEN_ENVIRONMENTS_DIR") == target
    assert "environments" not in DOCKERIGNORE.read_text().split()
    assert "KAIZEN_ENVIRONMENTS_DIR" in settings_env_names()
    assert load_environments(ROOT / "environments"), "the files the image copies"
