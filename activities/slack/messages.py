"""What Kaizen says in Slack, as Block Kit: pure functions from contract messages to JSON.

The request carries everything an approver needs to decide without leaving Slack; the
decided version keeps that context, drops the buttons and says who decided. Each message
also carries Slack message metadata naming the run and gate, so a retried activity can
recognise a message an earlier attempt posted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Final

from google.protobuf.json_format import MessageToDict

from kaizen.v1.approval_pb2 import (
    APPROVAL_STATUS_APPROVED,
    APPROVAL_STATUS_REJECTED,
    APPROVAL_STATUS_TIMED_OUT,
    APPROVAL_STATUS_WITHDRAWN,
    ApprovalStatus,
)
from kaizen.v1.slack_pb2 import SlackApprovalRequest, SlackDecisionUpdate, SlackOutcomeNote

APPROVE_ACTION_ID: Final = "kaizen_approve"
REJECT_ACTION_ID: Final = "kaizen_reject"
ACTIONS_BLOCK_ID: Final = "kaizen_actions"
REACTION_HINT_BLOCK_ID: Final = "kaizen_reaction_hint"
DECISION_BLOCK_ID: Final = "kaizen_decision"

REQUEST_EVENT_TYPE: Final = "kaizen_approval_request"
OUTCOME_EVENT_TYPE: Final = "kaizen_run_outcome"

# Block Kit limits: header text 150 characters, section text 3000, a field 2000.
_HEADER_MAX: Final = 150
_SECTION_MAX: Final = 3000
_FIELD_MAX: Final = 2000
_EVIDENCE_ITEMS: Final = 8
_EVIDENCE_VALUE_MAX: Final = 120

_DECISIONS: Final[dict[int, tuple[str, str]]] = {
    APPROVAL_STATUS_APPROVED: (":white_check_mark:", "Approved"),
    APPROVAL_STATUS_REJECTED: (":x:", "Rejected"),
    APPROVAL_STATUS_TIMED_OUT: (":hourglass:", "Timed out"),
    APPROVAL_STATUS_WITHDRAWN: (":heavy_minus_sign:", "Withdrawn"),
}
_OUTCOMES: Final = {
    "verified": ":white_check_mark:",
    "succeeded": ":white_check_mark:",
    "completed": ":white_check_mark:",
    "rolled_back": ":leftwards_arrow_with_hook:",
    "rejected": ":no_entry_sign:",
    "timed_out": ":hourglass:",
    "aborted": ":octagonal_sign:",
    "failed": ":x:",
    "resolved_before_action": ":heavy_minus_sign:",
}


# -- the request -----------------------------------------------------------------------------


def approval_request_text(request: SlackApprovalRequest) -> str:
    """The plain text Slack shows in notifications and where blocks cannot be drawn."""
    text = f"Approval needed: {request.summary} ({_target(request)}, risk {request.risk or '?'})"
    return _clip(_escape(text), _SECTION_MAX)


def approval_request_blocks(
    request: SlackApprovalRequest, *, approve_reaction: str, reject_reaction: str
) -> list[dict[str, Any]]:
    """The approval request: what, why, risk, evidence, deadline, a link, buttons, a hint."""
    hint = (
        f"Or react with :{approve_reaction}: to approve or :{reject_reaction}: to reject. "
        f"Run `{_escape(request.workflow_id)}`."
    )
    return [
        *_request_body(request, title=f"Approval needed: {request.summary}"),
        {
            "type": "actions",
            "block_id": ACTIONS_BLOCK_ID,
            "elements": [
                _button("Approve", APPROVE_ACTION_ID, request.workflow_id, style="primary"),
                _button(
                    "Reject",
                    REJECT_ACTION_ID,
                    request.workflow_id,
                    style="danger",
                    # A veto decides the gate at once: one mis-tap must not end the run.
                    confirm=_confirm(
                        "Reject this run?",
                        f"{_escape(request.summary)}: the run will not act.",
                        yes="Reject",
                    ),
                ),
            ],
        },
        {"type": "context", "block_id": REACTION_HINT_BLOCK_ID, "elements": [_mrkdwn(hint)]},
    ]


def approval_metadata(request: SlackApprovalRequest) -> dict[str, Any]:
    """Slack message metadata naming the run and gate the request belongs to."""
    return {"event_type": REQUEST_EVENT_TYPE, "event_payload": _gate_payload(request)}


# -- the decision ----------------------------------------------------------------------------


def decided_text(update: SlackDecisionUpdate, mentions: Mapping[str, str]) -> str:
    return _decision_line(update, mentions, bold=False)


def decided_blocks(
    request: SlackApprovalRequest, update: SlackDecisionUpdate, mentions: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The request as it was, without buttons or the reaction hint, and who decided.

    ``mentions`` maps principals to Slack user ids, so deciders linked to Slack are mentioned.
    """
    _emoji, word = _DECISIONS.get(update.status, ("", _status_name(update.status)))
    return [
        *_request_body(request, title=f"{word}: {request.summary}"),
        {
            "type": "section",
            "block_id": DECISION_BLOCK_ID,
            "text": _mrkdwn(_decision_line(update, mentions)),
        },
    ]


# -- the outcome -----------------------------------------------------------------------------


