"""Asking approvers in Slack, and closing the loop there: each step happens once per run.

Posting has no idempotency key on Slack's side, so the order is what keeps a retried
activity from asking twice:

1. claim a row unique on (workflow id, run id, gate key), before anything is posted;
2. post, with message metadata naming the run and gate;
3. record Slack's (channel, ts) on the row.

An attempt that finds a posted row returns it. One that finds a claim without a ts knows an
earlier attempt stopped between 1 and 3: it looks in the channel's recent history for a
message carrying this gate's metadata and adopts it, and posts only if none is there. The
window that remains: the history lookup is impossible (a channel configured by name, a token
without ``channels:history``/``groups:history``), or Slack applied the earlier post but does
not show it yet; then a second request may appear. A duplicate request is harmless to the
run, since votes are keyed to the run, not the message, and the workflow's validator counts
each person once. The outcome reply in the thread follows the same claim, post, record order.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from google.protobuf.json_format import MessageToJson, Parse
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.slack.client import approval_channel, call_slack, slack_failure
from activities.slack.messages import (
    approval_metadata,
    approval_request_blocks,
    approval_request_text,
    carries_metadata,
    decided_blocks,
    decided_text,
    outcome_metadata,
    outcome_text,
)
from kaizen.persistence import slack as store
from kaizen.persistence.db import session_scope
from kaizen.settings import Settings
from kaizen.v1.approval_pb2 import (
    APPROVAL_STATUS_APPROVED,
    APPROVAL_STATUS_REJECTED,
    APPROVAL_STATUS_TIMED_OUT,
    APPROVAL_STATUS_WITHDRAWN,
    ApprovalStatus,
)
from kaizen.v1.slack_pb2 import (
    SlackApprovalRequest,
    SlackDecisionUpdate,
    SlackMessageRef,
    SlackOutcomeNote,
)

# How far before the claim the history lookup reaches: covers clock skew between this
# worker and Slack, whose ts is Slack's clock.
_LOOKBACK: Final = timedelta(minutes=5)
_LOOKUP_LIMIT: Final = 200
# Read errors that mean "cannot look", not "Slack is down": post rather than fail the run.
_UNREADABLE: Final = frozenset({"channel_not_found", "missing_scope", "not_in_channel"})


_DECIDED: Final = frozenset(
    {
        APPROVAL_STATUS_APPROVED,
        APPROVAL_STATUS_REJECTED,
        APPROVAL_STATUS_TIMED_OUT,
        APPROVAL_STATUS_WITHDRAWN,
    }
)


@dataclass(frozen=True)
class _Row:
    """What the activities need of a message row, read inside its session."""

    id: int
    channel: str
    ts: str | None
    claimed_at: datetime
    request_json: str
    decision: str
    outcome_ts: str | None

    @classmethod
    def of(cls, row: store.SlackApprovalMessage) -> _Row:
        assert row.id is not None  # flushed rows have their key
        return cls(
            id=row.id,
            channel=row.channel,
            ts=row.ts,
            # SQLite hands datetimes back naive; every value Kaizen stores is UTC.
            claimed_at=row.claimed_at.replace(tzinfo=row.claimed_at.tzinfo or UTC),
            request_json=row.request_json,
            decision=row.decision,
            outcome_ts=row.outcome_ts,
        )


class SlackActivities:
    """Slack side effects of the approval gate; with no client every activity is a no-op
    that answers ``posted=False``, so workflows call them the same way either way."""

    def __init__(self, engine: Engine, client: AsyncWebClient | None, settings: Settings) -> None:
        self._engine = engine
        self._client = client
        self._settings = settings

    @activity.defn
    async def post_approval_request(self, request: SlackApprovalRequest) -> SlackMessageRef:
        """Ask in Slack for this run's approval, once per (workflow id, run id, gate key)."""
        if self._client is None:
            return _not_posted()
        _require_gate(request)
        channel = approval_channel(
            self._settings, namespace=request.namespace, service=request.service, risk=request.risk
        )
        if channel is None:
            activity.logger.warning(
                "Slack has a bot token but no approval channel for %s; asking through the API only",
                request.service,
            )
            return _not_posted()
        row, created = await asyncio.to_thread(self._claim, request, channel)
        if row.ts is not None:
            return SlackMessageRef(channel=row.channel, ts=row.ts, posted=True)
        client, metadata = self._client, approval_metadata(request)
        if not created:
            found = await self._find(row.channel, metadata, since=row.claimed_at)
            if found is not None:
                return await self._posted(row.id, found)
        response = await call_slack(
            "post the approval request",
            lambda: client.chat_postMessage(
                channel=row.channel,
                text=approval_request_text(request),
                blocks=approval_request_blocks(
                    request,
                    approve_reaction=self._settings.slack_approve_reaction,
                    reject_reaction=self._settings.slack_reject_reaction,
                ),
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )
        return await self._posted(row.id, {"channel": response["channel"], "ts": response["ts"]})

    @activity.defn
    async def mark_approval_decided(self, update: SlackDecisionUpdate) -> SlackMessageRef:
        """Replace the request's buttons with who decided; repeating it changes nothing."""
        if self._client is None:
            return _not_posted()
        _require_gate(update)
        if update.status not in _DECIDED:
            raise ApplicationError(
                f"{ApprovalStatus.Name(update.status)} is not a decision",
                type="InvalidSlackRequest",
                non_retryable=True,
            )
        row = await asyncio.to_thread(self._row, update)
        if row is None or row.ts is None:
            return _not_posted()  # never posted (or the post failed): nothing to update
        ref = SlackMessageRef(channel=row.channel, ts=row.ts, posted=True)
        decision = ApprovalStatus.Name(update.status)
        if row.decision == decision:
            return ref
        request = Parse(row.request_json or "{}", SlackApprovalRequest())
        mentions = await asyncio.to_thread(self._mentions, list(update.decided_by))
        client, ts = self._client, row.ts
        await call_slack(
            "update the approval request",
            lambda: client.chat_update(
                channel=row.channel,
                ts=ts,
                text=decided_text(update, mentions),
                blocks=decided_blocks(request, update, mentions),
            ),
        )
        await asyncio.to_thread(self._record_decided, row.id, decision)
        return ref

    @activity.defn
    async def post_run_outcome(self, note: SlackOutcomeNote) -> SlackMessageRef:
        """Reply in the request's thread with how the run ended, once."""
        if self._client is None:
            return _not_posted()
        _require_gate(note)
        row = await asyncio.to_thread(self._row, note)
        if row is None or row.ts is None:
            return _not_posted()
        if row.outcome_ts is not None:
            return SlackMessageRef(channel=row.channel, ts=row.outcome_ts, posted=True)
        client, thread_ts, metadata = self._client, row.ts, outcome_metadata(note)
        claimed_now = await asyncio.to_thread(self._claim_outcome, row.id)
        found = None
        if not claimed_now:
            found = await self._find(row.channel, metadata, since=row.claimed_at, thread=thread_ts)
        if found is None:
            response = await call_slack(
                "post the run's outcome",
                lambda: client.chat_postMessage(
                    channel=row.channel,
                    thread_ts=thread_ts,
                    text=outcome_text(note),
                    metadata=metadata,
                ),
            )
            found = {"channel": response["channel"], "ts": response["ts"]}
        ts = str(found["ts"])
        await asyncio.to_thread(self._record_outcome, row.id, ts)
        return SlackMessageRef(channel=row.channel, ts=ts, posted=True)

    # -- Slack reads ---------------------------------------------------------------------------

    async def _find(
        self, channel: str, metadata: dict[str, Any], *, since: datetime, thread: str | None = None
    ) -> dict[str, Any] | None:
        """A message an earlier attempt posted with this metadata, if Slack shows one."""
        assert self._client is not None
        oldest = f"{(since - _LOOKBACK).timestamp():.6f}"
        try:
            if thread is None:
                response = await self._client.conversations_history(
                    channel=channel, oldest=oldest, limit=_LOOKUP_LIMIT, include_all_metadata=True
                )
            else:
                response = await self._client.conversations_replies(
                    channel=channel,
                    ts=thread,
                    oldest=oldest,
                    limit=_LOOKUP_LIMIT,
                    include_all_metadata=True,
                )
        except SlackApiError as error:
            data = error.response.data if isinstance(error.response.data, dict) else {}
            if data.get("error") in _UNREADABLE:
                activity.logger.warning(
                    "cannot read %s for an earlier post (%s); posting, which may repeat it",
                    channel,
                    data.get("error"),
                )
                return None
            raise slack_failure(error, f"read {channel} for an earlier post") from error
        for message in response.get("messages") or []:
            if carries_metadata(message, metadata):
                return {"channel": channel, "ts": message["ts"]}
        return None

    # -- the database (in a thread: the event loop never waits on it) -------------------------

    async def _posted(self, message_id: int, where: dict[str, Any]) -> SlackMessageRef:
        channel, ts = str(where["channel"]), str(where["ts"])
        await asyncio.to_thread(self._record_posted, message_id, channel, ts)
        return SlackMessageRef(channel=channel, ts=ts, posted=True)

    def _claim(self, request: SlackApprovalRequest, channel: str) -> tuple[_Row, bool]:
        with session_scope(self._engine) as session:
            row, created = store.record_message_once(
                session,
                workflow_id=request.workflow_id,
                run_id=request.run_id,
                gate_key=request.gate_key,
                channel=channel,
                request_json=MessageToJson(request),
            )
            return _Row.of(row), created

    def _row(self, gate: SlackDecisionUpdate | SlackOutcomeNote) -> _Row | None:
        with session_scope(self._engine) as session:
            row = store.message_for_run(session, gate.workflow_id, gate.run_id, gate.gate_key)
            return None if row is None else _Row.of(row)

    def _mentions(self, principals: list[str]) -> dict[str, str]:
        with session_scope(self._engine) as session:
            found = {p: store.slack_user_for_principal(session, p) for p in principals}
            return {p: user for p, user in found.items() if user}

    def _record_posted(self, message_id: int, channel: str, ts: str) -> None:
        with session_scope(self._engine) as session:
            store.record_posted(session, message_id, channel=channel, ts=ts)

    def _record_decided(self, message_id: int, decision: str) -> None:
        with session_scope(self._engine) as session:
            store.record_decided(session, message_id, decision=decision)

    def _claim_outcome(self, message_id: int) -> bool:
        with session_scope(self._engine) as session:
            return store.claim_outcome(session, message_id)

    def _record_outcome(self, message_id: int, ts: str) -> None:
        with session_scope(self._engine) as session:
            store.record_outcome_posted(session, message_id, ts=ts)


def _not_posted() -> SlackMessageRef:
    return SlackMessageRef(posted=False)


def _require_gate(gate: SlackApprovalRequest | SlackDecisionUpdate | SlackOutcomeNote) -> None:
    missing = [name for name in ("workflow_id", "run_id", "gate_key") if not getattr(gate, name)]
    if missing:
        raise ApplicationError(
            f"{type(gate).__name__} needs {', '.join(missing)}",
            type="InvalidSlackRequest",
            non_retryable=True,
        )
