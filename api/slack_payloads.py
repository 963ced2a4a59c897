"""The shapes Kaizen accepts from Slack, checked once the signature has matched.

A signed body comes from Slack, and is validated all the same: a body of the wrong
shape must be a 400 that says what is wrong, never an AttributeError deep in a
handler. Types are strict (a user id sent as a number is wrong, not coerced), fields
Kaizen does not read are ignored, and envelope, event or interaction types Kaizen does
not act on are well-formed and simply not its business (Slack adds types over time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, TypeVar
from urllib.parse import parse_qs

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, ValidationError

REACTION_TYPES: Final = frozenset({"reaction_added", "reaction_removed"})
# Slack's interactivity form carries one field, `payload`; a few spare for what it may add.
MAX_FORM_FIELDS: Final = 8


class MalformedPayload(ValueError):
    """A signed body Kaizen cannot read; the message says where it is wrong."""


class _SlackShape(BaseModel):
    model_config = ConfigDict(strict=True, frozen=True)


class _Typed(_SlackShape):
    """Any Slack object: only its type is read, to choose the shape that follows."""

    type: str


class _EventsEnvelope(_SlackShape):
    type: str
    challenge: str = ""
    event_id: str = ""
    event: _Typed | None = None


class ReactedItem(_SlackShape):
    """What was reacted to: Kaizen acts only on messages, found by (channel, ts)."""

    type: str
    channel: str = ""
    ts: str = ""


class ReactionEvent(_SlackShape):
    type: Literal["reaction_added", "reaction_removed"]
    user: str
    reaction: str
    """The emoji's name, without colons."""
    item: ReactedItem


@dataclass(frozen=True)
class UrlVerification:
    """Slack checking the endpoint when the app is configured: echo the challenge."""

    challenge: str


@dataclass(frozen=True)
class EventCallback:
    event_id: str
    """Slack's id for the event, the same on every redelivery."""
    event_type: str
    reaction: ReactionEvent | None
    """Set for reaction events, the only ones Kaizen acts on."""


class SlackUser(_SlackShape):
    id: str


class ActionContainer(_SlackShape):
    """Where the pressed button is; a button outside a message has neither field."""

    channel_id: str = ""
    message_ts: str = ""


class BlockAction(_SlackShape):
    action_id: str
    value: str = ""


class BlockActions(_SlackShape):
    """A button press (interactivity's ``block_actions``)."""

    type: Literal["block_actions"]
    trigger_id: str = Field(min_length=1)
    """Unique per press; it keys the vote, so a redelivered press counts once."""
    user: SlackUser
    container: ActionContainer = ActionContainer()
    actions: list[BlockAction]


def parse_events_body(body: bytes) -> UrlVerification | EventCallback | None:
    """What an Events API body asks for; None for envelope types Kaizen does not act on."""
    raw = _json(body, "the body")
    envelope = _validated(_EventsEnvelope, raw, "")
    if envelope.type == "url_verification":
        if not envelope.challenge:
            raise MalformedPayload("challenge: required for url_verification")
        return UrlVerification(envelope.challenge)
    if envelope.type != "event_callback":
        return None
    if not envelope.event_id:
        raise MalformedPayload("event_id: required for event_callback")
    if envelope.event is None:
        raise MalformedPayload("event: required for event_callback")
    reaction = None
    if envelope.event.type in REACTION_TYPES:
        reaction = _validated(ReactionEvent, raw["event"], "event")
    return EventCallback(envelope.event_id, envelope.event.type, reaction)


def parse_interactions_body(body: bytes) -> BlockActions | None:
    """The button press an interactivity body carries; None for other interaction types."""
    try:
        form = parse_qs(body.decode("utf-8"), errors="strict", max_num_fields=MAX_FORM_FIELDS)
    except ValueError as error:  # not UTF-8, or too many fields
        raise MalformedPayload(f"the body is not a Slack form: {error}") from error
    payloads = form.get("payload", [])
    if len(payloads) != 1:
        raise MalformedPayload("the body must be form-encoded with one JSON `payload`")
    raw = _json(payloads[0], "payload")
    header = _validated(_Typed, raw, "payload")
    if header.type != "block_actions":
        return None
    return _validated(BlockActions, raw, "payload")


def _json(text: str | bytes, what: str) -> Any:
    try:
        return pydantic_core.from_json(text, allow_inf_nan=False)
    except ValueError as error:  # also bytes that are not UTF-8
        raise MalformedPayload(f"{what} is not JSON: {error}") from error


Shape = TypeVar("Shape", bound=_SlackShape)


def _validated(shape: type[Shape], raw: Any, where: str) -> Shape:
    try:
        return shape.model_validate(raw)
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(part) for part in (where, *first["loc"]) if part != "") or "body"
        message = "must be a JSON object" if first["type"] == "model_type" else first["msg"]
        raise MalformedPayload(f"{field}: {message}") from error
