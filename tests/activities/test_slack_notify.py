"""Slack activities against the fake Slack Web API, through the real AsyncWebClient.

No Temporal server here: ``ActivityEnvironment`` runs each activity as a worker would, and a
retry is simply a second call with the same input.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.struct_pb2 import Struct
from slack_sdk.models.blocks import Block
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.slack.client import approval_channel, build_client
from activities.slack.messages import (
    ACTIONS_BLOCK_ID,
    APPROVE_ACTION_ID,
    DECISION_BLOCK_ID,
    REJECT_ACTION_ID,
    approval_request_blocks,
    decided_blocks,
)
from activities.slack.notify import SlackActivities
from kaizen.contract.timestamps import to_timestamp
from kaizen.persistence import slack as store
from kaizen.persistence.db import make_engine, session_scope
from kaizen.settings import Settings
from kaizen.v1.approval_pb2 import (
    APPROVAL_STATUS_APPROVED,
    APPROVAL_STATUS_PENDING,
    APPROVAL_STATUS_REJECTED,
    APPROVAL_STATUS_TIMED_OUT,
    APPROVAL_STATUS_WITHDRAWN,
)
from kaizen.v1.slack_pb2 import SlackApprovalRequest, SlackDecisionUpdate, SlackOutcomeNote
from tests.fake_slack import APPROVAL_CHANNEL_ID, BOT_TOKEN, FakeSlack


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
def slack_settings(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    return Settings(
        home=tmp_path / "home",
        database_url=f"sqlite:///{tmp_path / 'kaizen.db'}",
        slack_bot_token=BOT_TOKEN,
        slack_api_url=fake_slack.base_url,
        slack_approval_channel=APPROVAL_CHANNEL_ID,
    )


@pytest.fixture
def db(slack_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(slack_settings.database)
    yield engine
    engine.dispose()


@pytest.fixture
def slack(db: Engine, slack_settings: Settings) -> SlackActivities:
    return SlackActivities(db, build_client(slack_settings), slack_settings)


def approval_request(gate_key: str = "approval-1", **fields: Any) -> SlackApprovalRequest:
    evidence = Struct()
    evidence.update({"alert": "HighErrorRate", "error_rate": 0.31, "pods": ["a", "b"]})
    request = SlackApprovalRequest(
        workflow_id="healing/default/shop/checkout/HighErrorRate",
        run_id="run-1",
        gate_key=gate_key,
        service="checkout",
        namespace="shop",
        risk="high",
        summary="roll back deployment shop/checkout to revision 1",
        why="error rate 31% since revision 2 <rolled out>",
        evidence=evidence,
        deadline=to_timestamp(datetime.now(UTC) + timedelta(hours=1)),
        run_url="http://127.0.0.1:8233/namespaces/default/workflows/x",
        required_approvals=1,
        requested_by="alertmanager",
        kind="healing",
    )
    for name, value in fields.items():
        setattr(request, name, value)
    return request


def decision(status: int, *deciders: str) -> SlackDecisionUpdate:
    request = approval_request()
    return SlackDecisionUpdate(
        workflow_id=request.workflow_id,
        run_id=request.run_id,
        gate_key=request.gate_key,
        status=status,  # type: ignore[arg-type]
        decided_by=list(deciders),
        summary="1 of 1 approvals",
    )


def outcome(outcome: str = "verified") -> SlackOutcomeNote:
    request = approval_request()
    return SlackOutcomeNote(
        workflow_id=request.workflow_id,
        run_id=request.run_id,
        gate_key=request.gate_key,
        outcome=outcome,
        reason="error rate back under 1%",
    )


def action_ids(message: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks", [])
        if block["type"] == "actions"
        for element in block["elements"]
    ]


async def test_posting_twice_posts_once(slack: SlackActivities, fake_slack: FakeSlack) -> None:
    env = ActivityEnvironment()
    first = await env.run(slack.post_approval_request, approval_request())
    again = await env.run(slack.post_approval_request, approval_request())

    assert first.posted and first.channel == APPROVAL_CHANNEL_ID
    assert again == first
    (posted,) = fake_slack.messages()
    assert posted["ts"] == first.ts
    assert action_ids(posted) == [APPROVE_ACTION_ID, REJECT_ACTION_ID]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1


async def test_another_gate_of_the_same_run_is_a_new_message(
    slack: SlackActivities, fake_slack: FakeSlack, db: Engine
) -> None:
    env = ActivityEnvironment()
    first = await env.run(slack.post_approval_request, approval_request("approval-1"))
    second = await env.run(slack.post_approval_request, approval_request("approval-2"))
    assert first.ts != second.ts
    with session_scope(db) as session:
        found = store.message_for(session, APPROVAL_CHANNEL_ID, second.ts)
        assert found is not None and found.gate_key == "approval-2"


async def test_rate_limit_is_waited_out(slack: SlackActivities, fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit_next(retry_after=1, method="chat.postMessage")
    started = time.monotonic()
    ref = await ActivityEnvironment().run(slack.post_approval_request, approval_request())
    assert ref.posted
    assert time.monotonic() - started >= 1.0, "Retry-After was honoured"
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert len(fake_slack.messages()) == 1


async def test_rate_limit_that_outlasts_the_client_is_retryable(
    db: Engine, slack_settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.rate_limit_next(times=10, retry_after=1, method="chat.postMessage")
    # Keep the test short: a client without retries, only the translation is under test.
    impatient = AsyncWebClient(token=BOT_TOKEN, base_url=fake_slack.base_url, retry_handlers=[])
    activities = SlackActivities(db, impatient, slack_settings)
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(activities.post_approval_request, approval_request())
    assert failed.value.type == "SlackRatelimited"
    assert not failed.value.non_retryable
    assert failed.value.next_retry_delay == timedelta(seconds=1)


async def test_channel_not_found_is_final(slack: SlackActivities, fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("channel_not_found", method="chat.postMessage")
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(slack.post_approval_request, approval_request())
    assert failed.value.type == "SlackChannelNotFound"
    assert failed.value.non_retryable


async def test_a_bad_token_is_final(
    db: Engine, slack_settings: Settings, fake_slack: FakeSlack
) -> None:
    settings = slack_settings.model_copy(update={"slack_bot_token": "xoxb-wrong"})
    activities = SlackActivities(db, build_client(settings), settings)
    with pytest.raises(ApplicationError) as failed:
        await ActivityEnvironment().run(activities.post_approval_request, approval_request())
    assert failed.value.type == "SlackInvalidAuth"
    assert failed.value.non_retryable


async def test_a_post_whose_answer_was_lost_is_not_repeated(
    slack: SlackActivities, fake_slack: FakeSlack
) -> None:
    env = ActivityEnvironment()
    fake_slack.drop_after_apply_next(method="chat.postMessage")
    with pytest.raises(ApplicationError) as lost:
        await env.run(slack.post_approval_request, approval_request())
    assert lost.value.type == "SlackUnavailable" and not lost.value.non_retryable

    retried = await env.run(slack.post_approval_request, approval_request())
    (posted,) = fake_slack.messages()
    assert retried.posted and retried.ts == posted["ts"]
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
    assert len(fake_slack.calls_to("conversations.history")) == 1


async def test_a_claim_without_a_post_posts_on_retry(
    slack: SlackActivities, fake_slack: FakeSlack
) -> None:
    env = ActivityEnvironment()
    fake_slack.fail_next("internal_error", method="chat.postMessage")
    with pytest.raises(ApplicationError) as failed:
        await env.run(slack.post_approval_request, approval_request())
    assert not failed.value.non_retryable
    ref = await env.run(slack.post_approval_request, approval_request())
    assert ref.posted and len(fake_slack.messages()) == 1


async def test_decision_removes_the_buttons_and_names_the_decider(
    slack: SlackActivities, fake_slack: FakeSlack, db: Engine
) -> None:
    env = ActivityEnvironment()
    with session_scope(db) as session:
        store.link_user(session, principal="alice", slack_user_id="U0ALICE")
    ref = await env.run(slack.post_approval_request, approval_request())

    updated = await env.run(
        slack.mark_approval_decided, decision(APPROVAL_STATUS_APPROVED, "alice")
    )
    assert updated == ref
    message = fake_slack.message(APPROVAL_CHANNEL_ID, ref.ts)
    assert action_ids(message) == []
    block_ids = [block.get("block_id") for block in message["blocks"]]
    assert ACTIONS_BLOCK_ID not in block_ids
    decided = next(b for b in message["blocks"] if b.get("block_id") == DECISION_BLOCK_ID)
    assert "Approved" in decided["text"]["text"] and "<@U0ALICE> (alice)" in decided["text"]["text"]
    assert "Approved" in message["blocks"][0]["text"]["text"]

    await env.run(slack.mark_approval_decided, decision(APPROVAL_STATUS_APPROVED, "alice"))
    assert len(fake_slack.calls_to("chat.update")) == 1, "a repeated update changes nothing"


async def test_timeout_and_rejection_read_as_such(
    slack: SlackActivities, fake_slack: FakeSlack
) -> None:
    env = ActivityEnvironment()
    ref = await env.run(slack.post_approval_request, approval_request())
    await env.run(slack.mark_approval_decided, decision(APPROVAL_STATUS_TIMED_OUT))
    assert "recorded as a rejection" in fake_slack.message(APPROVAL_CHANNEL_ID, ref.ts)["text"]
    await env.run(slack.mark_approval_decided, decision(APPROVAL_STATUS_REJECTED, "bob"))
    assert "Rejected by bob" in fake_slack.message(APPROVAL_CHANNEL_ID, ref.ts)["text"]


async def test_a_withdrawn_request_says_nothing_was_done(
    slack: SlackActivities, fake_slack: FakeSlack
) -> None:
    env = ActivityEnvironment()
    ref = await env.run(slack.post_approval_request, approval_request())
    await env.run(slack.mark_approval_decided, decision(APPROVAL_STATUS_WITHDRAWN))
    message = fake_slack.message(APPROVAL_CHANNEL_ID, ref.ts)
    assert (
        "Withdrawn" in message["text"] and "resolved before action, nothing done" in message["text"]
    )
    assert not [b for b in message["blocks"] if b["type"] == "actions"], "the buttons are gone"


async def test_nothing_to_update_when_nothing_was_posted(
    slack: SlackActivities, fake_slack: FakeSlack
) -> None:
    env = ActivityEnvironment()
    updated = await env.run(slack.mark_approval_decided, decision(APPROVAL_STATUS_APPROVED, "a"))
    noted = await env.run(slack.post_run_outcome, outcome())
    assert not updated.posted and not noted.posted
    assert fake_slack.calls == []


async def test_outcome_goes_to_the_thread_once(
    slack: SlackActivities, fake_slack: FakeSlack
) -> None:
    env = ActivityEnvironment()
    ref = await env.run(slack.post_approval_request, approval_request())
    first = await env.run(slack.post_run_outcome, outcome())
    again = await env.run(slack.post_run_outcome, outcome())

    assert first.posted and again == first and first.ts != ref.ts
    (reply,) = fake_slack.replies(APPROVAL_CHANNEL_ID, ref.ts)
    assert reply["ts"] == first.ts
    assert "verified" in reply["text"] and "error rate back under 1%" in reply["text"]


async def test_an_outcome_reply_whose_answer_was_lost_is_not_repeated(
    slack: SlackActivities, fake_slack: FakeSlack
) -> None:
    env = ActivityEnvironment()
    ref = await env.run(slack.post_approval_request, approval_request())
    fake_slack.drop_after_apply_next(method="chat.postMessage")
    with pytest.raises(ApplicationError):
        await env.run(slack.post_run_outcome, outcome())
    again = await env.run(slack.post_run_outcome, outcome())
    (reply,) = fake_slack.replies(APPROVAL_CHANNEL_ID, ref.ts)
    assert again.ts == reply["ts"]


async def test_not_configured_does_nothing(
    db: Engine, tmp_path: Path, fake_slack: FakeSlack
) -> None:
    settings = Settings(home=tmp_path / "home", slack_api_url=fake_slack.base_url)
    assert build_client(settings) is None
    activities = SlackActivities(db, None, settings)
    env = ActivityEnvironment()
    posted = await env.run(activities.post_approval_request, approval_request())
    decided = await env.run(
        activities.mark_approval_decided, decision(APPROVAL_STATUS_APPROVED, "a")
    )
    noted = await env.run(activities.post_run_outcome, outcome())
    assert not (posted.posted or decided.posted or noted.posted)
    assert fake_slack.calls == []


async def test_a_request_without_its_gate_is_refused(slack: SlackActivities) -> None:
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(slack.post_approval_request, approval_request(gate_key=""))
    assert refused.value.type == "InvalidSlackRequest" and refused.value.non_retryable


async def test_a_pending_status_is_not_a_decision(slack: SlackActivities) -> None:
    with pytest.raises(ApplicationError) as refused:
        await ActivityEnvironment().run(
            slack.mark_approval_decided, decision(APPROVAL_STATUS_PENDING)
        )
    assert refused.value.type == "InvalidSlackRequest" and refused.value.non_retryable


def test_channel_overrides_by_service_then_risk(slack_settings: Settings) -> None:
    settings = slack_settings.model_copy(
        update={
            "slack_channel_overrides": {
                "shop/checkout": "C0SHOP",
                "payments": "C0PAY",
                "risk:high": "C0ONCALL",
            }
        }
    )

    def channel(namespace: str, service: str, risk: str) -> str | None:
        return approval_channel(settings, namespace=namespace, service=service, risk=risk)

    assert channel("shop", "checkout", "high") == "C0SHOP"
    assert channel("bank", "payments", "high") == "C0PAY"
    assert channel("shop", "cart", "high") == "C0ONCALL"
    assert channel("shop", "cart", "low") == APPROVAL_CHANNEL_ID


def test_request_blocks_carry_the_run_and_escape_user_text() -> None:
    blocks = approval_request_blocks(
        approval_request(), approve_reaction="white_check_mark", reject_reaction="x"
    )
    text = str(blocks)
    actions = next(b for b in blocks if b.get("block_id") == ACTIONS_BLOCK_ID)
    assert {e["value"] for e in actions["elements"]} == {approval_request().workflow_id}
    assert "&lt;rolled out&gt;" in text and "<rolled out>" not in text
    assert ":white_check_mark:" in text and ":x:" in text
    assert "<!date^" in text and "HighErrorRate" in text and "<http://127.0.0.1:8233" in text


def test_blocks_are_valid_block_kit() -> None:
    request = approval_request(summary="x" * 400, why="y" * 5000)
    drawn = [
        approval_request_blocks(request, approve_reaction="white_check_mark", reject_reaction="x"),
        decided_blocks(request, decision(APPROVAL_STATUS_APPROVED, "alice"), {"alice": "U1"}),
    ]
    for blocks in drawn:
        for block in Block.parse_all(blocks):
            block.validate_json()  # raises on unknown fields and Slack's length limits


# -- the store the activities and the Slack endpoints share ---------------------------------


def test_links_go_one_way_each(db: Engine) -> None:
    with session_scope(db) as session:
        store.link_user(session, principal="alice", slack_user_id="U0ALICE")
        store.link_user(session, principal="alice", slack_user_id="U0ALICE")  # no-op
        with pytest.raises(store.SlackLinkError, match="already linked to 'alice'"):
            store.link_user(session, principal="bob", slack_user_id="U0ALICE")
        store.link_user(session, principal="alice", slack_user_id="U0ALICE2")  # re-link
    with session_scope(db) as session:
        assert store.principal_for_slack_user(session, "U0ALICE2") == "alice"
        assert store.principal_for_slack_user(session, "U0ALICE") is None
        assert store.slack_user_for_principal(session, "alice") == "U0ALICE2"


def test_a_redelivered_event_counts_once(db: Engine) -> None:
    with session_scope(db) as session:
        assert store.record_event_once(session, "Ev1")
        assert not store.record_event_once(session, "Ev1")
        assert store.event_seen(session, "Ev1") and not store.event_seen(session, "Ev2")


def test_audit_keeps_a_fixed_vocabulary(db: Engine) -> None:
    with session_scope(db) as session:
        store.audit(session, kind="refusal", reason="self_approval", slack_user="U1")
        store.audit(session, kind="vote", reason="accepted", principal="alice", decision="approve")
        with pytest.raises(ValueError, match="reason must be one of"):
            store.audit(session, kind="refusal", reason="because")
    with session_scope(db) as session:
        assert [e.reason for e in store.recent_audit(session)] == ["accepted", "self_approval"]
