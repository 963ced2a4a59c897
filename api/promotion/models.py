"""Request bodies of the promotion API, derived from the proto contract and strict.

``kaizen.contract.models.request_model`` derives a message's top level; evidence is
nested (tests, security, performance, carbon, links), and a wrong shape anywhere in
it must be a 422 naming the field, so every level here forbids unknown fields and
bounds its numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, cast

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from kaizen.contract.bounds import MAX_STRING_CHARS
from kaizen.contract.models import MAX_REPEATED_ITEMS, request_model, response_model
from kaizen.contract.names import K8S_NAME
from kaizen.v1.promotion_pb2 import (
    AutoPromotion,
    Build,
    CreateBuildRequest,
    Environment,
    EnvironmentBoard,
    Evidence,
    PromotionControl,
    PromotionControlState,
)
from kaizen.v1.run_pb2 import RunRecord

_NUMBERS = {
    FieldDescriptor.TYPE_INT32: int,
    FieldDescriptor.TYPE_INT64: int,
    FieldDescriptor.TYPE_DOUBLE: float,
    FieldDescriptor.TYPE_FLOAT: float,
}
_LARGEST = {
    FieldDescriptor.TYPE_INT32: 2**31 - 1,
    # JSON numbers beyond 2^53 lose digits (as kaizen.contract.bounds says for Structs).
    FieldDescriptor.TYPE_INT64: 2**53,
    FieldDescriptor.TYPE_DOUBLE: 1e15,
    FieldDescriptor.TYPE_FLOAT: 1e15,
}
# Per dotted field: tighter rules than "a non-negative number" or "a bounded string".
_RULES: Mapping[str, Any] = {
    "tests.coverage_percent": Field(default=None, ge=0, le=100),
    "links.title": Field(default="", max_length=200),
    "links.url": Field(pattern=r"^https?://[^\s]{1,2000}$", description="http(s) URL"),
    "security.scanner": Field(default="", max_length=200),
}


def _strict(descriptor: Descriptor, path: str, required: tuple[str, ...] = ()) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    for field in descriptor.fields:
        dotted = f"{path}.{field.name}" if path else field.name
        rule = _RULES.get(dotted)
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            assert field.message_type is not None
            kind: Any = _strict(field.message_type, dotted)
        elif field.type in _NUMBERS:
            # Counts and measurements are never negative, finite, and fit their field.
            kind = Annotated[
                _NUMBERS[field.type],
                Field(ge=0, le=_LARGEST.get(field.type), allow_inf_nan=False),
            ]
        elif field.type == FieldDescriptor.TYPE_STRING:
            kind = Annotated[str, StringConstraints(max_length=MAX_STRING_CHARS)]
        elif field.type == FieldDescriptor.TYPE_BOOL:
            kind = bool
        else:
            raise TypeError(f"{dotted}: no strict form for this field type")
        if field.is_repeated:
            kind = Annotated[list[kind], Field(max_length=MAX_REPEATED_ITEMS)]
        if field.name in required:
            fields[field.name] = (kind, rule or Field(...))
        else:
            fields[field.name] = (kind | None, rule or Field(default=None))
    return create_model(descriptor.name + "Body", __config__=ConfigDict(extra="forbid"), **fields)


def strict_model(
    message_type: type[Message], *, required: tuple[str, ...] = (), doc: str = ""
) -> type[BaseModel]:
    descriptor = cast(Descriptor, message_type.DESCRIPTOR)
    model = _strict(descriptor, "", required)
    model.__doc__ = doc
    return model


EvidenceBody = strict_model(Evidence, doc="Evidence about a build: any of its parts.")

_IMAGE = r"^[a-z0-9][a-z0-9._/:-]{0,254}(@sha256:[a-f0-9]{64})?$"
CONTROL_ACTIONS = ("continue", "promote_full", "abort", "retry", "pause", "resume", "extend")

# Optional fields default to None (absent), so the rules are typed loosely.
_BUILD_RULES: dict[str, Any] = {
    "service": Field(pattern=K8S_NAME, description="The Deployment (service) it builds"),
    "image": Field(pattern=_IMAGE, description="registry/name:tag, or …@sha256:<digest>"),
    "version": Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$"),
    "commit": Field(default=None, pattern=r"^[A-Za-z0-9._/-]{0,128}$"),
}
_BuildFields = request_model(
    "BuildFields",
    CreateBuildRequest,
    required=("service", "image", "version"),
    optional=("commit",),
    rules=_BUILD_RULES,
)
_EVIDENCE_FIELD: Any = (
    EvidenceBody | None,
    Field(default=None, description="Evidence known at registration"),
)
BuildCreate = create_model(
    "BuildCreate",
    __base__=_BuildFields,
    __doc__="Register an immutable build (CI calls this once per build).",
    evidence=_EVIDENCE_FIELD,
)

_CONTROL_RULES: dict[str, Any] = {
    "action": Field(
        pattern="^(" + "|".join(CONTROL_ACTIONS) + ")$",
        description="continue, promote_full (admin), abort, retry, pause, resume or extend",
    ),
    "reason": Field(default=None, max_length=500),
    "count": Field(default=None, ge=1, le=100, description="extend: more measurements"),
}
ControlCreate = request_model(
    "ControlCreate",
    PromotionControl,
    required=("action",),
    optional=("reason", "count"),
    rules=_CONTROL_RULES,
    doc="Steer a running promotion.",
)

BuildView = response_model(Build)
EnvironmentView = response_model(Environment)
EnvironmentBoardView = response_model(EnvironmentBoard)
AutoPromotionView = response_model(AutoPromotion)
ControlStateView = response_model(PromotionControlState)
RunView = response_model(RunRecord)
