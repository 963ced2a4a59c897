"""Authentication, roles, and clear 4xx errors that name the field."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Engine

from kaizen.persistence.api_keys import revoke_key
from kaizen.persistence.db import session_scope
from kaizen.settings import Settings
from tests.conftest import Keys

GOOD_RUN = {"service": "checkout", "namespace": "shop", "symptom": "Slow", "severity": "low"}


async def test_missing_malformed_and_unknown_keys_are_401(
    api: httpx.AsyncClient, keys: Keys
) -> None:
    missing = await api.get("/v1/runs")
    assert missing.status_code == 401
    assert "Authorization" in missing.json()["error"]
    assert missing.headers["www-authenticate"] == "Bearer"
    malformed = await api.get("/v1/runs", headers={"Authorization": keys.viewer})
    assert malformed.status_code == 401
    unknown = await api.get("/v1/runs", headers=Keys.header("kz_not-a-key"))
    assert unknown.status_code == 401 and "unknown or revoked" in unknown.json()["error"]


async def test_revoked_key_stops_working(
    api: httpx.AsyncClient, keys: Keys, engine: Engine
) -> None:
    assert (
        await api.get("/v1/change-windows", headers=Keys.header(keys.viewer))
    ).status_code == 200
    with session_scope(engine) as session:
        revoke_key(session, "victor")
    assert (
        await api.get("/v1/change-windows", headers=Keys.header(keys.viewer))
    ).status_code == 401


async def test_roles_are_ordered(api: httpx.AsyncClient, keys: Keys) -> None:
    viewer = await api.post("/v1/healing-runs", json=GOOD_RUN, headers=Keys.header(keys.viewer))
    assert viewer.status_code == 403
    assert "operator role" in viewer.json()["error"]
    window = {"scope": "*", "duration_minutes": 5, "reason": "x"}
    as_viewer = await api.post("/v1/change-windows", json=window, headers=Keys.header(keys.viewer))
    assert as_viewer.status_code == 403


async def test_bad_run_bodies_name_the_field(api: httpx.AsyncClient, keys: Keys) -> None:
    operator = Keys.header(keys.operator)
    cases = {
        "severity": {**GOOD_RUN, "severity": "sev1"},
        "service": {**GOOD_RUN, "service": "Not_A_Name"},
        "namespace": {k: v for k, v in GOOD_RUN.items() if k != "namespace"},
        "colour": {**GOOD_RUN, "colour": "blue"},
        "symptom": {**GOOD_RUN, "symptom": "a b/c"},
    }
    for field, body in cases.items():
        reply = await api.post("/v1/healing-runs", json=body, headers=operator)
        assert reply.status_code == 422, (field, reply.text)
        problems = reply.json()["problems"]
        assert any(p["field"] == field for p in problems), (field, problems)
        assert field in reply.json()["error"]
    not_json = await api.post(
        "/v1/healing-runs",
        content=b"{nope",
        headers={**operator, "content-type": "application/json"},
    )
    assert not_json.status_code == 422


async def test_bad_window_and_vote_bodies(api: httpx.AsyncClient, keys: Keys) -> None:
    operator = Keys.header(keys.operator)
    too_long = {"scope": "*", "duration_minutes": 0, "reason": "x"}
    reply = await api.post("/v1/change-windows", json=too_long, headers=operator)
    assert reply.status_code == 422 and reply.json()["problems"][0]["field"] == "duration_minutes"
    bad_scope = {"scope": "a b", "duration_minutes": 5, "reason": "x"}
    reply = await api.post("/v1/change-windows", json=bad_scope, headers=operator)
    assert reply.status_code == 422 and reply.json()["problems"][0]["field"] == "scope"
    vote = await api.post(
        "/v1/runs/whatever/approvals",
        json={"decision": "maybe"},
        headers=Keys.header(keys.approver),
    )
    assert vote.status_code == 422 and vote.json()["problems"][0]["field"] == "decision"


async def test_unknown_things_are_404(api: httpx.AsyncClient, keys: Keys) -> None:
    viewer = Keys.header(keys.viewer)
    assert (await api.get("/v1/runs/healing:nope", headers=viewer)).status_code == 404
    vote = await api.post(
        "/v1/runs/healing:nope/approvals", json={"decision": "approve"},
        headers=Keys.header(keys.approver),
    )  # fmt: skip
    assert vote.status_code == 404
    closing = await api.delete("/v1/change-windows/cw-nope", headers=Keys.header(keys.operator))
    assert closing.status_code == 404


async def test_list_filters_are_validated(api: httpx.AsyncClient, keys: Keys) -> None:
    viewer = Keys.header(keys.viewer)
    bad_kind = await api.get("/v1/runs", params={"kind": "nonsense"}, headers=viewer)
    assert bad_kind.status_code == 422 and bad_kind.json()["problems"][0]["field"] == "kind"
    bad_status = await api.get("/v1/runs", params={"status": "sleeping"}, headers=viewer)
    assert bad_status.status_code == 422 and bad_status.json()["problems"][0]["field"] == "status"
    injection = await api.get("/v1/runs", params={"service": "x' OR 'a'='a"}, headers=viewer)
    assert injection.status_code == 422


async def test_health_readiness_metrics_and_docs(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"temporal": "ok", "opa": "ok", "database": "ok"}
    await api.get("/v1/runs")
    metrics = await api.get("/metrics")
    assert "kaizen_api_requests_total" in metrics.text
    assert 'route="/v1/runs"' in metrics.text
    spec = (await api.get("/openapi.json")).json()
    body = spec["paths"]["/v1/healing-runs"]["post"]["requestBody"]["content"]["application/json"]
    schema = spec["components"]["schemas"][body["schema"]["$ref"].rsplit("/", 1)[1]]
    assert schema["properties"]["severity"]["enum"] == ["low", "medium", "high", "critical"]
    assert set(schema["required"]) == {"service", "namespace", "symptom", "severity"}
    assert (await api.get("/docs")).status_code == 200


async def test_readyz_names_what_is_down_and_temporal_outage_is_503(
    settings: Settings, keys: Keys
) -> None:
    from api.app import create_app
    from kaizen.stack.processes import free_port

    dead = f"127.0.0.1:{free_port()}"
    broken = settings.model_copy(update={"opa_url": f"http://{dead}", "temporal_address": dead})
    app = create_app(broken)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://k") as api:
            ready = await api.get("/readyz")
            assert ready.status_code == 503
            checks = ready.json()["checks"]
            assert checks["database"] == "ok"
            assert checks["opa"].startswith("error") and checks["temporal"].startswith("error")
            started = await api.post(
                "/v1/healing-runs", json=GOOD_RUN, headers=Keys.header(keys.operator)
            )
            assert started.status_code == 503
            assert dead in started.json()["error"]
