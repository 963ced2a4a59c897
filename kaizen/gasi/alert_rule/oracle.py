"""The oracle: a fixed SLO spec that labels a scenario from its true traffic alone.

It never looks at a candidate rule. A 99% availability SLO (an error budget of 1%)
pages when the budget burns at 5x or more over 30 minutes: at least 5% of the
requests of some 30-minute window failed, in a window with enough traffic to
mean something. Noise is a scenario whose every such window stays at or below
2.5%. Anything between is too close to the boundary to be fair and is refused,
so no adversary asks the impossible (the disengagement cure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from kaizen.gasi.alert_rule.scenario import MINUTES, Scenario

VERSION: Final = "slo-99-burn5x-30m/v1"
WINDOW_MINUTES: Final = 30
PAGE_RATIO: Final = 0.05
"""Error ratio over a window that must page (a 5x burn of a 1% budget)."""
QUIET_RATIO: Final = 0.025
"""Noise stays at or below this over every window (the fairness margin is between)."""
MIN_WINDOW_REQUESTS: Final = 900.0
"""A window with fewer requests (0.5 req/s) is too quiet to judge: neither page nor noise."""
DEADLINE_MINUTES: Final = 15
"""An incident must alert within this long after the oracle would page."""
ONSET_RATIO: Final = 0.02
"""An incident's onset: the first minute of its paging window at or above this ratio."""


@dataclass(frozen=True)
class Verdict:
    fair: bool
    positive: bool
    reason: str
    onset: int = 0
    """Incidents: the minute firing starts to count as detection (before it: a false alarm)."""
    page_at: int = 0
    """Incidents: the minute the oracle pages."""
    deadline: int = 0
    """Incidents: the last minute a firing still counts as in time."""


def judge(scenario: Scenario) -> Verdict:
    traffic, ratios = scenario.traffic(), scenario.error_ratio()
    errors = [t * r for t, r in zip(traffic, ratios, strict=True)]
    # Minutes before the scenario ran at its baseline: pad the windows with it.
    pad_traffic = scenario.rps * 60
    pad_errors = pad_traffic * scenario.baseline
    worst = 0.0
    page_at = -1
    quiet_windows = 0
    for minute in range(1, MINUTES + 1):
        first = minute - WINDOW_MINUTES + 1
        inside = range(max(first, 1), minute + 1)
        padded = max(0, 1 - first)
        volume = sum(traffic[m] for m in inside) + padded * pad_traffic
        if volume < MIN_WINDOW_REQUESTS:
            quiet_windows += 1
            continue
        ratio = (sum(errors[m] for m in inside) + padded * pad_errors) / volume
        worst = max(worst, ratio)
        if page_at < 0 and ratio >= PAGE_RATIO:
            page_at = minute
    if page_at >= 0:
        deadline = page_at + DEADLINE_MINUTES
        if deadline > MINUTES:
            return Verdict(False, True, f"pages at {page_at}m: too late to be detected in time")
        start = max(1, page_at - WINDOW_MINUTES + 1)
        onset = next((m for m in range(start, page_at + 1) if ratios[m] >= ONSET_RATIO), start)
        return Verdict(
            True, True, f"incident: pages at {page_at}m", onset=onset, page_at=page_at,
            deadline=deadline,
        )  # fmt: skip
    judged = f"worst 30m window {worst:.2%}" if quiet_windows < MINUTES else "too little traffic"
    if quiet_windows and quiet_windows < MINUTES:
        judged += f"; {quiet_windows} windows under {MIN_WINDOW_REQUESTS:.0f} requests unjudged"
    if worst <= QUIET_RATIO:
        return Verdict(True, False, f"noise: {judged}")
    return Verdict(False, False, f"borderline: {judged}")
