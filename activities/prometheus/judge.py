"""Baseline versus canary, judged as Kayenta's NetflixACAJudge judges a canary.

The judge's query runs over the last ``lookback`` twice: for the canary (``{{target}}``)
and for the baseline (the stable Deployment). Series are paired by their labels; each pair
is classified (NaNs dropped first, values compared at 9 significant digits so that the
float noise of two rates' arithmetic is not taken for a shift):

- **nodata** when either side has no values (left out of the score);
- **pass** when both sides hold the same values, or one value repeated;
- otherwise by a Mann-Whitney U test of canary against baseline at the judge's
  ``confidence`` (Kayenta: 0.98): **high** when the lower end of the shift's interval is
  above ``effect_fraction`` (Kayenta: 0.25) of the Hodges-Lehmann estimate's size and the
  direction counts increases, **low** likewise below, else **pass**.

The score is the share of classified pairs that pass, 0-100; at or above ``pass_score``
the measurement is successful, at or above ``marginal_score`` inconclusive, below it
failed (Kayenta's pass and marginal bands). No pair with data on both sides is an error,
as a condition with no data is.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from activities.prometheus.client import PrometheusClient, RangeSeries
from activities.prometheus.mann_whitney import mann_whitney
from kaizen.v1.promotion_pb2 import AnalysisJudge


class JudgeNoData(ValueError):
    """Neither a canary nor a baseline series to compare."""


@dataclass(frozen=True)
class Verdict:
    phase: str
    score: float
    message: str


def classify(canary: Sequence[float], baseline: Sequence[float], judge: AnalysisJudge) -> str:
    """pass, high, low or nodata for one pair of series."""
    canary = [float(f"{v:.9g}") for v in canary if not math.isnan(v)]
    baseline = [float(f"{v:.9g}") for v in baseline if not math.isnan(v)]
    if not canary or not baseline:
        return "nodata"
    if sorted(canary) == sorted(baseline) or len(set(canary) | set(baseline)) == 1:
        return "pass"
    result = mann_whitney(canary, baseline, judge.confidence)
    bound = judge.effect_fraction * abs(result.estimate)
    if judge.direction in ("increase", "either") and result.lower > bound:
        return "high"
    if judge.direction in ("decrease", "either") and result.upper < -bound:
        return "low"
    return "pass"


def score(classes: Sequence[str], judge: AnalysisJudge) -> Verdict:
    judged = [c for c in classes if c != "nodata"]
    if not judged:
        raise JudgeNoData("no data returned for canary and baseline alike")
    value = 100 * judged.count("pass") / len(judged)
    if value >= judge.pass_score:
        phase = "successful"
    elif value >= judge.marginal_score:
        phase = "inconclusive"
    else:
        phase = "failed"
    return Verdict(phase=phase, score=value, message="")


async def judge_canary(
    prometheus: PrometheusClient, query: str, baseline_query: str, judge: AnalysisJudge
) -> Verdict:
    """Fetch both sides over the lookback, classify every pair, score them."""
    end = time.time()
    start = end - judge.lookback_seconds
    step = max(judge.step_seconds, 1)
    canary = await prometheus.query_range(query, start=start, end=end, step_seconds=step)
    baseline = await prometheus.query_range(baseline_query, start=start, end=end, step_seconds=step)
    pairs = _paired(canary, baseline)
    classes = {key: classify(c, b, judge) for key, (c, b) in pairs.items()}
    verdict = score(list(classes.values()), judge)
    shown = ", ".join(f"{key or 'series'} {cls}" for key, cls in sorted(classes.items()))
    return Verdict(
        phase=verdict.phase,
        score=verdict.score,
        message=f"score {verdict.score:.0f} (pass >= {judge.pass_score:g}, marginal >= "
        f"{judge.marginal_score:g}): {shown}",
    )


def _paired(
    canary: list[RangeSeries], baseline: list[RangeSeries]
) -> dict[str, tuple[list[float], list[float]]]:
    """Label set -> (canary values, baseline values); a side without the series is empty."""
    pairs: dict[str, tuple[list[float], list[float]]] = {}
    for side, found in enumerate((canary, baseline)):
        for series in found:
            labels = {k: v for k, v in series.labels.items() if k != "__name__"}
            key = ",".join(f"{k}={labels[k]}" for k in sorted(labels))
            values = pairs.setdefault(key, ([], []))[side]
            values.extend(value for _, value in series.points)
    return pairs
