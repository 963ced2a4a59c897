"""Schedules on Temporal's own Schedules, through the API, against the real dev server.

No worker polls the schedules' task queue here: a started healing run stays running, which
is exactly the "run that outlasts the interval" the overlap policies are about.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.client import Client, WorkflowExecutionStatus

from kaizen.settings import Settings
from kaizen.temporal.search_attributes import KAIZEN_KIND, KAIZEN_SERVICE
from tests.conftest import Keys

HOUR = 3600


def body(name: str, **changes: Any) -> dict[str, Any]:
    return {
        "id": name,
        "kind": "healing",
        "input": {"service": f"svc-{name[-6:]}", "namespace": "shop", "symptom": "Nightly",
                  "severity": "low"},
        "spec": {"intervals": [{"every_seconds": HOUR}]},
        **changes,
    }  # fmt: skip


@pytest.fixture
async def created(api: httpx.AsyncClient, keys: Keys) -> AsyncIterator[list[str]]:
    """Names of schedules a test created; deleted afterwards so the server stays quiet."""
    names: list[str] = []
    yield names
    for name in names:
        await api.delete(f"/v1/schedules/{name}", headers=Keys.header(keys.admin))


def unique(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


async def create(
    api: httpx.AsyncClient, keys: Keys, created: list[str], name: str, **changes: Any
) -> dict[str, Any]:
    reply = await api.post(
        "/v1/schedules", json=body(name, **changes), headers=Keys.header(keys.operator)
    )
    assert reply.status_code == 201, reply.text
    created.append(name)
    result: dict[str, Any] = reply.json()
    return result


async def started_runs(client: Client, temporal_id: str, expected: int) -> list[Any]:
    """The runs a schedule started (Temporal stamps them with TemporalScheduledById)."""
    runs: list[Any] = []
    for _ in range(100):
        runs = [
            run async for run in client.list_workflows(f"TemporalScheduledById = '{temporal_id}'")
        ]
        if len(runs) >= expected:
            return runs
        await asyncio.sleep(0.1)
    return runs


async def test_a_schedule_fires_runs_with_its_input_and_search_attributes(
    api: httpx.AsyncClient, keys: Keys, client: Client, created: list[str], settings: Settings
) -> None:
    name = unique()
    schedule = await create(api, keys, created, name, spec={"intervals": [{"every_seconds": 1}]})
    assert schedule["temporal_id"] == f"{settings.tenant}:{name}"
    assert schedule["kind"] == "healing" and schedule["overlap"] == "skip"
    assert schedule["next_action_times"], schedule
    assert "/schedules/" in schedule["web_ui_url"]
    [run, *_] = await started_runs(client, schedule["temporal_id"], 1)
    assert run.id.startswith(f"healing:{settings.tenant}:shop:svc-{name[-6:]}")
    assert run.typed_search_attributes.get(KAIZEN_KIND) == "healing"
    assert run.typed_search_attributes.get(KAIZEN_SERVICE) == f"svc-{name[-6:]}"
    history = await client.get_workflow_handle(run.id, run_id=run.run_id).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    assert b"Nightly" in started.input.payloads[0].data
    listed = (await api.get("/v1/schedules", headers=Keys.header(keys.viewer))).json()
    mine = next(s for s in listed if s["id"] == name)
    assert mine["recent_actions"] and mine["recent_actions"][0]["workflow_id"] == run.id


async def terminate_all(client: Client, runs: list[Any]) -> None:
    for run in runs:
        if run.status == WorkflowExecutionStatus.RUNNING:
            await client.get_workflow_handle(run.id, run_id=run.run_id).terminate("test")


@pytest.mark.parametrize(
    ("overlap", "triggers", "running_at_once", "after_the_first_ends"),
    [
        ("allow_all", 2, 2, 2),  # every fire starts a run
        ("skip", 2, 1, 1),  # a fire that finds a run going is dropped
        ("buffer_one", 3, 1, 2),  # one fire waits for the run to end; the third is dropped
    ],
)
async def test_overlap_policies_with_a_run_that_outlasts_the_interval(
    api: httpx.AsyncClient,
    keys: Keys,
    client: Client,
    created: list[str],
    overlap: str,
    triggers: int,
    running_at_once: int,
    after_the_first_ends: int,
) -> None:
    name = unique(overlap.replace("_", "-"))
    schedule = await create(api, keys, created, name, overlap=overlap)
    operator = Keys.header(keys.operator)
    for _ in range(triggers):
        reply = await api.post(f"/v1/schedules/{name}/trigger", json={}, headers=operator)
        assert reply.status_code == 202, reply.text
        # Temporal names a scheduled run by its fire time to the second: two fires in one
        # second would be one id.
        await asyncio.sleep(1.1)
    runs = await started_runs(client, schedule["temporal_id"], running_at_once)
    await asyncio.sleep(1.0)  # nothing more may start while the first run goes
    runs = await started_runs(client, schedule["temporal_id"], running_at_once)
    assert len(runs) == running_at_once, [r.id for r in runs]
    first = min(runs, key=lambda r: r.start_time)
    await client.get_workflow_handle(first.id, run_id=first.run_id).terminate("first ends")
    runs = await started_runs(client, schedule["temporal_id"], after_the_first_ends)
    await asyncio.sleep(1.5)
    runs = await started_runs(client, schedule["temporal_id"], after_the_first_ends)
    assert len(runs) == after_the_first_ends, [r.id for r in runs]
    await terminate_all(client, runs)


async def test_pause_unpause_and_every_change_is_recorded_with_its_author(
    api: httpx.AsyncClient, keys: Keys, created: list[str]
) -> None:
    name = unique()
    await create(api, keys, created, name)
    operator = Keys.header(keys.operator)
    paused = await api.post(
        f"/v1/schedules/{name}/pause", json={"note": "freeze for the audit"}, headers=operator
    )
    assert paused.status_code == 200, paused.text
    assert paused.json()["paused"] is True and paused.json()["note"] == "freeze for the audit"
    unpaused = await api.post(f"/v1/schedules/{name}/unpause", json={}, headers=operator)
    assert unpaused.json()["paused"] is False
    one = (await api.get(f"/v1/schedules/{name}", headers=Keys.header(keys.viewer))).json()
    assert [(c["action"], c["by"]) for c in one["changes"]] == [
        ("unpaused", "olivia"),
        ("paused", "olivia"),
        ("created", "olivia"),
    ]
    assert one["changes"][1]["detail"] == "freeze for the audit"


async def test_backfill_of_a_past_hour_starts_one_run_per_fire_time(
    api: httpx.AsyncClient, keys: Keys, client: Client, created: list[str]
) -> None:
    name = unique()
    schedule = await create(
        api, keys, created, name, spec={"intervals": [{"every_seconds": 600}]}, paused=True
    )
    boundary = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=2)
    reply = await api.post(
        f"/v1/schedules/{name}/backfill",
        json={"start_at": (boundary - timedelta(seconds=1)).isoformat(),
              "end_at": (boundary + timedelta(minutes=59, seconds=59)).isoformat(),
              "overlap": "allow_all"},
        headers=Keys.header(keys.operator),
    )  # fmt: skip
    assert reply.status_code == 202, reply.text
    runs = await started_runs(client, schedule["temporal_id"], 6)
    await asyncio.sleep(1.0)
    runs = await started_runs(client, schedule["temporal_id"], 6)
    assert len(runs) == 6  # :00, :10, :20, :30, :40 and :50 of that hour
    await terminate_all(client, runs)


async def test_update_changes_the_next_fire_and_delete_stops_it(
    api: httpx.AsyncClient, keys: Keys, created: list[str]
) -> None:
    name = unique()
    before = await create(api, keys, created, name, spec={"cron": ["0 3 * * *"]}, paused=True)
    [next_before] = before["next_action_times"][:1]
    assert datetime.fromisoformat(next_before).hour == 3
    updated = await api.patch(
        f"/v1/schedules/{name}",
        json={"spec": {"cron": ["30 5 * * *"], "time_zone": "UTC"}, "overlap": "allow_all"},
        headers=Keys.header(keys.operator),
    )
    assert updated.status_code == 200, updated.text
    after = updated.json()
    moved = datetime.fromisoformat(after["next_action_times"][0])
    assert (moved.hour, moved.minute) == (5, 30)
    assert after["spec"]["cron"] == ["30 5 * * *"] and after["overlap"] == "allow_all"
    assert after["paused"] is True  # an update keeps the state it does not name
    refused = await api.delete(f"/v1/schedules/{name}", headers=Keys.header(keys.operator))
    assert refused.status_code == 403  # deleting is an admin's
    deleted = await api.delete(f"/v1/schedules/{name}", headers=Keys.header(keys.admin))
    assert deleted.status_code == 204
    gone = await api.get(f"/v1/schedules/{name}", headers=Keys.header(keys.viewer))
    assert gone.status_code == 404 and name in gone.json()["error"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "teleport"}, "kind"),
        ({"input": {"service": "Bad_Name", "namespace": "shop", "symptom": "X",
                    "severity": "low"}}, "input.service"),
        ({"input": {"service": "web", "namespace": "shop", "symptom": "X", "severity": "low",
                    "playbook": "scale_out", "parameters": {"replicas_delta": 500}}},
         "input.parameters.replicas_delta"),
        ({"input": {"service": "web"}}, "input.namespace"),
        ({"spec": {}}, "spec"),
        ({"spec": {"intervals": [{"every_seconds": 60, "offset_seconds": 60}]}},
         "spec.intervals.0"),
        ({"overlap": "sometimes"}, "overlap"),
    ],
)  # fmt: skip
async def test_bad_input_is_a_422_naming_the_field_and_creates_nothing(
    api: httpx.AsyncClient, keys: Keys, created: list[str], changes: dict[str, Any], field: str
) -> None:
    name = unique()
    reply = await api.post(
        "/v1/schedules", json=body(name, **changes), headers=Keys.header(keys.operator)
    )
    assert reply.status_code == 422, reply.text
    assert field in [p["field"] for p in reply.json()["problems"]], reply.json()
    missing = await api.get(f"/v1/schedules/{name}", headers=Keys.header(keys.viewer))
    assert missing.status_code == 404


async def test_roles(api: httpx.AsyncClient, keys: Keys, created: list[str]) -> None:
    name = unique()
    viewer = Keys.header(keys.viewer)
    assert (await api.post("/v1/schedules", json=body(name), headers=viewer)).status_code == 403
    await create(api, keys, created, name)
    assert (await api.get("/v1/schedules", headers=viewer)).status_code == 200
    for action in ("pause", "unpause", "trigger"):
        refused = await api.post(f"/v1/schedules/{name}/{action}", json={}, headers=viewer)
        assert refused.status_code == 403, action
    patch = await api.patch(f"/v1/schedules/{name}", json={}, headers=viewer)
    assert patch.status_code == 403
    duplicate = await api.post("/v1/schedules", json=body(name), headers=Keys.header(keys.operator))
    assert duplicate.status_code == 409


async def test_a_schedule_whose_input_no_longer_validates_is_paused_with_a_note(
    api: httpx.AsyncClient, keys: Keys, created: list[str], settings: Settings
) -> None:
    from api.app import create_app
    from kaizen.catalog.playbooks import catalog

    name = unique()
    scaling = {"service": "web", "namespace": "shop", "symptom": "Load", "severity": "low",
               "playbook": "scale_out", "parameters": {"replicas_delta": 4}}  # fmt: skip
    await create(api, keys, created, name, input=scaling)
    # The catalog changes under the schedule: scale_out now allows at most 2.
    assert settings.playbooks_dir is not None
    playbook = settings.playbooks_dir / "scale_out.toml"
    playbook.write_text(playbook.read_text().replace("maximum = 5", "maximum = 2"))
    catalog.cache_clear()  # as a restarted API process reads the catalog afresh
    restarted = create_app(settings)
    async with restarted.router.lifespan_context(restarted):
        paused = await restarted.state.schedule_audit
    assert name in paused
    one = (await api.get(f"/v1/schedules/{name}", headers=Keys.header(keys.viewer))).json()
    assert one["paused"] is True
    assert "no longer validates" in one["note"] and "input.parameters.replicas_delta" in one["note"]
    assert one["changes"][0]["action"] == "auto_paused" and one["changes"][0]["by"] == "kaizen"


async def test_schedule_counters_are_metrics_by_kind(
    api: httpx.AsyncClient, keys: Keys, created: list[str]
) -> None:
    from api.schedules.metrics import SCHEDULE_COUNTERS

    name = unique()
    await create(api, keys, created, name, overlap="skip")
    operator = Keys.header(keys.operator)
    for _ in range(2):  # the second finds the first run going: skipped by overlap
        await api.post(f"/v1/schedules/{name}/trigger", json={}, headers=operator)
        await asyncio.sleep(1.1)
    await api.post(f"/v1/schedules/{name}/pause", json={"note": "n"}, headers=operator)
    SCHEDULE_COUNTERS._refreshed = 0.0  # read now, not at the next period
    metrics = (await api.get("/metrics")).text
    lines = {line.split(" ")[0]: float(line.split(" ")[1]) for line in metrics.splitlines()
             if line.startswith("kaizen_schedule")}  # fmt: skip
    assert lines['kaizen_schedule_actions_total{kind="healing"}'] >= 1
    assert lines['kaizen_schedule_actions_skipped_overlap_total{kind="healing"}'] >= 1
    assert lines['kaizen_schedules{kind="healing",state="paused"}'] >= 1
    assert 'kaizen_schedule_actions_missed_catchup_total{kind="healing"}' in lines
