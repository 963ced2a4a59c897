"""The Mann-Whitney U test (Wilcoxon rank-sum) with the Hodges-Lehmann shift and its
confidence interval, as R's ``wilcox.test(x, y, conf.int = TRUE)`` gives them and Kayenta's
judge uses them. Pure Python: two series of a few dozen points need no numerical library.

- ``U`` counts the pairs where ``x`` is above ``y`` (ties count half);
- without ties and with both samples under 50 values, the p-value and the interval come
  from U's exact distribution (the coefficients of a Gaussian binomial, built in
  O(n·n·m)); otherwise from the normal approximation, corrected for ties and for
  continuity, as R does;
- the estimate is the median of all differences ``x_i - y_j``; the exact interval is
  R's pair of order statistics of those differences; the approximate one takes Moses'
  normal approximation of their rank (R finds it by root-finding; both bracket the same
  differences up to one step).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist, median
from typing import Final

EXACT_BELOW: Final = 50
"""R's rule: exact when both samples have fewer values than this and there are no ties."""


@dataclass(frozen=True)
class MannWhitneyResult:
    u: float
    """U of ``x``: pairs with x above y, ties counting half."""
    p_value: float
    """Two-sided."""
    lower: float
    upper: float
    """Confidence interval of the location shift ``x - y``."""
    estimate: float
    """Hodges-Lehmann estimate of the shift: the median of all differences."""
    exact: bool


def mann_whitney(x: Sequence[float], y: Sequence[float], confidence: float) -> MannWhitneyResult:
    """Test ``x`` against ``y``; both need at least one value."""
    n, m = len(x), len(y)
    if n == 0 or m == 0:
        raise ValueError("both samples need at least one value")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be between 0 and 1")
    ranks = _ranks([*x, *y])
    u = sum(ranks[:n]) - n * (n + 1) / 2
    diffs = sorted(a - b for a in x for b in y)
    alpha = 1 - confidence
    ties = Counter([*x, *y])
    exact = n < EXACT_BELOW and m < EXACT_BELOW and all(c == 1 for c in ties.values())
    if exact:
        p = _exact_cdf(round(u), n, m) if u <= n * m / 2 else 1 - _exact_cdf(round(u) - 1, n, m)
        p_value = min(2 * p, 1.0)
        k = max(_exact_quantile(alpha / 2, n, m), 1)
    else:
        n_all = n + m
        tie_term = sum(t**3 - t for t in ties.values()) / (n_all * (n_all - 1))
        sigma = math.sqrt(n * m / 12 * ((n_all + 1) - tie_term))
        z = u - n * m / 2
        if sigma == 0:
            p_value = 1.0
        else:
            z = (z - math.copysign(0.5, z) if z else 0.0) / sigma
            p_value = min(2 * NormalDist().cdf(-abs(z)), 1.0)
        quantile = NormalDist().inv_cdf(1 - alpha / 2)
        k = max(math.floor(n * m / 2 - quantile * sigma), 1)
    k = min(k, len(diffs))
    return MannWhitneyResult(
        u=u,
        p_value=p_value,
        lower=diffs[k - 1],
        upper=diffs[len(diffs) - k],
        estimate=median(diffs),
        exact=exact,
    )


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their mean rank."""
    order = sorted(range(len(values)), key=lambda i: values[i])
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for position in range(start, end + 1):
            ranks[order[position]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


@lru_cache(maxsize=64)
def _distribution(n: int, m: int) -> tuple[int, ...]:
    """How many of the C(n+m, n) orderings give each U from 0 to n·m: the coefficients of
    the Gaussian binomial prod_{i=1..n} (1 - q^(m+i)) / (1 - q^i)."""
    counts = [0] * (n * m + 1)
    counts[0] = 1
    for i in range(1, n + 1):
        for power in range(n * m, m + i - 1, -1):  # times (1 - q^(m+i))
            counts[power] -= counts[power - m - i]
        for power in range(i, n * m + 1):  # divided by (1 - q^i): a running sum with step i
            counts[power] += counts[power - i]
    return tuple(counts)


def _exact_cdf(u: int, n: int, m: int) -> float:
    """P(U <= u)."""
    if u < 0:
        return 0.0
    counts = _distribution(n, m)
    return sum(counts[: u + 1]) / math.comb(n + m, n)


def _exact_quantile(p: float, n: int, m: int) -> int:
    """The smallest u with P(U <= u) >= p (R's qwilcox)."""
    counts, total = _distribution(n, m), math.comb(n + m, n)
    running = 0
    for u, count in enumerate(counts):
        running += count
        if running / total >= p * (1 - 64 * 2.2e-16):  # R's fuzz against rounding
            return u
    return n * m
