"""A healing run that ends without its alert resolving still gets its incident's RCA,
once, on real Temporal: under the key the alert's resolution uses (so the resolution
joins it), or, for a run no alert started, the key ``healing_run`` names in the API."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import httpx
from temporalio.client import Client

from kaizen.settings import Settings
from tests.conftest import Keys, run_worker
from tests.polling import wait_for_run
from tests.rca.test_rca_triggers import WEBHOOK, alert, end, poll


def rca_events(run: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in run["events"] if e["type"].startswith("rca.")]


async def test_a_run_that_ended_before_its_alert_resolved_starts_the_rca_the_resolution_joins(
    settings: Settings, api: httpx.AsyncClient, keys: Keys, client: Client
) -> None:
    service, namespace = f"svc-{uuid.uuid4().hex[:6]}", "shop"
    fingerprint = uuid.uuid4().hex[:16]
    on = settings.model_copy(update={"rca_on_healing_end": True})
    async with run_worker(on):  # no cluster: the healing run ends at once, still firing
        fired = await api.post(
            WEBHOOK, json=alert("firing", service, namespace, fingerprint),
            headers=Keys.header(keys.admin),
        )  # fmt: skip
        assert fired.status_code == 200, fired.text
        healing = fired.json()["results"][0]["run"]["id"]
        ended = await wait_for_run(
            api, healing, Keys.header(keys.viewer),
            lambda r: r["status"] == "completed" and bool(rca_events(r)),
        )  # fmt: skip
        [event] = rca_events(ended)
        assert event["type"] == "rca.started", event
        rca_id = event["data"]["rca"]
        assert rca_id.startswith(f"rca:default:{namespace}:{service}:alert-{fingerprint}-")
        assert ended["result"]["still_firing"], "the alert had not resolved"

        # The resolution comes later: it reaches the same RCA, which records the join.
        resolved = await api.post(
            WEBHOOK, json=alert("resolved", service, namespace, fingerprint),
            headers=Keys.header(keys.admin),
        )  # fmt: skip
        assert resolved.status_code == 200, resolved.text
        rca_run = await wait_for_run(
            api, rca_id, Keys.header(keys.viewer),
            lambda r: any(e["type"] == "trigger.joined" for e in r["events"]),
        )  # fmt: skip
        joined = [e for e in rca_run["events"] if e["type"] == "trigger.joined"]
        assert [e["data"]["source"] for e in joined] == ["alertmanager"]
        listed = await poll(api, f"/v1/rcas?service={service}", keys.viewer, bool)
        assert [r["id"] for r in listed] == [rca_id]
        await end(client, rca_id, healing)


async def test_a_run_no_alert_started_gets_the_rca_its_id_names(
    settings: Settings, api: httpx.AsyncClient, keys: Keys, client: Client
) -> None:
    service = f"svc-{uuid.uuid4().hex[:6]}"
    on = settings.model_copy(update={"rca_on_healing_end": True})
    async with run_worker(on):
        started = await api.post(
            "/v1/healing-runs",
            json={"service": service, "namespace": "shop", "symptom": "Slow", "severity": "high"},
            headers=Keys.header(keys.operator),
        )  # fmt: skip
        assert started.status_code == 202, started.text
        healing = started.json()["id"]
        ended = await wait_for_run(
            api, healing, Keys.header(keys.viewer),
            lambda r: r["status"] == "completed" and bool(rca_events(r)),
        )  # fmt: skip
        [event] = rca_events(ended)
        rca_id = event["data"]["rca"]
        digest = hashlib.sha256(healing.encode()).hexdigest()[:8]
        assert rca_id.startswith(f"rca:default:shop:{service}:healing-{digest}-"), rca_id
        # Asked for by hand, the same run's RCA is the same RCA.
        by_hand = await api.post(
            "/v1/rca-runs",
            json={"service": service, "namespace": "shop", "healing_run": healing},
            headers=Keys.header(keys.operator),
        )
        assert by_hand.status_code == 202, by_hand.text
        assert by_hand.json()["id"] == rca_id and by_hand.json()["joined"]
        shown = await poll(api, f"/v1/rcas/{rca_id}", keys.viewer, lambda r: bool(r["status"]))
        assert shown["document"]["severity"] == "high"
        await end(client, rca_id)


async def test_switched_off_no_rca_starts(
    settings: Settings, api: httpx.AsyncClient, keys: Keys
) -> None:
    service = f"svc-{uuid.uuid4().hex[:6]}"
    off = settings.model_copy(update={"rca_on_healing_end": False})
    async with run_worker(off):
        started = await api.post(
            "/v1/healing-runs",
            json={"service": service, "namespace": "shop", "symptom": "Slow", "severity": "low"},
            headers=Keys.header(keys.operator),
        )  # fmt: skip
        healing = started.json()["id"]
        ended = await wait_for_run(
            api, healing, Keys.header(keys.viewer), lambda r: r["status"] == "completed"
        )
        assert rca_events(ended) == []
        rcas = await api.get(f"/v1/rcas?service={service}", headers=Keys.header(keys.viewer))
        assert rcas.json() == []
        runs = await api.get(
            "/v1/runs", params={"kind": "rca", "service": service},
            headers=Keys.header(keys.viewer),
        )  # fmt: skip
        assert runs.json() == [], runs.json()
