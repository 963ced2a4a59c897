"""Pydantic models derived from the protobuf descriptors, for FastAPI and /docs.

A model is built from a message's descriptor: the same field names, types and
enum values, so the API schema cannot drift from the contract. Validation that
protobuf cannot express (patterns, lengths) is layered on by field name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Annotated, Any, Final, Literal, cast

from annotated_types import Len
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, create_model
from pydantic.fields import FieldInfo

from kaizen.contract.bounds import MAX_STRING_CHARS, check_free_form
from kaizen.contract.json_codec import WELL_KNOWN_JSON, enum_short_names, is_map

MAX_REPEATED_ITEMS: Final = 1000
"""Items a repeated field of a request may hold."""

_SCALARS: dict[int, type] = {
    FieldDescriptor.TYPE_STRING: str,
    FieldDescriptor.TYPE_BOOL: bool,
    FieldDescriptor.TYPE_INT32: int,
    FieldDescriptor.TYPE_INT64: int,
    FieldDescriptor.TYPE_UINT32: int,
    FieldDescriptor.TYPE_UINT64: int,
    FieldDescriptor.TYPE_SINT32: int,
    FieldDescriptor.TYPE_SINT64: int,
    FieldDescriptor.TYPE_DOUBLE: float,
    FieldDescriptor.TYPE_FLOAT: float,
    FieldDescriptor.TYPE_BYTES: bytes,
}

_INT32: Final = (-(2**31), 2**31 - 1)
_INT64: Final = (-(2**63), 2**63 - 1)
_INTEGER_RANGES: Final[dict[int, tuple[int, int]]] = {
    FieldDescriptor.TYPE_INT32: _INT32,
    FieldDescriptor.TYPE_SINT32: _INT32,
    FieldDescriptor.TYPE_INT64: _INT64,
    FieldDescriptor.TYPE_SINT64: _INT64,
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
}

_cache: dict[str, type[BaseModel]] = {}


def _field_type(field: FieldDescriptor) -> Any:
    if field.type == FieldDescriptor.TYPE_ENUM:
        assert field.enum_type is not None
        return Literal[tuple(enum_short_names(field.enum_type))]
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        assert field.message_type is not None
        full_name = field.message_type.full_name
        if full_name == "google.protobuf.Timestamp":
            return datetime
        if full_name in WELL_KNOWN_JSON:
            return dict[str, Any]
        return response_model(field.message_type)
    bounds = _INTEGER_RANGES.get(field.type)
    if bounds is not None:
        # Out of range is a 422 naming the field here, not a protobuf error later. A
        # validator, not ge/le: constraints in the type would replace a rule's own bounds.
        return Annotated[int, AfterValidator(_within(*bounds))]
    return _SCALARS[field.type]


def _within(lowest: int, highest: int) -> Callable[[int], int]:
    def check(value: int) -> int:
        if not lowest <= value <= highest:
            raise ValueError(f"must be between {lowest} and {highest}")
        return value

    return check


def response_model(message_type: type[Message] | Descriptor) -> type[BaseModel]:
    """A model with every field of the message, all optional (as the API returns them)."""
    descriptor = cast(
        Descriptor,
        message_type if isinstance(message_type, Descriptor) else message_type.DESCRIPTOR,
    )
    if descriptor.full_name in _cache:
        return _cache[descriptor.full_name]
    fields: dict[str, Any] = {}
    for field in descriptor.fields:
        if is_map(field):
            assert field.message_type is not None
            value = _field_type(field.message_type.fields_by_name["value"])
            fields[field.name] = (dict[str, value], Field(default_factory=dict))  # type: ignore[valid-type]
            continue
        kind = _field_type(field)
        if field.is_repeated:
            fields[field.name] = (list[kind], Field(default_factory=list))  # type: ignore[valid-type]
        else:
            fields[field.name] = (kind | None, None)
    model = create_model(descriptor.name, __config__=ConfigDict(extra="ignore"), **fields)
    _cache[descriptor.full_name] = model
    return model


def _bounded(field: FieldDescriptor, kind: Any) -> Any:
    """A request field's type with the contract's limits on what a caller may send."""
    if kind == dict[str, Any]:
        return Annotated[kind, AfterValidator(check_free_form)]
    if kind is str:
        return Annotated[str, StringConstraints(max_length=MAX_STRING_CHARS)]
    if field.is_repeated:
        return Annotated[list[kind], Len(max_length=MAX_REPEATED_ITEMS)]
    return kind


def request_model(
    name: str,
    message_type: type[Message],
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    rules: Mapping[str, FieldInfo] | None = None,
    doc: str = "",
) -> type[BaseModel]:
    """A request body made of some of the message's fields; unknown fields are refused."""
    rules = rules or {}
    descriptor = cast(Descriptor, message_type.DESCRIPTOR)
    fields: dict[str, Any] = {}
    for field_name in required:
        field = descriptor.fields_by_name[field_name]
        kind = _bounded(field, _field_type(field))
        fields[field_name] = (kind, rules.get(field_name, Field(...)))
    for field_name in optional:
        field = descriptor.fields_by_name[field_name]
        info = rules.get(field_name, Field(default=None))
        fields[field_name] = (_bounded(field, _field_type(field)) | None, info)
    return create_model(name, __config__=ConfigDict(extra="forbid"), __doc__=doc, **fields)
