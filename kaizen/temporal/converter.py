"""The data converter: JSON protobuf by default so payloads stay readable in the Web UI."""

from __future__ import annotations

from typing import Literal

import temporalio.converter
from temporalio.converter import (
    BinaryNullPayloadConverter,
    BinaryPlainPayloadConverter,
    BinaryProtoPayloadConverter,
    CompositePayloadConverter,
    DataConverter,
    JSONPlainPayloadConverter,
    JSONProtoPayloadConverter,
)


class BinaryFirstPayloadConverter(CompositePayloadConverter):
    """Protobuf messages as binary (smaller, unreadable in the UI), everything else as usual."""

    def __init__(self) -> None:
        super().__init__(
            BinaryNullPayloadConverter(),
            BinaryPlainPayloadConverter(),
            BinaryProtoPayloadConverter(),
            JSONProtoPayloadConverter(),
            JSONPlainPayloadConverter(),
        )


def data_converter(encoding: Literal["json", "binary"]) -> DataConverter:
    """The converter for the configured payload encoding; both decode either form."""
    if encoding == "binary":
        return DataConverter(payload_converter_class=BinaryFirstPayloadConverter)
    # The SDK's default already prefers JSON protobuf over binary protobuf.
    return temporalio.converter.default()
