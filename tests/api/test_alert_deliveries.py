"""Every webhook delivery is stored, queryable and logged, and its record stays bounded."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from kaizen.persistence.alert_deliveries import (
    AlertDelivery,
    AlertOutcome,
    Retention,
    record_delivery,
)
from kaizen.persistence.db import session_scope
from tests.api.test_alertmanager import alert, payload, post, started, unique
from tests.conftest import Keys

__all__ = ["started"]  # the fixture, shared with test_alertmanager

DELIVERIES = "/v1/alerts/deliveries"


async def deliveries(api: httpx.AsyncClient, key: str, **query: Any) -> list[dict[str, Any]]:
    reply = await api.get(DELIVERIES, params=query, headers=Keys.header(key))
    assert reply.status_code == 200, reply.text
    found: list[dict[str, Any]] = reply.json()["deliveries"]
    return found


async def test_each_delivery_and_its_alerts_outcomes_are_queryable(
    api: httpx.AsyncClient, keys: Keys, started: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    service = unique()
    first, second, stray = alert(service), alert(service), alert(service, namespace=None)
    with caplog.at_level(logging.INFO, logger="kaizen.api.alerts"):
        fired = await post(api, keys.operator, payload(first, second, stray))
        assert fired.status_code == 200, fired.text
        resolved = alert(unique(), status="resolved")
        await post(api, keys.operator, {**payload(resolved), "receiver": "kaizen-resolved"})
    run = fired.json()["results"][0]["run"]
    started.append(run["id"])

    newest, older = await deliveries(api, keys.viewer)
    assert newest["receiver"] == "kaizen-resolved" and newest["status"] == "resolved"
    assert older["receiver"] == "kaizen" and older["status"] == "firing"
    assert older["group_key"] == '{}:{alertname="HighErrorRate"}'
    assert older["result"] == "accepted" and older["principal"] == "olivia"
    assert older["counts"] == {
        "started": 1,
        "joined": 1,
        "backoff": 0,
        "recorded": 0,
        "skipped": 1,
    }
    by_fingerprint = {a["fingerprint"]: a for a in older["alerts"]}
    assert [a["fingerprint"] for a in older["alerts"]] == [
        first["fingerprint"],
        second["fingerprint"],
        stray["fingerprint"],
    ]
    begun = by_fingerprint[first["fingerprint"]]
    assert begun["action"] == "started" and begun["run"] == run["id"]
    assert begun["run_id"] == run["run_id"]
    assert begun["namespace"] == "shop" and begun["workload"] == service
    assert begun["mapping"].startswith("label deployment (by labels only")
    assert by_fingerprint[second["fingerprint"]]["action"] == "joined"
    skipped = by_fingerprint[stray["fingerprint"]]
    assert skipped["action"] == "skipped" and skipped["run"] == ""
    assert skipped["reason"] == "labels.namespace: missing label 'namespace'"
    assert newest["alerts"][0]["reason"] == "resolved, no active run"

    # One line per delivery: receiver, group key and the count of each outcome.
    lines = [r.getMessage() for r in caplog.records if r.name == "kaizen.api.alerts"]
    assert lines == [
        'alertmanager delivery accepted: receiver=kaizen group={}:{alertname="HighErrorRate"} '
        "alerts=3 started=1 joined=1 backoff=0 recorded=0 skipped=1",
        "alertmanager delivery accepted: receiver=kaizen-resolved "
        'group={}:{alertname="HighErrorRate"} alerts=1 started=0 joined=0 backoff=0 '
        "recorded=0 skipped=1",
    ]


async def test_deliveries_filter_and_limit(
    api: httpx.AsyncClient, keys: Keys, started: list[str]
) -> None:
    begun = await post(api, keys.operator, payload(alert(unique())))
    started.append(begun.json()["results"][0]["run"]["id"])
    for _ in range(3):
        await post(api, keys.operator, payload(alert(unique(), status="resolved")))

    assert len(await deliveries(api, keys.viewer)) == 4
    assert len(await deliveries(api, keys.viewer, limit=2)) == 2
    [firing] = await deliveries(api, keys.viewer, status="firing")
    assert firing["counts"]["started"] == 1
    assert [
        d["counts"]["started"] for d in await deliveries(api, keys.viewer, action="started")
    ] == [1]
    assert len(await deliveries(api, keys.viewer, action="skipped", status="resolved")) == 3
    for bad in ({"limit": 0}, {"limit": 501}, {"action": "exploded"}, {"status": "maybe"}):
        reply = await api.get(DELIVERIES, params=bad, headers=Keys.header(keys.viewer))
        assert reply.status_code == 422, (bad, reply.text)
    assert (await api.get(DELIVERIES)).status_code == 401


async def test_a_refused_delivery_is_recorded_too(api: httpx.AsyncClient, keys: Keys) -> None:
    reply = await post(api, keys.operator, payload(alert(unique(), namespace=None)))
    assert reply.status_code == 422
    [refused] = await deliveries(api, keys.viewer)
    assert refused["result"] == "refused"
    assert refused["counts"]["skipped"] == 1
    assert refused["alerts"][0]["reason"] == "labels.namespace: missing label 'namespace'"


def store(engine: Engine, alerts: int, retention: Retention, *, days_ago: int = 0) -> int:
    with session_scope(engine) as session:
        delivery = AlertDelivery(
            tenant="default",
            result="accepted",
            received_at=datetime.now(UTC) - timedelta(days=days_ago),
        )
        outcomes = [
            AlertOutcome(delivery_id=0, position=i, action="skipped") for i in range(alerts)
        ]
        record_delivery(session, delivery, outcomes, retention)
        assert delivery.id is not None
        return delivery.id


def kept(engine: Engine) -> tuple[list[int], int]:
    with Session(engine) as session:
        ids = session.exec(select(AlertDelivery.id).order_by(col(AlertDelivery.id))).all()
        outcomes = session.exec(select(func.count()).select_from(AlertOutcome)).one()
    return [i for i in ids if i is not None], outcomes


def test_the_record_is_pruned_on_write(engine: Engine) -> None:
    week = Retention(days=7, alerts=1000)
    old = store(engine, 2, week, days_ago=8)
    recent = store(engine, 2, week, days_ago=6)
    now = store(engine, 1, week)
    assert kept(engine) == ([recent, now], 3)  # the delivery past the retention went

    capped = Retention(days=7, alerts=4)
    ids = [store(engine, 2, capped) for _ in range(3)]
    # At most 4 outcomes: whole deliveries go, oldest first, never a part of one.
    assert kept(engine) == (ids[1:], 4)
    assert old not in kept(engine)[0]
