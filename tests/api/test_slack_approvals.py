"""Approvals from Slack, end to end: a fake Slack Web API, requests signed as Slack signs
them, and the real Temporal, OPA and Kubernetes API server behind Kaizen."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from kaizen.persistence.db import session_scope
from kaizen.persistence.slack import link_user, recent_audit
from kaizen.settings import Settings
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.v1.kubernetes_pb2 import WorkloadRef
from tests.conftest import Keys, run_worker
from tests.fake_slack import (
    APPROVAL_CHANNEL_ID,
    BOT_TOKEN,
    BOT_USER_ID,
    FakeSlack,
    button_press,
    reaction_event,
    sign,
)
from tests.healing_env import set_service_mode, start_run
from tests.kube_workloads import make_workload
from tests.polling import ended, in_phase, wait_for_run

SECRET = "test-signing-secret"


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def slack_settings(settings: Settings, fake_slack: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": fake_slack.base_url,
            "slack_approval_channel": APPROVAL_CHANNEL_ID,
        }
    )


@pytest.fixture
async def slack_api(
    slack_settings: Settings, kube: LocalKubeControlPlane, keys: Keys, engine: Engine
) -> AsyncIterator[httpx.AsyncClient]:
    """API and worker with Slack configured; bob (approver), victor (viewer) and olivia
    (operator, who starts the runs) are linked to Slack users."""
    with session_scope(engine) as session:
        for principal, user in (("bob", "UBOB"), ("victor", "UVIC"), ("olivia", "UOLI")):
            link_user(session, principal=principal, slack_user_id=user)
    app = create_app(slack_settings)
    async with app.router.lifespan_context(app), run_worker(slack_settings, kube):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
            http.kaizen_app = app  # type: ignore[attr-defined]  # for tests that break its OPA
            yield http


async def asked(
    api: httpx.AsyncClient,
    keys: Keys,
    slack: FakeSlack,
    workload: WorkloadRef,
    requester: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A run waiting for approval, and the message that asks for it in Slack."""
    run = await start_run(api, requester or keys.operator, workload, playbook="scale_out")
    await wait_for_run(api, run["id"], Keys.header(keys.viewer), in_phase("awaiting_approval"))
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not slack.messages():
        await asyncio.sleep(0.1)  # the worker shares this event loop
    messages = slack.messages()
    assert len(messages) == 1, messages
    return run, messages[0]


async def post_event(api: httpx.AsyncClient, body: bytes, **headers: str) -> httpx.Response:
    return await api.post(
        "/v1/slack/events",
        content=body,
        headers={"content-type": "application/json", **sign(SECRET, body), **headers},
    )


