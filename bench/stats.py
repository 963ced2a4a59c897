"""Percentiles and the median of repetitions, without numpy."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` in 0..1) of ``values``."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def p50(values: Sequence[float]) -> float:
    return percentile(values, 0.50)


def p99(values: Sequence[float]) -> float:
    return percentile(values, 0.99)


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))