def outcome_text(note: SlackOutcomeNote) -> str:
    """The thread reply that closes the loop: how the run ended, and why."""
    emoji = _OUTCOMES.get(note.outcome, ":information_source:")
    line = f"{emoji} Run finished: *{_escape(note.outcome or 'unknown')}*"
    if note.reason:
        line += f": {_escape(note.reason)}"
    return _clip(line, _SECTION_MAX)


def outcome_metadata(note: SlackOutcomeNote) -> dict[str, Any]:
    return {"event_type": OUTCOME_EVENT_TYPE, "event_payload": _gate_payload(note)}


def carries_metadata(message: Mapping[str, Any], metadata: Mapping[str, Any]) -> bool:
    """Whether a message read back from Slack carries exactly this metadata."""
    found = message.get("metadata") or {}
    return bool(
        found.get("event_type") == metadata["event_type"]
        and found.get("event_payload") == metadata["event_payload"]
    )


# -- pieces ----------------------------------------------------------------------------------


def _request_body(request: SlackApprovalRequest, *, title: str) -> list[dict[str, Any]]:
    fields = [
        f"*Service*\n{_escape(_target(request))}",
        f"*Risk*\n{_escape(request.risk or 'unknown')}",
        f"*Approvals needed*\n{max(request.required_approvals, 1)}",
        f"*Requested by*\n{_escape(request.requested_by or 'unknown')}",
    ]
    if request.HasField("deadline"):
        fields.append(f"*Decide by*\n{_slack_date(request)}")
    if request.kind:
        fields.append(f"*Run*\n{_escape(request.kind)}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": _plain(_clip(title, _HEADER_MAX))},
        {"type": "section", "fields": [_mrkdwn(_clip(f, _FIELD_MAX)) for f in fields]},
    ]
    if request.why:
        blocks.append(_section(f"*Why*\n{_escape(request.why)}"))
    evidence = _evidence_lines(request)
    if evidence:
        blocks.append(_section("*Evidence*\n" + "\n".join(evidence)))
    if request.run_url:
        blocks.append(
            _section(f"<{request.run_url}|Open the run> `{_escape(request.workflow_id)}`")
        )
    return blocks


def _evidence_lines(request: SlackApprovalRequest) -> list[str]:
    if not request.HasField("evidence"):
        return []
    facts = MessageToDict(request.evidence)
    lines = []
    # A Struct is a map: sorted keys keep the rendering the same on every attempt.
    for key, value in sorted(facts.items())[:_EVIDENCE_ITEMS]:
        shown = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
        lines.append(f"• *{_escape(key)}*: {_escape(_clip(shown, _EVIDENCE_VALUE_MAX))}")
    if len(facts) > _EVIDENCE_ITEMS:
        lines.append(f"• … and {len(facts) - _EVIDENCE_ITEMS} more on the run")
    return lines


def _decision_line(
    update: SlackDecisionUpdate, mentions: Mapping[str, str], *, bold: bool = True
) -> str:
    emoji, word = _DECISIONS.get(update.status, (":grey_question:", _status_name(update.status)))
    shown = f"{emoji} *{word}*" if bold else f"{emoji} {word}"
    if update.status == APPROVAL_STATUS_TIMED_OUT:
        line = f"{shown}: no decision before the deadline, recorded as a rejection"
    elif update.status == APPROVAL_STATUS_WITHDRAWN:
        line = f"{shown}: resolved before action, nothing done"
    elif update.decided_by:
        people = ", ".join(_person(p, mentions) for p in update.decided_by)
        line = f"{shown} by {people}"
    else:
        line = shown
    if update.summary:
        line += f"\n{_escape(update.summary)}"
    return _clip(line, _SECTION_MAX)


def _person(principal: str, mentions: Mapping[str, str]) -> str:
    user = mentions.get(principal)
    return f"<@{user}> ({_escape(principal)})" if user else _escape(principal)


def _gate_payload(message: SlackApprovalRequest | SlackOutcomeNote) -> dict[str, str]:
    return {
        "workflow_id": message.workflow_id,
        "run_id": message.run_id,
        "gate_key": message.gate_key,
    }


def _target(request: SlackApprovalRequest) -> str:
    return f"{request.namespace}/{request.service}" if request.namespace else request.service


def _slack_date(request: SlackApprovalRequest) -> str:
    # Slack shows the date in each reader's own time zone; the fallback is UTC.
    seconds = request.deadline.seconds
    fallback = request.deadline.ToDatetime().strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{seconds}^{{date_short_pretty}} at {{time}}|{fallback}>"


def _status_name(status: int) -> str:
    return ApprovalStatus.Name(status).removeprefix("APPROVAL_STATUS_").replace("_", " ").title()


def _button(
    label: str, action_id: str, value: str, *, style: str, confirm: dict[str, Any] | None = None
) -> dict[str, Any]:
    button: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": _plain(label),
        "style": style,
        "value": value,
    }
    if confirm is not None:
        button["confirm"] = confirm
    return button


def _confirm(title: str, text: str, *, yes: str) -> dict[str, Any]:
    return {
        "title": _plain(_clip(title, 100)),
        "text": _mrkdwn(_clip(text, 300)),
        "confirm": _plain(yes),
        "deny": _plain("Cancel"),
        "style": "danger",
    }


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": _mrkdwn(_clip(text, _SECTION_MAX))}


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text}


def _escape(text: str) -> str:
    # Slack's mrkdwn gives &, < and > meaning; user-supplied text must not form links or mentions.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
