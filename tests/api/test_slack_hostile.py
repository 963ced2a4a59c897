"""The Slack endpoints against a stranger: forged headers and bodies, signed bodies of the
wrong shape, floods, and Slack's own API failing. The real Temporal and OPA stand behind the
API; only Slack's Web API is the fake (tests/fake_slack.py)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.app import create_app
from api.slack_refusal_sampling import RefusalSampler
from kaizen.persistence.slack import SlackAudit, recent_audit
from kaizen.settings import Settings
from tests.fake_slack import APPROVAL_CHANNEL_ID, BOT_TOKEN, FakeSlack, reaction_event, sign

SECRET = "test-signing-secret"
EVENTS = "/v1/slack/events"
INTERACTIONS = "/v1/slack/interactions"
Headers = dict[str, str | bytes]


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    with FakeSlack() as slack:
        yield slack


@pytest.fixture
async def slack_app(
    settings: Settings, fake_slack: FakeSlack
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    configured = settings.model_copy(
        update={
            "slack_bot_token": BOT_TOKEN,
            "slack_signing_secret": SECRET,
            "slack_api_url": fake_slack.base_url,
            "slack_approval_channel": APPROVAL_CHANNEL_ID,
            # These tests are about the Slack handlers; the edge's rate limit is tested
            # elsewhere and would answer the flood below with 429 before it reached them.
            "rate_limit_per_client": 100_000.0,
        }
    )
    app = create_app(configured)
    async with app.router.lifespan_context(app):
        # A 500 must come back as an answer to assert on, not as the app's exception.
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
            yield app, http


def audit_rows(engine: Engine) -> list[SlackAudit]:
    with Session(engine) as session:
        return list(reversed(recent_audit(session, limit=1000)))


def refusals_counted(reason: str) -> float:
    value = REGISTRY.get_sample_value("kaizen_slack_votes_total", {"outcome": reason})
    return value or 0.0


def form(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def forgeries(now: int) -> dict[str, tuple[bytes, Headers]]:
    """Requests no one with the signing secret sent, each wrong in its own way."""
    body = b'{"type": "url_verification", "challenge": "c"}'
    not_utf8 = b"\xff\xfe\x00{\x80 not utf-8"
    good = sign(SECRET, body, timestamp=now)
    zeros = "v0=" + "0" * 64
    return {
        "not UTF-8, forged": (not_utf8, dict(sign("not-the-secret", not_utf8, timestamp=now))),
        "not UTF-8, no headers": (not_utf8, {}),
        "no headers": (body, {}),
        "superscript timestamp": (
            body,
            {"X-Slack-Request-Timestamp": "¹²³".encode("latin-1"), "X-Slack-Signature": zeros},
        ),
        "superscript timestamp, real digits around": (
            body,
            {"X-Slack-Request-Timestamp": f"{now}²".encode("latin-1"), "X-Slack-Signature": zeros},
        ),
        "signed timestamp with a sign": (body, {**good, "X-Slack-Request-Timestamp": f"+{now}"}),
        "timestamp of 40 digits": (body, {**good, "X-Slack-Request-Timestamp": "9" * 40}),
        "timestamp not a number": (body, {**good, "X-Slack-Request-Timestamp": "soon"}),
        "stale": (body, dict(sign(SECRET, body, timestamp=now - 600))),
        "from the future": (body, dict(sign(SECRET, body, timestamp=now + 600))),
        "non-ASCII signature": (
            body,
            {**good, "X-Slack-Signature": ("v0=" + "é" * 64).encode("latin-1")},
        ),
        "signature without v0=": (
            body,
            {**good, "X-Slack-Signature": good["X-Slack-Signature"][3:]},
        ),
        "signature of another timestamp": (
            body,
            {**good, "X-Slack-Request-Timestamp": str(now - 1)},
        ),
        "no signature": (body, {"X-Slack-Request-Timestamp": str(now)}),
        "wrong secret": (body, dict(sign("not-the-secret", body, timestamp=now))),
    }


async def test_unsigned_requests_are_refused_401_from_their_headers_alone(
    slack_app: tuple[FastAPI, httpx.AsyncClient], engine: Engine
) -> None:
    _, http = slack_app
    answers: dict[str, int] = {}
    for path in (EVENTS, INTERACTIONS):
        for name, (body, headers) in forgeries(int(time.time())).items():
            reply = await http.post(path, content=body, headers=headers)
            answers[f"{path}: {name}"] = reply.status_code
            if reply.status_code == 401:
                assert isinstance(reply.json()["error"], str), reply.text
    assert {case: code for case, code in answers.items() if code != 401} == {}
    # Refused before anything read the body: no request got as far as its shape.
    assert {row.reason for row in audit_rows(engine)} == {"bad_signature", "stale"}


SIGNED_WRONG_SHAPES: dict[str, tuple[str, bytes]] = {
    "a list": (EVENTS, b"[1, 2]"),
    "a string": (EVENTS, b'"event_callback"'),
    "a number": (EVENTS, b"42"),
    "null": (EVENTS, b"null"),
    "no type": (EVENTS, b"{}"),
    "type a number": (EVENTS, b'{"type": 5}'),
    "not JSON": (EVENTS, b"{not json"),
    "not UTF-8": (EVENTS, b'{"type": "\xff\xfe"}'),
    "NaN": (EVENTS, b'{"type": "event_callback", "event_id": NaN}'),
    "url_verification without a challenge": (EVENTS, b'{"type": "url_verification"}'),
    "challenge a list": (EVENTS, b'{"type": "url_verification", "challenge": []}'),
    "event a string": (
        EVENTS,
        b'{"type": "event_callback", "event_id": "Ev1", "event": "reaction_added"}',
    ),
    "event without a type": (
        EVENTS,
        b'{"type": "event_callback", "event_id": "Ev1", "event": {}}',
    ),
    "event_callback without an event": (
        EVENTS,
        b'{"type": "event_callback", "event_id": "Ev1"}',
    ),
    "event_callback without an event_id": (
        EVENTS,
        b'{"type": "event_callback", "event": {"type": "app_mention"}}',
    ),
    "event_id a number": (
        EVENTS,
        b'{"type": "event_callback", "event_id": 7, "event": {"type": "app_mention"}}',
    ),
    "reaction with item a list": (
        EVENTS,
        json.dumps(
            {
                "type": "event_callback",
                "event_id": "Ev2",
                "event": {"type": "reaction_added", "user": "UBOB", "reaction": "x", "item": []},
            }
        ).encode(),
    ),  # fmt: skip
    "reaction with user a number": (
        EVENTS,
        json.dumps(
            {
                "type": "event_callback",
                "event_id": "Ev3",
                "event": {
                    "type": "reaction_added",
                    "user": 42,
                    "reaction": "x",
                    "item": {"type": "message", "channel": "C1", "ts": "1.2"},
                },
            }
        ).encode(),
    ),  # fmt: skip
    "reaction without an item": (
        EVENTS,
        json.dumps(
            {
                "type": "event_callback",
                "event_id": "Ev4",
                "event": {"type": "reaction_removed", "user": "UBOB", "reaction": "x"},
            }
        ).encode(),
    ),  # fmt: skip
    "form without payload": (INTERACTIONS, b"foo=bar"),
    "empty form": (INTERACTIONS, b""),
    "two payloads": (INTERACTIONS, b"payload=%7B%7D&payload=%7B%7D"),
    "payload not JSON": (INTERACTIONS, b"payload=%7Bnot+json"),
    "payload a list": (INTERACTIONS, form([1, 2])),
    "payload a string": (INTERACTIONS, form("block_actions")),
    "payload without a type": (INTERACTIONS, form({"user": {"id": "UBOB"}})),
    "form not UTF-8": (INTERACTIONS, b"payload=\xff\xfe"),
    "payload not UTF-8": (INTERACTIONS, b"payload=%FF%FE"),
    "JSON instead of a form": (INTERACTIONS, b'{"type": "block_actions"}'),
    "actions a string": (
        INTERACTIONS,
        form(
            {
                "type": "block_actions",
                "trigger_id": "T1",
                "user": {"id": "UBOB"},
                "actions": "kaizen_approve",
            }
        ),
    ),  # fmt: skip
    "user a number": (
        INTERACTIONS,
        form({"type": "block_actions", "trigger_id": "T1", "user": 42, "actions": []}),
    ),
    "user id a number": (
        INTERACTIONS,
        form({"type": "block_actions", "trigger_id": "T1", "user": {"id": 42}, "actions": []}),
    ),
    "no trigger_id": (
        INTERACTIONS,
        form({"type": "block_actions", "user": {"id": "UBOB"}, "actions": []}),
    ),
    "action without an action_id": (
        INTERACTIONS,
        form(
            {
                "type": "block_actions",
                "trigger_id": "T1",
                "user": {"id": "UBOB"},
                "actions": [{"value": "x"}],
            }
        ),
    ),  # fmt: skip
}

SIGNED_WELL_FORMED_UNKNOWN: dict[str, tuple[str, bytes]] = {
    "another envelope type": (EVENTS, b'{"type": "app_rate_limited", "minute_rate_limited": 1}'),
    "another event type, user an object": (
        EVENTS,
        b'{"type": "event_callback", "event_id": "Ev5", '
        b'"event": {"type": "user_change", "user": {"id": "U1"}}}',
    ),
    "another interaction type": (
        INTERACTIONS,
        form({"type": "view_submission", "user": {"id": "UBOB"}, "view": {"id": "V1"}}),
    ),
    "a press with no actions": (
        INTERACTIONS,
        form({"type": "block_actions", "trigger_id": "T1", "user": {"id": "UBOB"}, "actions": []}),
    ),
}


async def test_signed_bodies_of_the_wrong_shape_are_400_and_unknown_types_200(
    slack_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, http = slack_app
    malformed_before = refusals_counted("malformed")
    wrong: dict[str, str] = {}
    for name, (path, body) in SIGNED_WRONG_SHAPES.items():
        reply = await http.post(path, content=body, headers=sign(SECRET, body))
        is_json_error = reply.headers.get("content-type") == "application/json" and isinstance(
            reply.json().get("error"), str
        )
        if reply.status_code != 400 or not is_json_error:
            wrong[f"{path}: {name}"] = f"{reply.status_code} {reply.text[:200]}"
    for name, (path, body) in SIGNED_WELL_FORMED_UNKNOWN.items():
        reply = await http.post(path, content=body, headers=sign(SECRET, body))
        if reply.status_code != 200 or reply.json() != {"ok": True}:
            wrong[f"{path}: {name}"] = f"{reply.status_code} {reply.text[:200]}"
    assert wrong == {}
    assert refusals_counted("malformed") - malformed_before == len(SIGNED_WRONG_SHAPES)


async def test_a_flood_of_forged_requests_is_counted_in_full_and_sampled_into_the_audit(
    slack_app: tuple[FastAPI, httpx.AsyncClient], engine: Engine
) -> None:
    app, http = slack_app
    clock = [1000.0]
    app.state.slack_refusal_sampler = RefusalSampler(clock=lambda: clock[0])
    before = {reason: refusals_counted(reason) for reason in ("bad_signature", "stale")}
    now = int(time.time())
    flood = [
        forgeries(now)[name]
        for name in ("wrong secret", "non-ASCII signature", "stale", "superscript timestamp")
    ] * 50
    codes = [
        (await http.post((EVENTS, INTERACTIONS)[i % 2], content=body, headers=headers)).status_code
        for i, (body, headers) in enumerate(flood)
    ]
    assert codes == [401] * 200

    rows = audit_rows(engine)
    assert sorted(row.reason for row in rows) == ["bad_signature", "stale"]
    assert refusals_counted("bad_signature") - before["bad_signature"] == 100
    assert refusals_counted("stale") - before["stale"] == 100

    # A minute later the next refusal gets a row again, saying how many went unwritten.
    clock[0] += 61
    body, headers = forgeries(now)["wrong secret"]
    assert (await http.post(EVENTS, content=body, headers=headers)).status_code == 401
    latest = audit_rows(engine)[-1]
    assert latest.reason == "bad_signature" and len(audit_rows(engine)) == 3
    assert "99 more refused" in latest.detail, latest.detail


async def test_slack_unreachable_for_the_bot_lookup_is_503_and_the_retry_is_handled(
    slack_app: tuple[FastAPI, httpx.AsyncClient], fake_slack: FakeSlack, engine: Engine
) -> None:
    _, http = slack_app
    body = reaction_event(
        reaction="white_check_mark", user="UBOB", channel=APPROVAL_CHANNEL_ID,
        ts="1700000000.000100", event_id="EvLookup",
    )  # fmt: skip

    fake_slack.http_error_next(500, method="auth.test")
    failed = await http.post(EVENTS, content=body, headers=sign(SECRET, body))
    assert failed.status_code == 503 and "unavailable" in failed.json()["error"], failed.text

    # Slack waits 3 s for an answer; a lookup that hangs is cut short so the 503 is in time.
    fake_slack.delay_next(5.0, method="auth.test")
    started = time.monotonic()
    slow = await http.post(
        EVENTS, content=body, headers={**sign(SECRET, body), "X-Slack-Retry-Num": "1"}
    )
    assert slow.status_code == 503 and time.monotonic() - started < 3.0

    retried = await http.post(
        EVENTS, content=body, headers={**sign(SECRET, body), "X-Slack-Retry-Num": "2"}
    )
    assert retried.status_code == 200 and retried.json() == {"ok": True}
    # Not a Kaizen message, so no vote; and no failed delivery was taken for a duplicate.
    assert [row.reason for row in audit_rows(engine)] == []
