"""The healing control surface: modes (database and OPA together), learning, counters, focus,
and the healing metrics read from the learning log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client, WorkflowExecutionStatus

from api.app import create_app
from kaizen.persistence.db import session_scope
from kaizen.persistence.healing_modes import all_modes, set_mode
from kaizen.persistence.learning import LearningEntry, record_once
from kaizen.persistence.scheduler import SchedulerEvent, count
from kaizen.settings import Settings
from kaizen.stack.processes import free_port
from tests.api.test_alertmanager import WEBHOOK, alert, payload, unique
from tests.conftest import Keys
from tests.servers import opa_auth


async def opa_modes(settings: Settings) -> dict[str, str]:
    async with httpx.AsyncClient(headers=opa_auth(settings)) as http:
        reply = await http.get(f"{settings.opa_base_url}/v1/data/kaizen/healing_modes")
    result: dict[str, str] = reply.json().get("result", {})
    return result


@pytest.fixture
async def started(client: Client) -> AsyncIterator[list[str]]:
    ids: list[str] = []
    yield ids
    for run_id in set(ids):
        handle = client.get_workflow_handle(run_id)
        if (await handle.describe()).status == WorkflowExecutionStatus.RUNNING:
            await handle.terminate("test over")


async def test_admin_sets_a_mode_and_opa_has_it(
    api: httpx.AsyncClient, keys: Keys, settings: Settings
) -> None:
    admin, service = Keys.header(keys.admin), unique()
    reply = await api.put(f"/v1/healing/modes/shop/{service}", json={"mode": "approval"},
                          headers=admin)  # fmt: skip
    assert reply.status_code == 200, reply.text
    row = reply.json()
    assert row["namespace"] == "shop" and row["service"] == service
    assert row["mode"] == "approval" and row["set_by"] == "root"
    assert datetime.fromisoformat(row["set_at"]) > datetime.now(UTC) - timedelta(minutes=1)
    assert (await opa_modes(settings))[f"shop/{service}"] == "approval"

    await api.put("/v1/healing/modes/payments/ledger", json={"mode": "observe"}, headers=admin)
    changed = await api.put(f"/v1/healing/modes/shop/{service}", json={"mode": "autonomous"},
                            headers=admin)  # fmt: skip
    assert changed.json()["mode"] == "autonomous"
    assert await opa_modes(settings) == {f"shop/{service}": "autonomous",
                                         "payments/ledger": "observe"}  # fmt: skip

    listed = await api.get("/v1/healing/modes", headers=Keys.header(keys.viewer))
    assert listed.status_code == 200
    assert listed.json()["default"] == "observe"
    assert [(m["namespace"], m["service"], m["mode"]) for m in listed.json()["modes"]] == [
        ("payments", "ledger", "observe"),
        ("shop", service, "autonomous"),
    ]


async def test_api_start_pushes_stored_modes_to_opa(
    settings: Settings, engine: Engine, keys: Keys
) -> None:
    with session_scope(engine) as session:
        set_mode(session, namespace="shop", service="cart", mode="autonomous", by="root")
    async with httpx.AsyncClient(headers=opa_auth(settings)) as http:  # as after an OPA restart
        await http.put(f"{settings.opa_base_url}/v1/data/kaizen/healing_modes", json={})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        assert await opa_modes(settings) == {"shop/cart": "autonomous"}


async def test_only_admins_set_modes(api: httpx.AsyncClient, keys: Keys) -> None:
    for key in (keys.operator, keys.approver, keys.viewer):
        reply = await api.put("/v1/healing/modes/shop/cart", json={"mode": "approval"},
                              headers=Keys.header(key))  # fmt: skip
        assert reply.status_code == 403 and "admin role" in reply.json()["error"]
    anonymous = await api.put("/v1/healing/modes/shop/cart", json={"mode": "approval"})
    assert anonymous.status_code == 401


async def test_bad_mode_requests_name_the_field(
    api: httpx.AsyncClient, keys: Keys, engine: Engine
) -> None:
    admin = Keys.header(keys.admin)
    cases = {
        "mode": ("/v1/healing/modes/shop/cart", {"mode": "yolo"}),
        "namespace": ("/v1/healing/modes/Shop_1/cart", {"mode": "approval"}),
        "service": ("/v1/healing/modes/shop/-cart", {"mode": "approval"}),
        "colour": ("/v1/healing/modes/shop/cart", {"mode": "approval", "colour": "red"}),
    }
    for field, (path, body) in cases.items():
        reply = await api.put(path, json=body, headers=admin)
        assert reply.status_code == 422, (field, reply.text)
        assert field in [p["field"] for p in reply.json()["problems"]], (field, reply.text)
    with Session(engine) as session:
        assert all_modes(session) == []


async def test_unreachable_opa_is_503_and_nothing_is_written(
    settings: Settings, keys: Keys, engine: Engine
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    app = create_app(settings.model_copy(update={"opa_url": dead}))
    async with app.router.lifespan_context(app):  # starts although OPA is down
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as api:
            reply = await api.put("/v1/healing/modes/shop/cart", json={"mode": "autonomous"},
                                  headers=Keys.header(keys.admin))  # fmt: skip
            assert reply.status_code == 503, reply.text
            assert dead.removeprefix("http://") in reply.json()["error"]
            assert "nothing changed" in reply.json()["error"]
            listed = await api.get("/v1/healing/modes", headers=Keys.header(keys.viewer))
            assert listed.json()["modes"] == []
    with Session(engine) as session:
        assert all_modes(session) == []


def learn(engine: Engine, *rows: tuple[str, str, str, float, timedelta]) -> None:
    """(event, playbook, service, seconds, age) rows in the learning log."""
    with session_scope(engine) as session:
        for i, (event, playbook, service, seconds, age) in enumerate(rows):
            record_once(
                session,
                LearningEntry(
                    run_id=f"run-{i}", event=event, tenant="default", namespace="shop",
                    service=service, diagnosis="error_rate", playbook=playbook,
                    playbook_version=1, seconds=seconds, at=datetime.now(UTC) - age,
                ),
            )  # fmt: skip


async def test_learning_success_rates_by_playbook_and_service(
    api: httpx.AsyncClient, keys: Keys, engine: Engine
) -> None:
    now, days = timedelta(0), timedelta(days=3)
    learn(
        engine,
        ("verified", "restart", "cart", 60, now),
        ("verified", "restart", "cart", 90, now),
        ("rolled_back", "restart", "ledger", 0, now),
        ("proposed", "restart", "cart", 0, now),  # not an outcome
        ("verified", "scale_out", "ledger", 30, days),
        ("rolled_back", "scale_out", "ledger", 0, timedelta(days=9)),  # older than 7d
    )
    reply = await api.get("/v1/healing/learning", headers=Keys.header(keys.viewer))
    assert reply.status_code == 200, reply.text
    body = reply.json()

    def table(rows: list[dict[str, Any]]) -> dict[str, tuple[int, int, int, float | None]]:
        return {r["name"]: (r["runs"], r["successes"], r["failures"], r["success_rate"])
                for r in rows}  # fmt: skip

    assert table(body["by_playbook"]["24h"]) == {"restart": (3, 2, 1, pytest.approx(2 / 3))}
    assert table(body["by_playbook"]["7d"]) == {
        "restart": (3, 2, 1, pytest.approx(2 / 3)),
        "scale_out": (1, 1, 0, 1.0),
    }
    assert table(body["by_service"]["24h"]) == {"cart": (2, 2, 0, 1.0), "ledger": (1, 0, 1, 0.0)}
    assert table(body["by_service"]["7d"]) == {"cart": (2, 2, 0, 1.0),
                                               "ledger": (2, 1, 1, 0.5)}  # fmt: skip


async def test_scheduler_counters_after_alerts(
    api: httpx.AsyncClient, keys: Keys, engine: Engine, started: list[str]
) -> None:
    service = unique()
    body = payload(
        alert(service),
        alert(service),
        alert(service, namespace=None),
        alert(unique(), status="resolved"),
    )
    reply = await api.post(WEBHOOK, json=body, headers=Keys.header(keys.operator))
    assert reply.status_code == 200, reply.text
    started.append(reply.json()["results"][0]["run"]["id"])
    with session_scope(engine) as session:
        count(session, SchedulerEvent(kind="backoff", tenant="default", business_key="k",
                                      source="alertmanager",
                                      at=datetime.now(UTC) - timedelta(days=2)))  # fmt: skip
    counters = await api.get("/v1/healing/scheduler-counters", headers=Keys.header(keys.viewer))
    assert counters.status_code == 200, counters.text
    assert counters.json() == {
        "total": {"proposals": 1, "joins": 1, "backoffs": 1, "skips": 2},
        "last_24h": {"proposals": 1, "joins": 1, "backoffs": 0, "skips": 2},
    }


async def test_focus_most_critical_first_then_oldest(
    api: httpx.AsyncClient, keys: Keys, engine: Engine, started: list[str]
) -> None:
    tag = unique("f")
    operator, viewer = Keys.header(keys.operator), Keys.header(keys.viewer)
    for severity in ("low", "critical", "medium", "high", "critical"):
        service = f"{tag}-{severity}-{len(started)}"
        reply = await api.post(WEBHOOK, json=payload(alert(service, severity=severity)),
                               headers=operator)  # fmt: skip
        started.append(reply.json()["results"][0]["run"]["id"])
    # A key whose alert still fires while its run has ended (backoff after a failed fix),
    # one whose alert resolved since, and one only the API triggered (never resolves).
    with session_scope(engine) as session:
        for service, status, source, age in (
            (f"{tag}-waiting", "firing", "alertmanager", timedelta(hours=1)),
            (f"{tag}-resolved", "firing", "alertmanager", timedelta(hours=2)),
            (f"{tag}-resolved", "resolved", "alertmanager", timedelta(hours=1)),
            (f"{tag}-api", "firing", "api", timedelta(hours=1)),
        ):
            count(session, SchedulerEvent(
                kind="backoff", tenant="default", source=source, severity="critical",
                business_key=f"healing:default:shop:{service}",
                reason="a run for this key ended within the backoff: joined it",
                alert_status=status, at=datetime.now(UTC) - age,
            ))  # fmt: skip

    deadline, mine = time.monotonic() + 30, []
    while time.monotonic() < deadline:  # visibility lags a moment behind the starts
        reply = await api.get("/v1/healing/focus", headers=viewer)
        assert reply.status_code == 200, reply.text
        mine = [s for s in reply.json()["services"] if s["service"].startswith(tag)]
        if sum(s["state"] == "running" for s in mine) == 5:
            break
        await asyncio.sleep(0.2)
    assert [(s["service"].split("-")[2], s["state"]) for s in mine] == [
        ("waiting", "firing_without_run"),
        ("critical", "running"),
        ("critical", "running"),
        ("high", "running"),
        ("medium", "running"),
        ("low", "running"),
    ]
    waiting, first_critical, second_critical = mine[:3]
    assert waiting["id"] == f"healing:default:shop:{tag}-waiting"
    assert waiting["run_id"] == "" and "backoff" in waiting["reason"]
    assert first_critical["id"] == started[1] and second_critical["id"] == started[4]
    assert first_critical["started_at"] <= second_critical["started_at"]
    assert first_critical["namespace"] == "shop" and first_critical["symptom"] == "HighErrorRate"
    assert first_critical["severity"] == "critical" and first_critical["phase"] == "starting"
    assert first_critical["risk"] == "unknown" and first_critical["run_id"]
    assert first_critical["web_ui_url"].endswith(f"{first_critical['run_id']}/history")


async def test_metrics_expose_healing_outcomes(
    api: httpx.AsyncClient, keys: Keys, engine: Engine
) -> None:
    now = timedelta(0)
    learn(
        engine,
        ("verified", "restart", "cart", 45, now),
        ("rolled_back", "restart", "cart", 0, now),
        ("rejected", "scale_out", "cart", 20, now),
        ("aborted", "restart", "cart", 0, now),
        ("approved", "restart", "cart", 100, now),
        ("proposed", "restart", "cart", 0, now),
    )
    text = (await api.get("/metrics")).text
    for line in (
        'kaizen_healing_runs_total{outcome="fixed",playbook="restart"} 1.0',
        'kaizen_healing_runs_total{outcome="rolled_back",playbook="restart"} 1.0',
        'kaizen_healing_runs_total{outcome="rejected",playbook="scale_out"} 1.0',
        'kaizen_healing_runs_total{outcome="aborted",playbook="restart"} 1.0',
        'kaizen_healing_approval_wait_seconds_bucket{le="30.0"} 1.0',
        'kaizen_healing_approval_wait_seconds_bucket{le="300.0"} 2.0',
        "kaizen_healing_approval_wait_seconds_count 2.0",
        "kaizen_healing_approval_wait_seconds_sum 120.0",
        'kaizen_healing_time_to_fix_seconds_bucket{le="30.0"} 0.0',
        'kaizen_healing_time_to_fix_seconds_bucket{le="60.0"} 1.0',
        "kaizen_healing_time_to_fix_seconds_count 1.0",
    ):
        assert line in text.splitlines(), line
    assert 'outcome="proposed"' not in text
