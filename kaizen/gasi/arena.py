"""The arena plug-in interface, and the registry arenas are found in by name.

An arena says what a blue candidate and a red adversary are, judges a batch of
candidates against a batch of adversaries with a real engine (one engine call per
batch), forges adversaries aimed at a champion, and ships a fixed benchmark that
is never used for selection. Genomes are JSON; ids are content hashes.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, runtime_checkable

from kaizen.v1.gasi_pb2 import GasiAdversary, GasiCandidate, GasiScore


@dataclass(frozen=True)
class Outcome:
    """How one candidate fared against one adversary."""

    won: bool
    """The candidate handled the adversary as the oracle says it should."""
    metrics: Mapping[str, float] = field(default_factory=dict)
    """Arena-specific measures (e.g. ``detect_minutes``, ``false_alarm``)."""


# One row per candidate, one column per adversary, in the order given.
Matrix = list[list[Outcome]]

# A batched, budget-counted evaluation an arena's forge may call.
Judge = Callable[[Sequence[GasiCandidate], Sequence[GasiAdversary]], Awaitable[Matrix]]


@dataclass(frozen=True)
class ArenaDescription:
    name: str
    version: str
    engine: str
    """The engine that judges, with its pinned version."""
    blue: str
    red: str
    oracle: str
    """Where the adversaries' ground truth comes from, independent of every candidate."""


@dataclass(frozen=True)
class ExportedChampion:
    """The champion as a deployable file."""

    filename: str
    media_type: str
    content: str


@dataclass(frozen=True)
class Forged:
    adversaries: list[GasiAdversary]
    tried: int
    rejected_unfair: int


class Arena(Protocol):
    """A GASI arena. Everything but ``evaluate_batch`` and ``forge`` is pure and fast."""

    name: str

    def describe(self) -> ArenaDescription: ...

    def seed_champion(self) -> GasiCandidate:
        """The candidate a new tournament starts from (the repo's own rule, for alerts)."""
        ...

    def generate_candidates(
        self, champion: GasiCandidate, count: int, rng: random.Random
    ) -> list[GasiCandidate]:
        """``count`` new candidates: mutations of the champion and fresh ones."""
        ...

    def random_adversaries(self, count: int, rng: random.Random) -> list[GasiAdversary]:
        """``count`` fair adversaries drawn at random from the arena's families."""
        ...

    async def evaluate_batch(
        self, candidates: Sequence[GasiCandidate], adversaries: Sequence[GasiAdversary]
    ) -> Matrix:
        """Judge every candidate against every adversary in one engine call."""
        ...

    async def forge(
        self,
        champion: GasiCandidate,
        archive: Sequence[GasiAdversary],
        count: int,
        attempts: int,
        rng: random.Random,
        judge: Judge,
    ) -> Forged:
        """Up to ``count`` fair adversaries aimed at ``champion``, found by spending ``judge``."""
        ...

    def benchmark(self) -> list[GasiAdversary]:
        """The fixed, versioned held-out set: for reporting only."""
        ...

    def score(
        self,
        candidate: GasiCandidate,
        adversaries: Sequence[GasiAdversary],
        outcomes: Sequence[Outcome],
    ) -> GasiScore:
        """One candidate's outcomes (one per adversary) as a score with a lexicographic
        fitness."""
        ...

    def export(self, champion: GasiCandidate) -> ExportedChampion: ...


class InvalidAdversary(ValueError):
    """A proposed adversary the arena refuses: malformed, out of bounds, or unfair."""


@runtime_checkable
class TakesProposals(Protocol):
    """An arena that takes adversaries proposed from outside (the LLM forge): it says what
    an adversary's genome is, as a JSON schema, and judges each proposal by its own rules
    (its oracle included) before the tournament sees it."""

    def adversary_schema(self) -> dict[str, Any]:
        """The JSON schema of one adversary's genome (strict: every property required)."""
        ...

    def adversary_from_genome(self, genome: Mapping[str, Any]) -> GasiAdversary:
        """The adversary, labelled by the arena's oracle; InvalidAdversary says why not."""
        ...


class UnknownArena(KeyError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name

    def __str__(self) -> str:
        return f"unknown arena {self.name!r}; known: {', '.join(sorted(_ARENAS))}"


_ARENAS: dict[str, Callable[[], Arena]] = {}
_BUILT: dict[str, Arena] = {}


def register_arena(name: str, factory: Callable[[], Arena]) -> None:
    """Make an arena available by name (built lazily, once per process)."""
    _ARENAS[name] = factory
    _BUILT.pop(name, None)


def arena_names() -> list[str]:
    _register_builtins()
    return sorted(_ARENAS)


def arena(name: str) -> Arena:
    _register_builtins()
    if name not in _ARENAS:
        raise UnknownArena(name)
    if name not in _BUILT:
        _BUILT[name] = _ARENAS[name]()
    return _BUILT[name]


_BUILTINS_REGISTERED: list[bool] = []


def _register_builtins() -> None:
    if _BUILTINS_REGISTERED:
        return
    _BUILTINS_REGISTERED.append(True)
    from kaizen.gasi import builtin

    for name, factory in builtin.ARENAS.items():
        _ARENAS.setdefault(name, factory)


def content_id(prefix: str, genome: Mapping[str, Any]) -> str:
    """A stable id for a genome: the same JSON always has the same id."""
    canonical = json.dumps(genome, sort_keys=True, separators=(",", ":"))
    return f"{prefix}-{hashlib.sha256(canonical.encode()).hexdigest()[:16]}"


def genome_json(genome: Mapping[str, Any]) -> str:
    return json.dumps(genome, sort_keys=True, separators=(",", ":"))


def outcome_key(described: ArenaDescription) -> str:
    """The key kept outcomes are filed under: the arena and its version (a new version
    judges afresh)."""
    return f"{described.name}/{described.version}"


FITNESS_EPSILON: Final = 1e-9


def better(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether fitness ``a`` is strictly better than ``b`` (lexicographic)."""
    for x, y in zip(a, b, strict=False):
        if x > y + FITNESS_EPSILON:
            return True
        if x < y - FITNESS_EPSILON:
            return False
    return len(a) > len(b)
