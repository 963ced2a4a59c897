"""Temporal payloads checked against a size limit before the API sends them.

The server refuses a payload over its blob limit with an internal gRPC error.
Checking first turns that into a 422 that names the field the caller can shrink,
and nothing is half-sent.
"""

from __future__ import annotations

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from temporalio.converter import DataConverter


class PayloadTooLarge(Exception):
    """An input whose encoded payload is over the limit; ``field`` is its largest part."""

    def __init__(self, field: str, size: int, limit: int) -> None:
        super().__init__(
            f"the encoded input is {size} bytes, over the {limit}-byte limit; "
            f"{field} is its largest part"
        )
        self.field = field


def check_payload_size(converter: DataConverter, message: Message, limit: int) -> None:
    """Raise PayloadTooLarge when ``message`` encodes to more than ``limit`` bytes."""
    payloads = converter.payload_converter.to_payloads([message])
    size = sum(payload.ByteSize() for payload in payloads)
    if size > limit:
        raise PayloadTooLarge(_largest_field(message), size, limit)


def _largest_field(message: Message) -> str:
    def size(field: FieldDescriptor, value: object) -> int:
        items = list(value) if field.is_repeated else [value]  # type: ignore[call-overload]
        return sum(
            item.ByteSize() if isinstance(item, Message) else len(str(item)) for item in items
        )

    fields = message.ListFields()
    if not fields:
        return "request"
    largest, _ = max(fields, key=lambda pair: size(*pair))
    return largest.name
