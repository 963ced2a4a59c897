"""Red adversaries of the alert-rule arena: synthetic request and error counters.

A scenario is a small parameter set (its genome): steady or seasonal traffic, a
baseline error ratio with jitter, error episodes (steps, ramps, flapping),
scrape gaps, staleness and counter resets. It expands, minute by minute, into
the true traffic the oracle judges and the series ``promtool`` is fed (where a gap
is a missing sample: the truth was there, the scrape was not).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Any, Final

MINUTES: Final = 90
"""Every scenario is 90 minutes at one sample a minute (cost grows with steps)."""
NAMESPACE: Final = "shop"
SERVICE: Final = "checkout"


@dataclass(frozen=True)
class Episode:
    start: int
    """Minute the errors begin."""
    length: int
    ratio: float
    """Error ratio at full strength (added to the baseline)."""
    ramp: int = 0
    """Minutes to reach full strength (a slow burn ramps)."""
    on: int = 0
    """Flapping: minutes on, then ``off`` minutes off, repeated (0: steady)."""
    off: int = 0

    def strength(self, minute: int) -> float:
        offset = minute - self.start
        if offset < 0 or offset >= self.length:
            return 0.0
        if self.on > 0 and offset % (self.on + self.off) >= self.on:
            return 0.0
        if self.ramp > 0 and offset < self.ramp:
            return self.ratio * (offset + 1) / (self.ramp + 1)
        return self.ratio

    def as_dict(self) -> dict[str, Any]:
        return {
            "start": self.start, "length": self.length, "ratio": self.ratio,
            "ramp": self.ramp, "on": self.on, "off": self.off,
        }  # fmt: skip


@dataclass(frozen=True)
class Scenario:
    family: str
    rps: float
    """Mean requests per second."""
    baseline: float
    """Error ratio outside episodes."""
    jitter: float = 0.0
    """Per-minute multiplicative noise on the error ratio, 0..1."""
    season_amp: float = 0.0
    """Traffic swing as a fraction of ``rps`` (a sine)."""
    season_period: int = 60
    episodes: tuple[Episode, ...] = ()
    gaps: tuple[tuple[int, int], ...] = ()
    """(start, minutes) with no samples: the scrape failed, the traffic went on."""
    stale: tuple[tuple[int, int], ...] = ()
    """(start, minutes) the series went stale (a target vanished), then came back."""
    resets: tuple[int, ...] = ()
    """Minutes both counters restart from zero (a pod restarted)."""
    noise_seed: int = 0

    def as_genome(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "rps": self.rps,
            "baseline": self.baseline,
            "jitter": self.jitter,
            "season_amp": self.season_amp,
            "season_period": self.season_period,
            "episodes": [e.as_dict() for e in self.episodes],
            "gaps": [list(g) for g in self.gaps],
            "stale": [list(s) for s in self.stale],
            "resets": list(self.resets),
            "noise_seed": self.noise_seed,
        }

    @staticmethod
    def from_genome(genome: dict[str, Any]) -> Scenario:
        return Scenario(
            family=str(genome["family"]),
            rps=float(genome["rps"]),
            baseline=float(genome["baseline"]),
            jitter=float(genome.get("jitter", 0.0)),
            season_amp=float(genome.get("season_amp", 0.0)),
            season_period=int(genome.get("season_period", 60)),
            episodes=tuple(Episode(**e) for e in genome.get("episodes", [])),
            gaps=tuple((int(a), int(b)) for a, b in genome.get("gaps", [])),
            stale=tuple((int(a), int(b)) for a, b in genome.get("stale", [])),
            resets=tuple(int(m) for m in genome.get("resets", [])),
            noise_seed=int(genome.get("noise_seed", 0)),
        )

    def traffic(self) -> list[float]:
        """True requests in each minute 0..MINUTES."""
        return [
            max(
                0.0,
                self.rps
                * 60
                * (1 + self.season_amp * math.sin(2 * math.pi * m / max(self.season_period, 1))),
            )
            for m in range(MINUTES + 1)
        ]

    def error_ratio(self) -> list[float]:
        """True error ratio in each minute 0..MINUTES."""
        noise = random.Random(self.noise_seed)
        ratios = []
        for minute in range(MINUTES + 1):
            clean = self.baseline + sum(e.strength(minute) for e in self.episodes)
            wobble = 1 + self.jitter * (2 * noise.random() - 1)
            ratios.append(min(1.0, max(0.0, clean * wobble)))
        return ratios

    def series_values(self) -> tuple[str, str]:
        """The ok and error counters in promtool's series notation (one value a minute)."""
        traffic, ratios = self.traffic(), self.error_ratio()
        missing = {m for start, n in self.gaps for m in range(start, start + n)}
        stale_from = {start for start, _ in self.stale}
        missing |= {m for start, n in self.stale for m in range(start + 1, start + n)}
        resets = set(self.resets)
        ok_total = err_total = 0.0
        ok_values: list[str] = []
        err_values: list[str] = []
        for minute in range(MINUTES + 1):
            if minute in resets:
                ok_total = err_total = 0.0
            if minute > 0:
                errors = traffic[minute] * ratios[minute]
                ok_total += traffic[minute] - errors
                err_total += errors
            if minute in stale_from:
                ok_values.append("stale")
                err_values.append("stale")
            elif minute in missing:
                ok_values.append("_")
                err_values.append("_")
            else:
                ok_values.append(f"{ok_total:.3f}")
                err_values.append(f"{err_total:.3f}")
        return " ".join(ok_values), " ".join(err_values)

    def input_series(self) -> list[dict[str, str]]:
        ok, errors = self.series_values()
        labels = f'namespace="{NAMESPACE}",service="{SERVICE}"'
        return [
            {"series": f'http_requests_total{{code="200",{labels}}}', "values": ok},
            {"series": f'http_requests_total{{code="500",{labels}}}', "values": errors},
        ]

    def describe(self) -> str:
        parts = [f"{self.family}: {self.rps:g} req/s, baseline {self.baseline:.1%}"]
        for e in self.episodes:
            shape = f"flapping {e.on}m on/{e.off}m off" if e.on else (
                f"ramp {e.ramp}m" if e.ramp else "step")  # fmt: skip
            parts.append(f"{e.ratio:.1%} errors from {e.start}m for {e.length}m ({shape})")
        if self.jitter:
            parts.append(f"jitter ±{self.jitter:.0%}")
        if self.season_amp:
            parts.append(f"traffic ±{self.season_amp:.0%} over {self.season_period}m")
        if self.gaps:
            parts.append("gaps " + ", ".join(f"{s}m+{n}" for s, n in self.gaps))
        if self.stale:
            parts.append("stale " + ", ".join(f"{s}m+{n}" for s, n in self.stale))
        if self.resets:
            parts.append("counter resets at " + ", ".join(f"{m}m" for m in self.resets))
        return "; ".join(parts)
