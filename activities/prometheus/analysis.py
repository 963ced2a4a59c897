"""One measurement of an analysis metric: query Prometheus, classify the values.

A query that cannot be answered (Prometheus down, a timeout, no data for the
condition) is a measurement with phase ``error``, not an activity failure: the
workflow counts errors in a row against the metric's ``consecutive_error_limit``,
so an outage is judged by the same rules every time instead of by retry timing.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from temporalio import activity

from activities.prometheus.client import PrometheusClient, PrometheusQueryError
from activities.prometheus.conditions import ConditionError, EvaluationError, classify
from activities.prometheus.judge import JudgeNoData, judge_canary
from kaizen.contract.timestamps import to_timestamp
from kaizen.v1.promotion_pb2 import Measurement, MeasureRequest


class AnalysisActivities:
    """Receives the worker's Prometheus client (None: no Prometheus is configured)."""

    def __init__(self, prometheus: PrometheusClient | None) -> None:
        self._prometheus = prometheus

    @activity.defn
    async def measure(self, request: MeasureRequest) -> Measurement:
        """Query once and say whether the metric's conditions hold."""
        at = to_timestamp(datetime.now(UTC))
        if self._prometheus is None:
            return Measurement(phase="error", message="no Prometheus is configured", at=at)
        if request.metric.judge.test:
            return await self._judge(request, at)
        try:
            samples = await self._prometheus.query(request.query)
        except PrometheusQueryError as error:
            return Measurement(phase="error", message=str(error), at=at)
        values = [sample.value for sample in samples]
        # NaN survives in the measurement (the condition may test isNaN); protobuf keeps it.
        shown = ", ".join("NaN" if math.isnan(v) else f"{v:g}" for v in values) or "no data"
        metric = request.metric
        try:
            phase = classify(metric.success_condition, metric.failure_condition, values)
        except (EvaluationError, ConditionError) as error:
            return Measurement(phase="error", values=values, message=str(error), at=at)
        return Measurement(phase=phase, values=values, message=f"{metric.name} = {shown}", at=at)

    async def _judge(self, request: MeasureRequest, at: Timestamp) -> Measurement:
        """Baseline against canary (``activities/prometheus/judge.py``); values: the score."""
        assert self._prometheus is not None
        metric = request.metric
        if not request.baseline_query:
            return Measurement(
                phase="error", message=f"{metric.name}: the judge has no baseline query", at=at
            )
        try:
            verdict = await judge_canary(
                self._prometheus, request.query, request.baseline_query, metric.judge
            )
        except (PrometheusQueryError, JudgeNoData) as error:
            return Measurement(phase="error", message=f"{metric.name}: {error}", at=at)
        return Measurement(
            phase=verdict.phase,
            values=[verdict.score],
            message=f"{metric.name}: {verdict.message}",
            at=at,
        )
