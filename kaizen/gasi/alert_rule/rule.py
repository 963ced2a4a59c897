"""Blue candidates of the alert-rule arena: an alerting-rule genome compiled by templates.

A genome is a handful of knobs (the window, the threshold, how long it must hold,
an optional short window, a minimum-traffic guard), so every candidate compiles to
valid PromQL over the raw request counters and a person can read what it does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from typing import Any, Final

WINDOWS: Final = (2, 5, 10, 15, 20, 30)
FOR_MINUTES: Final = (0, 1, 2, 3, 5, 10, 15)
MIN_RPS: Final = (0.0, 0.1, 0.25, 0.5, 1.0, 2.0)
THRESHOLD_RANGE: Final = (0.005, 0.3)
ALERT_NAME: Final = "HighErrorRate"
ERRORS: Final = 'http_requests_total{code=~"5.."}'
REQUESTS: Final = "http_requests_total"
BY: Final = "namespace, service"


@dataclass(frozen=True)
class RuleGenome:
    window: int = 5
    """Minutes of the error-ratio rate window."""
    threshold: float = 0.05
    for_minutes: int = 5
    short_window: int = 0
    """Multiwindow: the ratio must also exceed the threshold over this shorter window (0: off)."""
    min_rps: float = 0.0
    """Guard: fire only with at least this much traffic (0: off)."""

    def as_genome(self) -> dict[str, Any]:
        return {
            "window": self.window, "threshold": self.threshold, "for_minutes": self.for_minutes,
            "short_window": self.short_window, "min_rps": self.min_rps,
        }  # fmt: skip

    @staticmethod
    def from_genome(genome: dict[str, Any]) -> RuleGenome:
        return RuleGenome(
            window=int(genome["window"]),
            threshold=float(genome["threshold"]),
            for_minutes=int(genome.get("for_minutes", 0)),
            short_window=int(genome.get("short_window", 0)),
            min_rps=float(genome.get("min_rps", 0.0)),
        )

    def expr(self) -> str:
        parts = [f"{_ratio(self.window)} > {self.threshold:g}"]
        if self.short_window:
            parts.append(f"{_ratio(self.short_window)} > {self.threshold:g}")
        if self.min_rps:
            parts.append(f"sum by ({BY}) (rate({REQUESTS}[{self.window}m])) > {self.min_rps:g}")
        return "\n  and\n".join(f"({p})" for p in parts) if len(parts) > 1 else parts[0]

    @property
    def for_(self) -> str:
        return f"{self.for_minutes}m"

    def complexity(self) -> int:
        return 1 + (1 if self.short_window else 0) + (1 if self.min_rps else 0)

    def summary(self) -> str:
        text = f"error ratio over {self.window}m > {self.threshold:.2%} for {self.for_minutes}m"
        if self.short_window:
            text += f", and over {self.short_window}m"
        if self.min_rps:
            text += f", with at least {self.min_rps:g} req/s"
        return text


def _ratio(window: int) -> str:
    return (
        f"sum by ({BY}) (rate({ERRORS}[{window}m]))\n  /\n"
        f"sum by ({BY}) (rate({REQUESTS}[{window}m]))"
    )


def _step(values: tuple[Any, ...], current: Any, rng: random.Random) -> Any:
    index = values.index(current) if current in values else 0
    index = min(len(values) - 1, max(0, index + rng.choice((-1, 1))))
    return values[index]


def _clamp_threshold(value: float) -> float:
    low, high = THRESHOLD_RANGE
    return round(min(high, max(low, value)), 4)


def mutate(genome: RuleGenome, rng: random.Random) -> RuleGenome:
    """One or two knob changes: small steps, so a champion's neighbourhood is searched."""
    mutated = genome
    for _ in range(rng.choice((1, 1, 2))):
        knob = rng.choice(("window", "threshold", "threshold", "for", "guard", "short"))
        if knob == "window":
            mutated = replace(mutated, window=_step(WINDOWS, mutated.window, rng))
        elif knob == "threshold":
            mutated = replace(
                mutated, threshold=_clamp_threshold(mutated.threshold * rng.uniform(0.6, 1.5))
            )
        elif knob == "for":
            mutated = replace(mutated, for_minutes=_step(FOR_MINUTES, mutated.for_minutes, rng))
        elif knob == "guard":
            mutated = replace(mutated, min_rps=_step(MIN_RPS, mutated.min_rps, rng))
        else:
            shorter = [w for w in WINDOWS if w < mutated.window]
            short = 0 if mutated.short_window or not shorter else rng.choice(shorter)
            mutated = replace(mutated, short_window=short)
    if mutated.short_window >= mutated.window:
        mutated = replace(mutated, short_window=0)
    return mutated


def fresh(rng: random.Random) -> RuleGenome:
    window = rng.choice(WINDOWS)
    shorter = [w for w in WINDOWS if w < window]
    return RuleGenome(
        window=window,
        threshold=_clamp_threshold(rng.uniform(0.01, 0.12)),
        for_minutes=rng.choice(FOR_MINUTES),
        short_window=rng.choice(shorter) if shorter and rng.random() < 0.3 else 0,
        min_rps=rng.choice(MIN_RPS),
    )


def prometheus_yaml(genome: RuleGenome, *, group: str = "kaizen-gasi", note: str = "") -> str:
    """The rule as a Prometheus rules file, ready to paste or load."""
    expr = "\n".join(f"          {line}" for line in genome.expr().splitlines())
    lines = [
        f"# {note}" if note else "# Tuned by a Kaizen GASI tournament.",
        "groups:",
        f"  - name: {group}",
        "    rules:",
        f"      - alert: {ALERT_NAME}",
        "        expr: |",
        expr,
        f"        for: {genome.for_}",
        "        labels:",
        "          severity: page",
        "        annotations:",
        f'          summary: "{{{{ $labels.service }}}} in {{{{ $labels.namespace }}}}: '
        f'{genome.summary()}"',
    ]
    return "\n".join(lines) + "\n"
