"""A minimal healing run through every gate, against the real servers."""

from __future__ import annotations

import httpx
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kaizen.persistence.action_log import entries_for_run
from tests.conftest import Keys
from tests.polling import ended, event_types, wait_for_run


async def test_low_severity_needs_neither_window_nor_approval(
    api: httpx.AsyncClient, keys: Keys, worker: None, engine: Engine
) -> None:
    operator = Keys.header(keys.operator)
    reply = await api.post(
        "/v1/healing-runs",
        json={"service": "checkout", "namespace": "shop", "symptom": "PodCrashLooping",
              "severity": "low"},
        headers=operator,
    )  # fmt: skip
    assert reply.status_code == 202, reply.text
    started = reply.json()
    assert started["kind"] == "healing"
    assert started["status"] == "running"
    assert started["joined"] is False

    run = await wait_for_run(api, started["id"], operator, ended)
    assert run["status"] == "completed"
    assert run["result"]["outcome"] == "proposed"
    assert run["result"]["action"]["playbook"] == "restart"
    assert run["result"]["policy"]["needs_change_window"] is False
    assert run["result"]["policy"]["approvals_required"] == 0
    types = event_types(run)
    assert "policy.decided" in types
    assert "action.proposed" in types
    assert "approval.requested" not in types
    assert "window.waiting" not in types
    assert run["phase"] == "completed"
    with Session(engine) as session:
        entries = entries_for_run(session, started["id"])
    assert len(entries) == 1
    assert entries[0].applied is False
