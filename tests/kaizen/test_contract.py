"""The proto contract: generated code is fresh, numbers are stable, the API derives from it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from google.protobuf.descriptor import Descriptor
from google.protobuf.timestamp_pb2 import Timestamp

from kaizen.contract.generate import stale_files
from kaizen.contract.json_codec import from_api, to_api
from kaizen.contract.models import response_model
from kaizen.v1 import (
    approval_pb2,
    change_window_pb2,
    common_pb2,
    freeze_pb2,
    gasi_pb2,
    healing_pb2,
    kubernetes_pb2,
    policy_rollout_pb2,
    promotion_pb2,
    rca_pb2,
    run_pb2,
    slack_pb2,
)
from kaizen.v1.approval_pb2 import ApprovalState, RecordedVote
from kaizen.v1.common_pb2 import SEVERITY_CRITICAL, RunLimits
from kaizen.v1.healing_pb2 import HealingRequest

SNAPSHOT = Path(__file__).with_name("contract_field_numbers.json")
MODULES = (
    approval_pb2,
    change_window_pb2,
    common_pb2,
    freeze_pb2,
    gasi_pb2,
    healing_pb2,
    kubernetes_pb2,
    policy_rollout_pb2,
    promotion_pb2,
    rca_pb2,
    run_pb2,
    slack_pb2,
)


def field_numbers() -> dict[str, dict[str, int]]:
    numbers: dict[str, dict[str, int]] = {}

    def visit(descriptor: Descriptor) -> None:
        numbers[descriptor.full_name] = {f.name: f.number for f in descriptor.fields}
        for nested in descriptor.nested_types:
            visit(nested)

    for module in MODULES:
        for descriptor in module.DESCRIPTOR.message_types_by_name.values():
            visit(descriptor)
    return numbers


def test_generated_code_is_fresh() -> None:
    assert stale_files() == [], "run `make proto` and commit the result"


def test_fields_are_never_renumbered_or_removed() -> None:
    committed = json.loads(SNAPSHOT.read_text())
    current = field_numbers()
    for message, fields in committed.items():
        assert message in current, f"message {message} was removed"
        for name, number in fields.items():
            assert current[message].get(name) == number, f"{message}.{name} changed number"


def test_api_json_round_trip_uses_short_enum_names() -> None:
    request = HealingRequest(
        service="checkout", namespace="shop", symptom="Down", severity=SEVERITY_CRITICAL,
        limits=RunLimits(run_timeout_seconds=60),
    )  # fmt: skip
    shown = to_api(request)
    assert shown["severity"] == "critical"
    assert shown["limits"]["run_timeout_seconds"] == 60
    assert from_api(shown, HealingRequest) == request


def test_timestamps_and_nested_repeated_messages() -> None:
    at = Timestamp()
    at.FromDatetime(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    state = ApprovalState(required=2, votes=[RecordedVote(at=at)])
    shown = to_api(state)
    assert shown["votes"][0]["at"] == "2026-11-20T12:00:00Z"
    assert shown["status"] is None  # UNSPECIFIED is never shown as a value
    assert shown["deadline"] is None
    assert from_api(shown, ApprovalState) == state


def test_maps_are_objects_in_api_json() -> None:
    score = gasi_pb2.GasiScore(score=0.5, fitness=[0.5, -1.0])
    score.metrics["missed"] = 1.0
    shown = to_api(score)
    assert shown["metrics"] == {"missed": 1.0}
    assert from_api(shown, gasi_pb2.GasiScore) == score
    assert response_model(gasi_pb2.GasiScore).model_validate(shown).metrics == {"missed": 1.0}  # type: ignore[attr-defined]


def test_integers_out_of_their_proto_range_are_refused_by_the_models() -> None:
    import pytest
    from pydantic import ValidationError

    from kaizen.contract.models import response_model
    from kaizen.v1.change_window_pb2 import OpenChangeWindowRequest

    window = response_model(OpenChangeWindowRequest)  # duration_minutes is an int32
    with pytest.raises(ValidationError, match="duration_minutes"):
        window(duration_minutes=2**31)
    limits = response_model(RunLimits)  # int64
    assert limits(run_timeout_seconds=2**63 - 1).run_timeout_seconds == 2**63 - 1
    with pytest.raises(ValidationError, match="run_timeout_seconds"):
        limits(run_timeout_seconds=2**63)


def test_a_rules_own_bounds_still_apply_beside_the_proto_range() -> None:
    import pytest
    from pydantic import ValidationError

    from api.schemas import ChangeWindowCreate

    for minutes in (-(2**31) + 1, 0, 7 * 24 * 60 + 1):
        with pytest.raises(ValidationError, match="duration_minutes"):
            ChangeWindowCreate(scope="*", duration_minutes=minutes, reason="r")
