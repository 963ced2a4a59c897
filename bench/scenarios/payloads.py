"""Payload size: a typical healing input, status and result (with its event list) as
plain JSON, JSON protobuf and binary protobuf, each with and without zlib.

The sample is a real run: the approved high-risk healing run recorded for the
replay tests (diagnosis with evidence, ranking, policy, Kubernetes steps,
verification, 60-odd events). Encoding goes through the SDK's own payload
converters, so the bytes are the bytes Temporal stores.
"""

from __future__ import annotations

import base64
import json
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from google.protobuf.json_format import MessageToDict, Parse
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    BinaryProtoPayloadConverter,
    EncodingPayloadConverter,
    JSONPlainPayloadConverter,
    JSONProtoPayloadConverter,
)

from bench.context import Bench
from bench.stack import REPO
from kaizen.v1.healing_pb2 import HealingRequest, HealingResult
from kaizen.v1.run_pb2 import RunStatus

SAMPLE_HISTORY = REPO / "tests" / "histories" / "healing_high_approved.json"
ENCODINGS: dict[str, EncodingPayloadConverter] = {
    "json": JSONPlainPayloadConverter(),
    "json_protobuf": JSONProtoPayloadConverter(),
    "binary_protobuf": BinaryProtoPayloadConverter(),
}


def _payload_message(attributes: dict[str, Any], field: str, message: type[Message]) -> Message:
    raw = base64.b64decode(attributes[field]["payloads"][0]["data"])
    return Parse(raw, message(), ignore_unknown_fields=True)


def samples(history: Path = SAMPLE_HISTORY) -> dict[str, Message]:
    """The run's input, the status its query would return at the end, and its result."""
    events = json.loads(history.read_text())["events"]
    started = events[0]["workflowExecutionStartedEventAttributes"]
    completed = events[-1]["workflowExecutionCompletedEventAttributes"]
    request = _payload_message(started, "input", HealingRequest)
    result = _payload_message(completed, "result", HealingResult)
    assert isinstance(request, HealingRequest) and isinstance(result, HealingResult)
    status = RunStatus(
        kind="healing", phase="completed", service=request.service,
        namespace=request.namespace, tenant=request.tenant, risk=result.policy.risk,
        steps_done=["diagnose", "choose_playbook", "governance", "approval", "execute",
                    "verify"],
        events=result.events,
    )  # fmt: skip
    return {"input": request, "status": status, "result": result}


@dataclass(frozen=True)
class Measured:
    bytes: int
    zlib_bytes: int
    encode_us: float
    decode_us: float
    zlib_encode_us: float
    zlib_decode_us: float


def _per_call_us(call: Callable[[], object], budget_s: float = 0.05) -> float:
    """Mean microseconds per call over as many calls as fit the budget (at least 20)."""
    count = 0
    started = time.perf_counter()
    while count < 20 or time.perf_counter() - started < budget_s:
        call()
        count += 1
    return (time.perf_counter() - started) / count * 1e6


def measure(message: Message, encoding: str) -> Measured:
    converter = ENCODINGS[encoding]
    value: object = (
        MessageToDict(message, preserving_proto_field_name=True) if encoding == "json" else message
    )
    kind: type = dict if encoding == "json" else type(message)

    def encode() -> Payload:
        payload = converter.to_payload(value)
        assert payload is not None
        return payload

    payload = encode()
    squeezed = zlib.compress(payload.data)

    def decode() -> object:
        return converter.from_payload(payload, kind)

    def encode_zlib() -> bytes:
        return zlib.compress(encode().data)

    def decode_zlib() -> object:
        return converter.from_payload(Payload(metadata=payload.metadata,
                                              data=zlib.decompress(squeezed)), kind)  # fmt: skip

    return Measured(
        len(payload.data), len(squeezed), _per_call_us(encode), _per_call_us(decode),
        _per_call_us(encode_zlib), _per_call_us(decode_zlib),
    )  # fmt: skip


async def run(bench: Bench) -> None:
    report = bench.report
    report.section("6. Payload size")
    report.prose(
        "The input, end status and result of the recorded approved healing run "
        f"(`{SAMPLE_HISTORY.relative_to(REPO)}`), through the SDK's JSONPlain (the message "
        "as a plain dict, as a dataclass would travel), JSONProto (Kaizen's default) and "
        "BinaryProto payload converters; zlib at its default level. Times are the mean "
        "per call over 0.05 s, median of the repetitions."
    )
    for name, message in samples().items():
        runs = {e: [measure(message, e) for _ in range(bench.reps)] for e in ENCODINGS}
        for encoding, reps in runs.items():
            label = f"payload_{name}_{encoding}"
            report.figure(f"{label}_bytes", [r.bytes for r in reps], "bytes")
            report.figure(f"{label}_zlib_bytes", [r.zlib_bytes for r in reps], "bytes")
            report.figure(f"{label}_encode", [r.encode_us for r in reps], "us")
            report.figure(f"{label}_decode", [r.decode_us for r in reps], "us")
            report.figure(f"{label}_zlib_encode", [r.zlib_encode_us for r in reps], "us")
            report.figure(f"{label}_zlib_decode", [r.zlib_decode_us for r in reps], "us")
        json_bytes = runs["json_protobuf"][0].bytes
        report.ratio(
            f"payload_{name}_bytes_binary_vs_json_protobuf",
            [r.bytes / json_bytes for r in runs["binary_protobuf"]],
        )
        report.ratio(
            f"payload_{name}_bytes_binary_vs_json",
            [r.bytes / runs["json"][0].bytes for r in runs["binary_protobuf"]],
        )
        report.ratio(
            f"payload_{name}_bytes_json_protobuf_zlib_vs_json_protobuf",
            [r.zlib_bytes / json_bytes for r in runs["json_protobuf"]],
        )