def audit_reasons(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [row.reason for row in reversed(recent_audit(session))]


@pytest.fixture
async def target(
    kube: LocalKubeControlPlane, slack_settings: Settings, engine: Engine
) -> WorkloadRef:
    workload = make_workload(kube)
    await set_service_mode(slack_settings, engine, workload, "approval")
    return workload


async def test_a_reaction_approves_and_slack_shows_the_decision_and_outcome(
    slack_api: httpx.AsyncClient,
    keys: Keys,
    fake_slack: FakeSlack,
    target: WorkloadRef,
    engine: Engine,
) -> None:
    run, message = await asked(slack_api, keys, fake_slack, target)
    assert "scale_out" in message["text"] or "scale" in str(message.get("blocks"))
    ts = message["ts"]

    # Noise first: the bot's own reaction, another emoji, a viewer, an unknown user.
    for event_id, user, reaction in (
        ("Ev1", BOT_USER_ID, "white_check_mark"),
        ("Ev2", "UBOB", "eyes"),
        ("Ev3", "UVIC", "white_check_mark"),
        ("Ev4", "UNOBODY", "white_check_mark"),
        ("Ev5", "UOLI", "white_check_mark"),  # olivia asked for the run
    ):
        body = reaction_event(
            reaction=reaction, user=user, channel=APPROVAL_CHANNEL_ID, ts=ts, event_id=event_id
        )
        assert (await post_event(slack_api, body)).status_code == 200
    status = await wait_for_run(
        slack_api, run["id"], Keys.header(keys.viewer), in_phase("awaiting_approval")
    )
    assert status["pending_approval"]["approvals"] == 0
    assert audit_reasons(engine) == ["not_allowed", "unknown_user", "not_allowed"]

    approve = reaction_event(
        reaction="white_check_mark", user="UBOB", channel=APPROVAL_CHANNEL_ID, ts=ts,
        event_id="Ev6",
    )  # fmt: skip
    started = time.monotonic()
    assert (await post_event(slack_api, approve)).status_code == 200
    decided_in = time.monotonic() - started
    again = await post_event(slack_api, approve, **{"X-Slack-Retry-Num": "1"})
    assert again.status_code == 200

    done = await wait_for_run(slack_api, run["id"], Keys.header(keys.viewer), ended, timeout=60)
    assert done["result"]["outcome"] == "fixed", done["result"]["reason"]
    votes = [e for e in done["events"] if e["type"] == "approval.vote"]
    assert [(v["data"]["approver"], v["data"]["source"]) for v in votes] == [("bob", "slack")]
    assert decided_in < 1.0, decided_in
    with Session(engine) as session:
        accepted = [row for row in recent_audit(session) if row.reason == "accepted"]
    assert len(accepted) == 1 and accepted[0].principal == "bob" and accepted[0].opa_decision_id
    assert audit_reasons(engine)[-2:] == ["accepted", "duplicate"]

    # The message now says who decided, without buttons; the thread has the outcome.
    updated = fake_slack.message(APPROVAL_CHANNEL_ID, ts)
    assert "actions" not in [block["type"] for block in updated.get("blocks", [])]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not fake_slack.replies(APPROVAL_CHANNEL_ID, ts):
        await asyncio.sleep(0.1)  # the worker shares this event loop
    assert "fixed" in fake_slack.replies(APPROVAL_CHANNEL_ID, ts)[-1]["text"]


async def test_a_button_rejects_and_forged_or_stale_requests_change_nothing(
    slack_api: httpx.AsyncClient,
    keys: Keys,
    fake_slack: FakeSlack,
    target: WorkloadRef,
    engine: Engine,
) -> None:
    run, message = await asked(slack_api, keys, fake_slack, target)
    ts = message["ts"]
    press = button_press(
        action_id="kaizen_approve", value=run["id"], user="UBOB",
        channel=APPROVAL_CHANNEL_ID, ts=ts, trigger_id="forged",
    )  # fmt: skip
    forged = await slack_api.post(
        "/v1/slack/interactions", content=press,
        headers={"content-type": "application/x-www-form-urlencoded",
                 **sign("not-the-secret", press)},
    )  # fmt: skip
    assert forged.status_code == 401
    stale = await slack_api.post(
        "/v1/slack/interactions", content=press,
        headers={"content-type": "application/x-www-form-urlencoded",
                 **sign(SECRET, press, timestamp=int(time.time()) - 600)},
    )  # fmt: skip
    assert stale.status_code == 401
    assert audit_reasons(engine) == ["bad_signature", "stale"]

    reject = button_press(
        action_id="kaizen_reject", value=run["id"], user="UBOB",
        channel=APPROVAL_CHANNEL_ID, ts=ts, trigger_id="T-reject",
    )  # fmt: skip
    reply = await slack_api.post(
        "/v1/slack/interactions", content=reject,
        headers={"content-type": "application/x-www-form-urlencoded", **sign(SECRET, reject)},
    )  # fmt: skip
    assert reply.status_code == 200
    done = await wait_for_run(slack_api, run["id"], Keys.header(keys.viewer), ended)
    assert done["result"]["outcome"] == "rejected"
    assert "bob" in done["result"]["reason"]


async def test_url_verification_and_no_slack_configured(
    slack_api: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    body = b'{"type": "url_verification", "challenge": "c-123"}'
    reply = await post_event(slack_api, body)
    assert reply.status_code == 200 and reply.json() == {"challenge": "c-123"}
    unconfigured = await api.post("/v1/slack/events", content=body, headers=sign(SECRET, body))
    assert unconfigured.status_code == 404
    assert "not configured" in unconfigured.json()["error"]


async def test_the_requester_cannot_approve_from_slack_and_a_reaction_can_reject(
    slack_api: httpx.AsyncClient,
    keys: Keys,
    fake_slack: FakeSlack,
    target: WorkloadRef,
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        link_user(session, principal="alice", slack_user_id="UALICE")
    run = await start_run(slack_api, keys.approver, target, playbook="scale_out")  # alice asks
    await wait_for_run(
        slack_api, run["id"], Keys.header(keys.viewer), in_phase("awaiting_approval")
    )
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not fake_slack.messages():
        await asyncio.sleep(0.1)  # the worker shares this event loop
    ts = fake_slack.messages()[0]["ts"]
    own = reaction_event(
        reaction="white_check_mark", user="UALICE", channel=APPROVAL_CHANNEL_ID, ts=ts,
        event_id="EvOwn",
    )  # fmt: skip
    assert (await post_event(slack_api, own)).status_code == 200
    assert audit_reasons(engine) == ["self_approval"]
    reject = reaction_event(
        reaction="x", user="UBOB", channel=APPROVAL_CHANNEL_ID, ts=ts, event_id="EvNo"
    )
    assert (await post_event(slack_api, reject)).status_code == 200
    done = await wait_for_run(slack_api, run["id"], Keys.header(keys.viewer), ended)
    assert done["result"]["outcome"] == "rejected" and "bob" in done["result"]["reason"]


async def test_a_vote_is_not_lost_when_slack_is_unreachable_on_the_first_delivery(
    slack_api: httpx.AsyncClient,
    keys: Keys,
    fake_slack: FakeSlack,
    target: WorkloadRef,
    engine: Engine,
) -> None:
    run, message = await asked(slack_api, keys, fake_slack, target)
    approve = reaction_event(
        reaction="white_check_mark", user="UBOB", channel=APPROVAL_CHANNEL_ID,
        ts=message["ts"], event_id="EvRetried",
    )  # fmt: skip

    # The bot-user lookup (auth.test) cannot reach Slack: 503, so Slack retries, and the
    # event is not remembered as handled.
    fake_slack.disconnect_next(method="auth.test")
    first = await post_event(slack_api, approve)
    assert first.status_code == 503, first.text
    assert "unavailable" in first.json()["error"]
    assert audit_reasons(engine) == []

    # Slack is back for the retry, which casts the vote; a late redelivery is a duplicate.
    retry = await post_event(slack_api, approve, **{"X-Slack-Retry-Num": "1"})
    assert retry.status_code == 200, retry.text
    late = await post_event(slack_api, approve, **{"X-Slack-Retry-Num": "2"})
    assert late.status_code == 200

    done = await wait_for_run(slack_api, run["id"], Keys.header(keys.viewer), ended, timeout=60)
    assert done["result"]["outcome"] == "fixed", done["result"]["reason"]
    votes = [e for e in done["events"] if e["type"] == "approval.vote"]
    assert [(v["data"]["approver"], v["data"]["source"]) for v in votes] == [("bob", "slack")]
    assert audit_reasons(engine) == ["accepted", "duplicate"]
    assert len(fake_slack.calls_to("auth.test")) == 2  # the failed lookup, then one cached


async def test_a_vote_whose_casting_fails_is_answered_503_and_cast_on_the_retry(
    slack_api: httpx.AsyncClient,
    keys: Keys,
    fake_slack: FakeSlack,
    target: WorkloadRef,
    engine: Engine,
    slack_settings: Settings,
) -> None:
    from activities.opa.client import PolicyClient
    from kaizen.stack.processes import free_port

    run, message = await asked(slack_api, keys, fake_slack, target)
    approve = reaction_event(
        reaction="white_check_mark", user="UBOB", channel=APPROVAL_CHANNEL_ID,
        ts=message["ts"], event_id="EvOpaDown",
    )  # fmt: skip
    # The API's OPA is unreachable while the vote is cast: Slack retries only what was not
    # answered 2xx, so the answer must say so (503), not 200 and lose the vote.
    state = slack_api.kaizen_app.state  # type: ignore[attr-defined]
    working = state.policy
    state.policy = PolicyClient(f"http://127.0.0.1:{free_port()}", timeout_seconds=1.0)
    first = await post_event(slack_api, approve)
    assert first.status_code == 503, first.text
    await state.policy.close()
    state.policy = working
    retry = await post_event(slack_api, approve, **{"X-Slack-Retry-Num": "1"})
    assert retry.status_code == 200, retry.text
    done = await wait_for_run(slack_api, run["id"], Keys.header(keys.viewer), ended, timeout=60)
    assert done["result"]["outcome"] == "fixed", done["result"]["reason"]
    votes = [e for e in done["events"] if e["type"] == "approval.vote"]
    assert [(v["data"]["approver"], v["data"]["source"]) for v in votes] == [("bob", "slack")]
