"""Schemathesis over the whole OpenAPI document, as a stranger and as each role, over real
HTTP against a real Temporal dev server and OPA of this module's own (the fuzzer starts runs
and sets modes; it must not leave them in the servers other tests share).

Valid and invalid inputs alike must never get a 5xx, and every error must be the API's JSON
error shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from schemathesis import GenerationMode

from api.app import create_app
from kaizen.persistence.api_keys import Role, create_key
from kaizen.persistence.db import make_engine, session_scope
from kaizen.settings import Settings
from tests.http_server import served
from tests.servers import start_session_servers


@schemathesis.serializer("application/gzip")
def _gzip_bytes(_context: object, value: object) -> bytes:
    """Bundle uploads (policy rollouts) take gzip bytes: whatever was generated, as bytes;
    a body that is no gzip at all is exactly the hostile input to try."""
    return value if isinstance(value, bytes) else str(value).encode()


ROLES = ("stranger", "viewer", "operator", "approver", "admin")
EXAMPLES_PER_OPERATION = 12

schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES_PER_OPERATION,
    database="none",
    # The same cases every run: CI must not fail on a case it happened to draw today.
    deterministic=True,
)


@pytest.fixture(scope="module")
def fuzzed_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    state: Path = tmp_path_factory.mktemp("fuzz")
    servers = start_session_servers(state)
    settings = Settings(
        home=state / "home",
        temporal_address=servers.temporal_address,
        opa_url=servers.opa_url,
        opa_token=servers.opa_token,
        database_url=f"sqlite:///{state / 'kaizen.db'}",
        healing_task_queue="fuzz-healing",
        # The fuzzer is one client hammering with a handful of keys: limits would turn most
        # of its cases into 429s and hide the routes behind them.
        rate_limit_per_key=10_000,
        rate_limit_per_client=10_000,
        rate_limit_failed_auth=10_000,
        slack_bot_token="xoxb-fuzz",
        slack_signing_secret="fuzz-secret",
    )
    engine = make_engine(settings.database)
    with session_scope(engine) as session:
        keys = {
            role: create_key(session, name=f"fuzz-{role}", role=Role[role])
            for role in ROLES
            if role != "stranger"
        }
    try:
        with served(create_app(settings)) as url:
            yield url, keys
    finally:
        engine.dispose()
        servers.stop()


@schema.parametrize()
@pytest.mark.parametrize("role", ROLES)
def test_no_input_gets_a_5xx(
    case: schemathesis.Case, role: str, fuzzed_api: tuple[str, dict[str, str]]
) -> None:
    url, keys = fuzzed_api
    headers = dict(case.headers or {})
    if role == "stranger":
        headers.pop("Authorization", None)
    else:
        headers["Authorization"] = f"Bearer {keys[role]}"
    case.headers = headers
    response = case.call(base_url=url, timeout=30)
    shown = f"{case.method} {case.formatted_path} as {role}: {response.status_code} "
    shown += response.text[:300]
    assert response.status_code < 500, shown
    if response.status_code >= 400:
        content_type = response.headers["content-type"][0]
        assert content_type.startswith("application/json"), shown
        assert isinstance(response.json().get("error"), str), shown
