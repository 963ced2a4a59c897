"""The fake Slack Web API answers the real client the way Slack does, and misbehaves on cue."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient

from tests.fake_slack import (
    APPROVAL_CHANNEL_ID,
    APPROVAL_CHANNEL_NAME,
    BOT_TOKEN,
    BOT_USER_ID,
    FakeSlack,
    button_press,
    reaction_event,
    sign,
)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


def web_client(slack: FakeSlack, token: str = BOT_TOKEN) -> AsyncWebClient:
    # No retry handlers unless a test adds them: each fault is seen as the client sees it.
    return AsyncWebClient(token=token, base_url=slack.base_url, retry_handlers=[])


async def test_base_url_ends_like_slacks(fake_slack: FakeSlack) -> None:
    assert fake_slack.base_url.startswith("http://127.0.0.1:")
    assert fake_slack.base_url.endswith("/api/")


async def test_auth_test_names_the_bot(fake_slack: FakeSlack) -> None:
    answer = await web_client(fake_slack).auth_test()
    assert answer["ok"] is True
    assert answer["user_id"] == BOT_USER_ID
    (call,) = fake_slack.calls_to("auth.test")
    assert call.headers["authorization"] == f"Bearer {BOT_TOKEN}"


async def test_a_wrong_token_is_invalid_auth(fake_slack: FakeSlack) -> None:
    with pytest.raises(SlackApiError) as refused:
        await web_client(fake_slack, token="xoxb-forged").chat_postMessage(
            channel=APPROVAL_CHANNEL_ID, text="hi"
        )
    assert refused.value.response["error"] == "invalid_auth"
    assert fake_slack.messages() == []
    assert len(fake_slack.calls) == 1, "refused calls are recorded too"


async def test_post_update_and_thread_reply(fake_slack: FakeSlack) -> None:
    client = web_client(fake_slack)
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hello*"}}]
    posted = await client.chat_postMessage(
        channel=f"#{APPROVAL_CHANNEL_NAME}", text="hello", blocks=blocks
    )
    # A name resolves to the id, as on Slack: the id is what events carry later.
    assert posted["channel"] == APPROVAL_CHANNEL_ID
    assert posted["message"]["blocks"] == blocks
    (call,) = fake_slack.calls_to("chat.postMessage")
    assert call.body["text"] == "hello" and call.body["blocks"] == blocks

    updated = await client.chat_update(
        channel=APPROVAL_CHANNEL_ID, ts=posted["ts"], text="bye", blocks=[]
    )
    assert updated["ts"] == posted["ts"]
    assert fake_slack.message(APPROVAL_CHANNEL_ID, posted["ts"])["text"] == "bye"

    reply = await client.chat_postMessage(
        channel=APPROVAL_CHANNEL_ID, thread_ts=posted["ts"], text="done"
    )
    assert float(reply["ts"]) > float(posted["ts"])
    replies = fake_slack.replies(APPROVAL_CHANNEL_ID, posted["ts"])
    assert [r["text"] for r in replies] == ["done"]


async def test_timestamps_are_unique_and_increasing(fake_slack: FakeSlack) -> None:
    client = web_client(fake_slack)
    stamps = [
        (await client.chat_postMessage(channel=APPROVAL_CHANNEL_ID, text=str(i)))["ts"]
        for i in range(5)
    ]
    assert stamps == sorted(stamps, key=float) and len(set(stamps)) == 5
    seconds, micros = stamps[0].split(".")
    assert len(micros) == 6 and abs(int(seconds) - time.time()) < 60


async def test_unknown_channel_and_missing_message(fake_slack: FakeSlack) -> None:
    client = web_client(fake_slack)
    with pytest.raises(SlackApiError) as no_channel:
        await client.chat_postMessage(channel="C0NOPE", text="hi")
    assert no_channel.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as no_message:
        await client.chat_update(channel=APPROVAL_CHANNEL_ID, ts="1.000001", text="x")
    assert no_message.value.response["error"] == "message_not_found"


async def test_rate_limit_answers_429_with_retry_after(fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit_next(retry_after=1, method="chat.postMessage")
    with pytest.raises(SlackApiError) as limited:
        await web_client(fake_slack).chat_postMessage(channel=APPROVAL_CHANNEL_ID, text="hi")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"
    assert fake_slack.messages() == [], "a rate-limited call is not applied"


async def test_the_sdks_rate_limit_handler_waits_and_succeeds(fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit_next(retry_after=1)
    client = AsyncWebClient(
        token=BOT_TOKEN,
        base_url=fake_slack.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    started = time.monotonic()
    answer = await client.chat_postMessage(channel=APPROVAL_CHANNEL_ID, text="hi")
    assert answer["ok"] and time.monotonic() - started >= 1.0
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


async def test_programmed_error_then_normal(fake_slack: FakeSlack) -> None:
    fake_slack.fail_next("channel_not_found", times=2)
    client = web_client(fake_slack)
    for _ in range(2):
        with pytest.raises(SlackApiError):
            await client.chat_postMessage(channel=APPROVAL_CHANNEL_ID, text="hi")
    assert (await client.chat_postMessage(channel=APPROVAL_CHANNEL_ID, text="hi"))["ok"]


async def test_delay_slows_the_answer(fake_slack: FakeSlack) -> None:
    fake_slack.delay_next(0.5, method="auth.test")
    started = time.monotonic()
    await web_client(fake_slack).auth_test()
    assert time.monotonic() - started >= 0.5


async def test_drop_after_apply_posts_but_never_answers(fake_slack: FakeSlack) -> None:
    fake_slack.drop_after_apply_next()
    with pytest.raises(Exception):  # noqa: B017 - aiohttp's disconnect error, whichever it is
        await web_client(fake_slack).chat_postMessage(channel=APPROVAL_CHANNEL_ID, text="hi")
    assert [m["text"] for m in fake_slack.messages()] == ["hi"]


async def test_history_shows_metadata_only_when_asked(fake_slack: FakeSlack) -> None:
    client = web_client(fake_slack)
    metadata = {"event_type": "kaizen_test", "event_payload": {"run": "r1"}}
    await client.chat_postMessage(channel=APPROVAL_CHANNEL_ID, text="hi", metadata=metadata)
    plain = await client.conversations_history(channel=APPROVAL_CHANNEL_ID)
    assert "metadata" not in plain["messages"][0]
    full = await client.conversations_history(
        channel=APPROVAL_CHANNEL_ID, include_all_metadata=True
    )
    assert full["messages"][0]["metadata"] == metadata


def test_works_from_synchronous_code(fake_slack: FakeSlack) -> None:
    answer = httpx.post(
        fake_slack.base_url + "chat.postMessage",
        data={"token": BOT_TOKEN, "channel": APPROVAL_CHANNEL_ID, "text": "form"},
    ).json()
    assert answer["ok"] is True
    assert fake_slack.calls_to("chat.postMessage")[0].body["text"] == "form"


def test_signature_helper_signs_as_slack_does() -> None:
    verifier = SignatureVerifier("s3cret")
    body = reaction_event(reaction="x", user="U1", channel=APPROVAL_CHANNEL_ID, ts="1.000001")
    assert verifier.is_valid_request(body, sign("s3cret", body))
    assert not verifier.is_valid_request(body + b" ", sign("s3cret", body))
    assert not verifier.is_valid_request(body, sign("other", body))
    stale = int(time.time()) - 6 * 60
    assert not verifier.is_valid_request(body, sign("s3cret", body, timestamp=stale))


def test_payload_builders_look_like_slacks() -> None:
    event = json.loads(reaction_event(reaction="x", user="U1", channel="C1", ts="1.1"))
    assert event["type"] == "event_callback"
    assert event["event"]["item"] == {"type": "message", "channel": "C1", "ts": "1.1"}
    press = button_press(action_id="kaizen_approve", value="wf", user="U1", channel="C1", ts="1.1")
    assert press.startswith(b"payload=")
