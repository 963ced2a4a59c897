"""Slack's Events API and interactivity endpoints.

The signature is checked on the raw body before anything is parsed; a forged or
stale request gets 401, changes nothing, and is counted (its audit row is sampled).
A signed body of the wrong shape gets 400. Slack wants an answer within three
seconds and retries only what was not answered 2xx, so the vote is cast *before*
the answer, within a deadline: cast, the answer is 200; failed (Temporal, OPA or
the database unreachable), it is 503 and Slack's retry casts it again. Only a vote
still in flight at the deadline finishes after the answer. An event is done only
once its vote is cast; the vote id lets the gate count a redelivery once.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar

import aiohttp
from fastapi import APIRouter, HTTPException, Request, status
from slack_sdk.errors import SlackClientError
from sqlalchemy.exc import SQLAlchemyError

from activities.slack.client import build_client
from api.deps import SettingsDep, get_engine
from api.slack_payloads import (
    EventCallback,
    MalformedPayload,
    UrlVerification,
    parse_events_body,
    parse_interactions_body,
)
from api.slack_refusal_sampling import RefusalSampler
from api.slack_signature import SignatureRefused, verify_slack_signature
from api.slack_votes import SlackVote, SlackVoteProcessor

log = logging.getLogger("kaizen.api")

router = APIRouter(prefix="/v1/slack", tags=["slack"])

# Slack gives up on an answer after 3 s; the bot-user lookup must fail before that, so
# the answer is a 503 Slack retries rather than a timeout it may count as a failure.
BOT_LOOKUP_SECONDS: Final = 2.0
# What is left of Slack's 3 s for casting the vote before answering.
ANSWER_BY_SECONDS: Final = 2.5
MIN_VOTE_SECONDS: Final = 0.5
OK: Final = {"ok": True}

Parsed = TypeVar("Parsed")


def _processor(request: Request, settings: SettingsDep) -> tuple[SlackVoteProcessor, str]:
    if not (settings.slack_signing_secret and settings.slack_bot_token):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "Slack is not configured (KAIZEN_SLACK_BOT_TOKEN, KAIZEN_SLACK_SIGNING_SECRET)",
        )
    state = request.app.state
    sampler: RefusalSampler | None = getattr(state, "slack_refusal_sampler", None)
    if sampler is None:  # one per process: the sample spans requests
        sampler = state.slack_refusal_sampler = RefusalSampler()
    processor = SlackVoteProcessor(
        settings, get_engine(request), state.temporal, state.policy, sampler
    )
    return processor, settings.slack_signing_secret


async def _verified_body(request: Request, processor: SlackVoteProcessor, secret: str) -> bytes:
    body = await request.body()
    try:
        verify_slack_signature(
            body,
            timestamp=request.headers.get("X-Slack-Request-Timestamp"),
            signature=request.headers.get("X-Slack-Signature"),
            secret=secret,
            now=time.time(),
        )
    except SignatureRefused as refused:
        processor.refuse(refused.reason, refused.detail)
        message = {
            "stale": "stale, missing or malformed Slack timestamp",
            "bad_signature": "invalid Slack signature",
        }[refused.reason]
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, message) from refused
    return body


def _parsed(processor: SlackVoteProcessor, parse: Callable[[bytes], Parsed], body: bytes) -> Parsed:
    try:
        return parse(body)
    except MalformedPayload as malformed:
        processor.refuse("malformed", str(malformed))
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(malformed)) from malformed


def _unavailable(what: str, error: Exception) -> HTTPException:
    log.warning("Slack request answered 503 (%s): %r", what, error)
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE, f"{what} is unavailable; Slack retries this request"
    )


async def _bot_user(request: Request, settings: SettingsDep) -> str:
    """The bot's own Slack user id (auth.test, asked once), so its reactions are ignored."""
    cached: str | None = getattr(request.app.state, "slack_bot_user", None)
    if cached is None:
        client = build_client(settings)
        assert client is not None
        try:
            async with asyncio.timeout(BOT_LOOKUP_SECONDS):
                answer = await client.auth_test()
        except (SlackClientError, aiohttp.ClientError, TimeoutError) as error:
            raise _unavailable("Slack's Web API (auth.test)", error) from error
        user_id = answer.get("user_id")
        if not isinstance(user_id, str) or not user_id:
            raise _unavailable("Slack's Web API (auth.test)", ValueError(f"user_id {user_id!r}"))
        cached = request.app.state.slack_bot_user = user_id
    return cached


