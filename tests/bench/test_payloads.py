"""The payload figure's sample and encodings: a real run, through the SDK's converters."""

from __future__ import annotations

from bench.scenarios.payloads import ENCODINGS, measure, samples
from kaizen.v1.healing_pb2 import HealingRequest, HealingResult


def test_the_sample_is_the_recorded_run() -> None:
    found = samples()
    request, result = found["input"], found["result"]
    assert isinstance(request, HealingRequest) and request.service
    assert isinstance(result, HealingResult) and len(result.events) > 20
    assert list(found["status"].events) == list(result.events)


def test_every_encoding_round_trips_and_binary_is_smallest() -> None:
    result = samples()["result"]
    measured = {encoding: measure(result, encoding) for encoding in ENCODINGS}
    assert measured["binary_protobuf"].bytes < measured["json_protobuf"].bytes
    assert all(m.zlib_bytes < m.bytes for m in measured.values())
    for encoding, converter in ENCODINGS.items():
        payload = converter.to_payload(result if encoding != "json" else {"a": 1})
        assert payload is not None
