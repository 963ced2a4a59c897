"""Slack's Events API and interactivity endpoints.

The signature is checked on the raw body before anything is parsed; a forged or
stale request gets 401 and changes nothing. Slack wants an answer within three
seconds and retries otherwise, so the answer goes out at once and the vote is
cast after it (a background task); a redelivered event counts once.
"""

from __future__ import annotations

import json
import time
from typing import Any, Final
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request, status
from slack_sdk.signature import SignatureVerifier

from activities.slack.client import build_client
from api.deps import SettingsDep, get_engine
from api.slack_votes import SlackVote, SlackVoteProcessor
from kaizen.persistence.db import session_scope
from kaizen.persistence.slack import record_event_once

router = APIRouter(prefix="/v1/slack", tags=["slack"])

# Slack's own replay window for signed requests.
MAX_AGE_SECONDS: Final = 300


async def _verified_body(request: Request, processor: SlackVoteProcessor, secret: str) -> bytes:
    body = await request.body()
    stamp = request.headers.get("X-Slack-Request-Timestamp", "")
    signature = request.headers.get("X-Slack-Signature", "")
    if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_AGE_SECONDS:
        processor.note({}, "stale", f"request timestamp {stamp!r} outside 5 minutes")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "stale or missing Slack timestamp")
    if not SignatureVerifier(secret).is_valid(body, stamp, signature):
        processor.note({}, "bad_signature", "the Slack signature does not match")
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid Slack signature")
    return body


def _processor(request: Request, settings: SettingsDep) -> tuple[SlackVoteProcessor, str]:
    if not (settings.slack_signing_secret and settings.slack_bot_token):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "Slack is not configured (KAIZEN_SLACK_BOT_TOKEN, KAIZEN_SLACK_SIGNING_SECRET)",
        )
    processor = SlackVoteProcessor(
        settings, get_engine(request), request.app.state.temporal, request.app.state.policy
    )
    return processor, settings.slack_signing_secret


async def _bot_user(request: Request, settings: SettingsDep) -> str:
    """The bot's own Slack user id (auth.test, asked once), so its reactions are ignored."""
    cached: str | None = getattr(request.app.state, "slack_bot_user", None)
    if cached is None:
        client = build_client(settings)
        assert client is not None
        answer = await client.auth_test()
        cached = str(answer.get("user_id", ""))
        request.app.state.slack_bot_user = cached
    return cached


def _first_delivery(request: Request, event_id: str) -> bool:
    with session_scope(get_engine(request)) as session:
        return record_event_once(session, event_id)


@router.post("/events")
async def slack_events(
    request: Request, settings: SettingsDep, background: BackgroundTasks
) -> dict[str, Any]:
    """Events API: url_verification, and reactions on Kaizen's approval messages."""
    processor, secret = _processor(request, settings)
    body = await _verified_body(request, processor, secret)
    try:
        envelope = json.loads(body)
    except ValueError as error:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, "body is not JSON") from error
    if envelope.get("type") == "url_verification":
        return {"challenge": envelope.get("challenge", "")}
    event = envelope.get("event") or {}
    event_id = str(envelope.get("event_id", ""))
    if envelope.get("type") != "event_callback" or not event_id:
        return {"ok": True}
    if not _first_delivery(request, event_id):
        retry = request.headers.get("X-Slack-Retry-Num", "?")
        processor.note({"event_id": event_id}, "duplicate", f"redelivery #{retry}, counted once")
        return {"ok": True}
    if event.get("type") == "reaction_removed":
        # Deliberate: a counted vote is final, as it is through the API. Removing the
        # reaction is recorded, and changes nothing; a rejection must be voted.
        processor.note(
            {"event_id": event_id, "slack_user": str(event.get("user", ""))},
            "reaction_removed",
            "removing a reaction does not withdraw a vote",
        )
        return {"ok": True}
    if event.get("type") == "reaction_added":
        vote = processor.reaction_vote(envelope, await _bot_user(request, settings))
        if vote is not None:
            background.add_task(processor.vote, vote)
    return {"ok": True}


@router.post("/interactions")
async def slack_interactions(
    request: Request, settings: SettingsDep, background: BackgroundTasks
) -> dict[str, Any]:
    """Interactivity: the Approve and Reject buttons of Kaizen's approval messages."""
    processor, secret = _processor(request, settings)
    body = await _verified_body(request, processor, secret)
    try:
        payload = json.loads(parse_qs(body.decode())["payload"][0])
    except (KeyError, IndexError, ValueError, UnicodeDecodeError) as error:
        raise HTTPException(
            status.HTTP_400_BAD_REQUEST, "body must be form-encoded with a JSON `payload`"
        ) from error
    if payload.get("type") != "block_actions":
        return {"ok": True}
    vote: SlackVote | None = processor.button_vote(payload)
    if vote is not None and _first_delivery(request, vote.event_id):
        background.add_task(processor.vote, vote)
    return {"ok": True}
