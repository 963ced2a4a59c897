"""Analysis with Argo Rollouts' semantics: measurements, limits, the run's verdict.

A metric takes measurements every ``interval`` (once when there is none) until it
has ``count`` of them (until stopped, for a background metric with no count). Each
measurement is successful, failed, inconclusive or an error (see
``activities/prometheus/conditions.py``; a metric with a judge is measured by its
baseline-versus-canary score instead, ``activities/prometheus/judge.py``). The metric is
then assessed, in this order:

- failed when failed measurements exceed ``failure_limit`` (default 0: the first
  failure fails it; ``-1`` never fails);
- inconclusive when inconclusive measurements exceed ``inconclusive_limit`` (default 0);
- error when errors in a row exceed ``consecutive_error_limit`` (default 4: the fifth
  error in a row); any other measurement resets the streak;
- successful once ``count`` measurements were taken, otherwise still running.

After an error the next measurement comes after ``min(interval, 10 s)`` (Argo retries
errors after 10 s; a faster metric retries at its own pace). The run takes the worst
phase of its metrics: successful < running < inconclusive < error < failed, and ends as
soon as one metric failed or erred. Kaizen acts on the verdict differently from Argo in
one way: ``error`` (the metrics source is down or has no data) parks the rollout and
asks a person; it never rolls back a build nobody judged bad.

Deterministic workflow code: timers and activities only.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Final

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.prometheus.analysis import AnalysisActivities
    from kaizen.v1.promotion_pb2 import (
        AnalysisMetric,
        AnalysisRun,
        Measurement,
        MeasureRequest,
        MetricResult,
    )
    from workflows.gates.ledger import RunLedger
    from workflows.gates.presets import VERIFY_CHECK

MEASUREMENTS_KEPT: Final = 10
ERROR_RETRY: Final = timedelta(seconds=10)
SEVERITY: Final = {"successful": 0, "running": 1, "inconclusive": 2, "error": 3, "failed": 4}


def effective_count(metric: AnalysisMetric) -> int | None:
    """Measurements a metric takes; None: until its analysis is stopped."""
    if metric.interval_seconds <= 0:
        return 1
    return metric.count or None


def assess(metric: AnalysisMetric, result: MetricResult) -> tuple[str, str]:
    """The metric's phase and why, from its counts (Argo Rollouts' order of checks)."""
    if metric.failure_limit >= 0 and result.failed > metric.failure_limit:
        return "failed", (
            f"{metric.name}: failed ({result.failed}) > failure_limit ({metric.failure_limit})"
        )
    if result.inconclusive > metric.inconclusive_limit:
        return "inconclusive", (
            f"{metric.name}: inconclusive ({result.inconclusive}) > "
            f"inconclusive_limit ({metric.inconclusive_limit})"
        )
    if result.consecutive_errors > metric.consecutive_error_limit:
        return "error", (
            f"{metric.name}: consecutive errors ({result.consecutive_errors}) > "
            f"consecutive_error_limit ({metric.consecutive_error_limit}); last: "
            f"{result.measurements[-1].message if result.measurements else ''}"
        )
    wanted = effective_count(metric)
    if wanted is not None and result.successful + result.failed + result.inconclusive >= wanted:
        return "successful", f"{metric.name}: {result.successful} of {wanted} measurements passed"
    return "running", ""


def record(result: MetricResult, measurement: Measurement) -> None:
    """Count one measurement into ``result`` (keeping the newest ten)."""
    result.taken += 1
    if measurement.phase == "error":
        result.errors += 1
        result.consecutive_errors += 1
    else:
        result.consecutive_errors = 0
        if measurement.phase == "successful":
            result.successful += 1
        elif measurement.phase == "failed":
            result.failed += 1
        else:
            result.inconclusive += 1
    result.measurements.append(measurement)
    if len(result.measurements) > MEASUREMENTS_KEPT:
        del result.measurements[0]


def worst(phases: list[str]) -> str:
    return max(phases, key=lambda p: SEVERITY[p]) if phases else "successful"


def as_baseline(query: str) -> str:
    """The query about the stable Deployment instead of ``{{target}}`` (a judge's baseline)."""
    return query.replace("{{target}}", "{{stable}}").replace("{{ target }}", "{{ stable }}")


class _Tracker:
    def __init__(self, metric: AnalysisMetric, render: Callable[[str], str]) -> None:
        self.metric = metric
        self.result = MetricResult(name=metric.name, phase="running", query=render(metric.query))
        self.next_at = workflow.now() + timedelta(seconds=metric.initial_delay_seconds)
        # Only a metric declared with a judge has a baseline query; none could be before
        # judges existed, so recorded histories replay the same commands (no patch needed:
        # this fills an activity's input, it adds no command).
        self.baseline_query = render(as_baseline(metric.query)) if metric.judge.test else ""

    def due(self) -> bool:
        return self.result.phase == "running" and workflow.now() >= self.next_at

    async def measure(self) -> None:
        measurement: Measurement = await workflow.execute_activity_method(
            AnalysisActivities.measure,
            MeasureRequest(
                metric=self.metric, query=self.result.query, baseline_query=self.baseline_query
            ),
            **VERIFY_CHECK,
        )
        record(self.result, measurement)
        self.result.phase, self.result.message = assess(self.metric, self.result)
        interval = timedelta(seconds=self.metric.interval_seconds)
        if measurement.phase == "error":
            interval = min(interval, ERROR_RETRY) if interval > timedelta(0) else ERROR_RETRY
        self.next_at = workflow.now() + interval


async def run_analysis(
    ledger: RunLedger,
    metrics: list[AnalysisMetric],
    render: Callable[[str], str],
    *,
    kind: str,
    step_index: int,
    stop: Callable[[], bool],
) -> AnalysisRun:
    """Measure ``metrics`` until each is decided, one fails or errs, or ``stop()`` holds.

    Stopped early, metrics still running count as successful unless a limit was already
    broken (as Argo ends background analysis when the rollout ends).
    """
    trackers = [_Tracker(metric, render) for metric in metrics]
    names = ", ".join(m.name for m in metrics)
    ledger.record(
        "analysis.started", f"{kind} analysis of {names}", {"kind": kind, "step": step_index}
    )
    while True:
        due = [t for t in trackers if t.due()]
        if due:
            await asyncio.gather(*(t.measure() for t in due))
        phases = [t.result.phase for t in trackers]
        if all(p != "running" for p in phases) or any(p in ("failed", "error") for p in phases):
            break
        if stop():
            for tracker in trackers:
                if tracker.result.phase == "running":
                    tracker.result.phase = "successful"
                    tracker.result.message = f"{tracker.metric.name}: stopped with the rollout"
            break
        running = [t for t in trackers if t.result.phase == "running"]
        wait = min(t.next_at for t in running) - workflow.now()
        if wait > timedelta(0):
            try:
                await workflow.wait_condition(stop, timeout=wait)
            except TimeoutError:
                pass
    run = AnalysisRun(kind=kind, step_index=step_index, metrics=[t.result for t in trackers])
    run.phase = worst([t.result.phase for t in trackers])
    run.message = "; ".join(t.result.message for t in trackers if t.result.message)
    ledger.record(
        f"analysis.{run.phase}",
        f"{kind} analysis {run.phase}: {run.message}",
        {"kind": kind, "step": step_index,
         "metrics": {t.metric.name: t.result.phase for t in trackers}},
    )  # fmt: skip
    return run