async def _event_vote(
    request: Request,
    settings: SettingsDep,
    processor: SlackVoteProcessor,
    callback: EventCallback,
) -> SlackVote | None:
    """The vote a reaction carries; None when it carries none or an earlier delivery
    already did its work."""
    reaction = callback.reaction
    if reaction is None:
        return None  # an event type Kaizen does not act on
    if processor.already_done(callback.event_id):
        retry = request.headers.get("X-Slack-Retry-Num", "")
        retry = retry if re.fullmatch(r"[0-9]{1,3}", retry) else "?"
        processor.note(
            {"event_id": callback.event_id}, "duplicate", f"redelivery #{retry}, counted once"
        )
        return None
    if reaction.type == "reaction_removed":
        # Deliberate: a counted vote is final, as it is through the API. Removing the
        # reaction is recorded, and changes nothing; a rejection must be voted.
        processor.note(
            {"event_id": callback.event_id, "slack_user": reaction.user},
            "reaction_removed",
            "removing a reaction does not withdraw a vote",
        )
        processor.done(callback.event_id)
        return None
    return processor.reaction_vote(callback.event_id, reaction, await _bot_user(request, settings))


async def _cast_before_answering(
    processor: SlackVoteProcessor, vote: SlackVote, *, received: float, keep: set[Any]
) -> None:
    """Cast ``vote`` within what is left of Slack's window; a failure is a 503 Slack retries."""
    casting = asyncio.create_task(processor.vote(vote))
    budget = max(MIN_VOTE_SECONDS, ANSWER_BY_SECONDS - (time.monotonic() - received))
    try:
        await asyncio.wait_for(asyncio.shield(casting), budget)
    except TimeoutError:
        # Still going at the deadline: it finishes after the answer (held, not collected).
        keep.add(casting)
        casting.add_done_callback(keep.discard)
        casting.add_done_callback(_log_late_failure)
    except Exception as error:
        raise _unavailable("casting the vote (Temporal, OPA or the database)", error) from error


def _log_late_failure(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("a Slack vote cast after the answer failed: %r", task.exception())


@router.post("/events")
async def slack_events(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Events API: url_verification, and reactions on Kaizen's approval messages."""
    received = time.monotonic()
    processor, secret = _processor(request, settings)
    body = await _verified_body(request, processor, secret)
    parsed = _parsed(processor, parse_events_body, body)
    if isinstance(parsed, UrlVerification):
        return {"challenge": parsed.challenge}
    if parsed is None:
        return OK
    try:
        vote = await _event_vote(request, settings, processor, parsed)
    except SQLAlchemyError as error:
        raise _unavailable("the database", error) from error
    if vote is not None:
        await _cast_before_answering(processor, vote, received=received, keep=_late(request))
    return OK


def _late(request: Request) -> set[Any]:
    """Votes still being cast after their answer went out, per app (held until done)."""
    state = request.app.state
    if not hasattr(state, "slack_late_votes"):
        state.slack_late_votes = set()
    late: set[Any] = state.slack_late_votes
    return late


@router.post("/interactions")
async def slack_interactions(request: Request, settings: SettingsDep) -> dict[str, Any]:
    """Interactivity: the Approve and Reject buttons of Kaizen's approval messages."""
    received = time.monotonic()
    processor, secret = _processor(request, settings)
    body = await _verified_body(request, processor, secret)
    press = _parsed(processor, parse_interactions_body, body)
    if press is None:
        return OK
    try:
        vote = processor.button_vote(press)
        if vote is not None and processor.already_done(vote.event_id):
            processor.note({"event_id": vote.event_id}, "duplicate", "press redelivered")
            vote = None
    except SQLAlchemyError as error:
        raise _unavailable("the database", error) from error
    if vote is not None:
        await _cast_before_answering(processor, vote, received=received, keep=_late(request))
    return OK
