"""Protobuf messages to and from the API's JSON.

The API shows enums by their short lower-case name (``SEVERITY_HIGH`` is
``"high"``), timestamps as RFC 3339 and Structs as plain objects; every field
is present, defaults included, so clients see the whole shape.
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.json_format import MessageToDict, ParseDict
from google.protobuf.message import Message

M = TypeVar("M", bound=Message)

WELL_KNOWN_JSON = {"google.protobuf.Timestamp", "google.protobuf.Struct", "google.protobuf.Value"}


def enum_prefix(enum: EnumDescriptor) -> str:
    """The common prefix proto style puts on values: ``Severity`` -> ``SEVERITY_``."""
    name = enum.name
    snake = "".join(f"_{c}" if c.isupper() and i else c for i, c in enumerate(name)).upper()
    return snake + "_"


def enum_short_names(enum: EnumDescriptor) -> list[str]:
    """Short names of the values a client may send (UNSPECIFIED is never one)."""
    prefix = enum_prefix(enum)
    return [
        value.name.removeprefix(prefix).lower()
        for value in enum.values
        if not value.name.endswith("_UNSPECIFIED")
    ]


def _enum(field: FieldDescriptor) -> EnumDescriptor:
    assert field.enum_type is not None
    return field.enum_type


def _message(field: FieldDescriptor) -> Descriptor:
    assert field.message_type is not None
    return field.message_type


def is_map(field: FieldDescriptor) -> bool:
    """A ``map<K, V>`` field: repeated entries on the wire, an object in JSON."""
    return (
        field.type == FieldDescriptor.TYPE_MESSAGE
        and field.message_type is not None
        and field.message_type.GetOptions().map_entry
    )


def _short(enum: EnumDescriptor, number: int) -> str | None:
    value = enum.values_by_number.get(number)
    if value is None or value.name.endswith("_UNSPECIFIED"):
        return None
    return value.name.removeprefix(enum_prefix(enum)).lower()


def to_api(message: Message) -> dict[str, Any]:
    """A message as the API shows it."""
    return _message_to_api(message)


def _message_to_api(message: Message) -> dict[str, Any]:
    out: dict[str, Any] = {}
    descriptor = cast(Descriptor, message.DESCRIPTOR)
    for field in descriptor.fields:
        value = getattr(message, field.name)
        if is_map(field):
            entry = _message(field).fields_by_name["value"]
            out[field.name] = {key: _value_to_api(entry, item) for key, item in value.items()}
        elif field.is_repeated:
            out[field.name] = [_value_to_api(field, item) for item in value]
        elif field.type == FieldDescriptor.TYPE_MESSAGE and not message.HasField(field.name):
            out[field.name] = None
        else:
            out[field.name] = _value_to_api(field, value)
    return out


def _value_to_api(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_ENUM:
        return _short(_enum(field), value)
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        if _message(field).full_name in WELL_KNOWN_JSON:
            return MessageToDict(value)
        return _message_to_api(value)
    return value


def from_api(data: dict[str, Any], message_type: type[M]) -> M:
    """Build a message from API JSON (short enum names, RFC 3339 timestamps)."""
    descriptor = cast(Descriptor, message_type.DESCRIPTOR)
    return ParseDict(_to_proto_json(data, descriptor), message_type())


def _to_proto_json(data: dict[str, Any], descriptor: Descriptor) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in data.items():
        field = descriptor.fields_by_name.get(name)
        if field is None or value is None:
            continue
        if is_map(field):
            entry = _message(field).fields_by_name["value"]
            out[name] = {key: _value_to_proto_json(entry, item) for key, item in value.items()}
        elif field.is_repeated:
            out[name] = [_value_to_proto_json(field, item) for item in value]
        else:
            out[name] = _value_to_proto_json(field, value)
    return out


def _value_to_proto_json(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_ENUM and isinstance(value, str):
        return enum_prefix(_enum(field)) + value.upper()
    if (
        field.type == FieldDescriptor.TYPE_MESSAGE
        and _message(field).full_name not in WELL_KNOWN_JSON
        and isinstance(value, dict)
    ):
        return _to_proto_json(value, _message(field))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
