"""The pure rules of a rollout: Argo's replica rounding, analysis conditions and limits."""

from __future__ import annotations

import math

import pytest

from activities.prometheus.conditions import (
    ConditionError,
    EvaluationError,
    classify,
    evaluate_condition,
    parse_condition,
)
from kaizen.v1.promotion_pb2 import AnalysisMetric, Measurement, MetricResult
from workflows.promotion.analysis import assess, effective_count, record, worst
from workflows.promotion.weights import replica_split


@pytest.mark.parametrize(
    ("replicas", "weight", "surge", "canary", "stable"),
    [
        # Argo Rollouts' documented examples and TestApproximateWeightedNewStableReplicaCounts.
        (10, 10, 0, 1, 9),
        (10, 41, 0, 4, 6),
        (1, 10, 0, 0, 1),  # one replica, no surge: below 50% there is no canary at all
        (1, 49, 0, 0, 1),
        (1, 50, 0, 1, 0),  # ... and from 50% a full swap
        (1, 90, 0, 1, 0),
        (1, 10, 1, 1, 1),  # one replica with surge: 1 + 1 for any weight 1-99
        (1, 99, 1, 1, 1),
        (3, 50, 0, 2, 1),  # a tie rounds up
        (3, 50, 1, 2, 2),
        (2, 1, 1, 1, 2),
        (2, 50, 1, 1, 1),
        (4, 25, 1, 1, 3),
        (5, 0, 1, 0, 5),
        (5, 100, 1, 5, 0),
    ],
)
def test_argo_basic_canary_rounding(
    replicas: int, weight: int, surge: int, canary: int, stable: int
) -> None:
    assert tuple(replica_split(replicas, weight, surge)) == (canary, stable)


def test_conditions_follow_argo_expressions() -> None:
    assert evaluate_condition("result[0] < 0.01", [0.001])
    assert evaluate_condition("len(result) == 0 || result[0] >= 0.95", [])
    assert evaluate_condition("!(result[0] > 1) && isNaN(result[1])", [0.5, math.nan])
    with pytest.raises(EvaluationError, match="no data returned"):
        evaluate_condition("result[0] < 0.01", [])
    for bad in ("__import__('os')", "result.count", "lambda: 1", "open('x')", "'a' < 'b'"):
        with pytest.raises(ConditionError):
            parse_condition(bad)


@pytest.mark.parametrize(
    ("success", "failure", "value", "phase"),
    [
        ("", "", 5.0, "successful"),
        ("result[0] < 1", "", 0.5, "successful"),
        ("result[0] < 1", "", 2.0, "failed"),
        ("", "result[0] > 1", 2.0, "failed"),
        ("", "result[0] > 1", 0.5, "successful"),
        ("result[0] < 1", "result[0] > 5", 3.0, "inconclusive"),
        ("result[0] < 10", "result[0] > 5", 7.0, "failed"),  # failure wins
    ],
)
def test_measurement_classification(success: str, failure: str, value: float, phase: str) -> None:
    assert classify(success, failure, [value]) == phase


def _metric(**overrides: int) -> AnalysisMetric:
    fields = {"interval_seconds": 1, "count": 5, "failure_limit": 0,
              "inconclusive_limit": 0, "consecutive_error_limit": 4, **overrides}  # fmt: skip
    return AnalysisMetric(name="errors", **fields)


def _run(metric: AnalysisMetric, phases: list[str]) -> str:
    result = MetricResult(name=metric.name)
    phase = "running"
    for measured in phases:
        record(result, Measurement(phase=measured))
        phase, _ = assess(metric, result)
        if phase != "running":
            break
    return phase


def test_failure_limit_is_exceeded_not_reached() -> None:
    # failure_limit 0: the first failure fails; 3: the fourth does (failed > limit).
    assert _run(_metric(), ["failed"]) == "failed"
    three = _metric(failure_limit=3, count=10)
    assert _run(three, ["failed"] * 3) == "running"
    assert _run(three, ["failed"] * 4) == "failed"
    assert _run(_metric(failure_limit=-1), ["failed"] * 5) == "successful"


def test_inconclusive_and_consecutive_errors() -> None:
    assert _run(_metric(), ["successful", "inconclusive"]) == "inconclusive"
    # consecutive_error_limit 4: the fifth error in a row errs; a success resets the streak.
    assert _run(_metric(count=20), ["error"] * 4) == "running"
    assert _run(_metric(count=20), ["error"] * 5) == "error"
    assert _run(_metric(count=20), ["error"] * 4 + ["successful"] + ["error"] * 4) == "running"
    assert _run(_metric(), ["successful"] * 5) == "successful"


def test_counts_and_the_worst_phase() -> None:
    assert effective_count(AnalysisMetric(interval_seconds=0, count=7)) == 1
    assert effective_count(AnalysisMetric(interval_seconds=5, count=0)) is None
    assert worst(["successful", "inconclusive", "running"]) == "inconclusive"
    assert worst(["error", "failed"]) == "failed"
    result = MetricResult()
    for _ in range(15):
        record(result, Measurement(phase="successful"))
    assert len(result.measurements) == 10 and result.taken == 15
