"""The GASI hall of fame: champions with lineage and scores, the adversary archive with
difficulty, and one progress row per generation, kept per tournament across runs.

A tournament is a GASI run's workflow id: every run of it (continued as new, restarted,
scheduled) reads and extends the same hall of fame. Each generation is written once:
a retried write finds its progress row and changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from google.protobuf.json_format import MessageToJson, Parse
from google.protobuf.timestamp_pb2 import Timestamp
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from kaizen.v1.gasi_pb2 import (
    GasiAdversary,
    GasiCandidate,
    GasiChampion,
    GasiHallOfFameAdversary,
    GasiHallOfFameChampion,
    GasiProgressPoint,
    GasiScore,
)


def _now() -> datetime:
    return datetime.now(UTC)


class GasiChampionEntry(SQLModel, table=True):
    __tablename__ = "gasi_champions"
    __table_args__ = (UniqueConstraint("tournament", "generation", name="uq_gasi_champion_gen"),)

    id: int | None = Field(default=None, primary_key=True)
    tournament: str = Field(index=True)
    arena: str
    generation: int
    candidate_id: str = Field(index=True)
    parent_id: str = ""
    origin: str = ""
    genome_json: str
    summary: str
    current_json: str = "{}"
    past_json: str = "{}"
    benchmark_json: str = "{}"
    benchmark_score: float = 0.0
    defeated_json: str = "[]"
    run_id: str = ""
    crowned_at: datetime = Field(default_factory=_now)


class GasiAdversaryEntry(SQLModel, table=True):
    __tablename__ = "gasi_adversaries"
    __table_args__ = (UniqueConstraint("tournament", "adversary_id", name="uq_gasi_adversary"),)

    id: int | None = Field(default=None, primary_key=True)
    tournament: str = Field(index=True)
    adversary_id: str
    genome_json: str
    family: str
    positive: bool
    summary: str
    origin: str
    cell: str = ""
    generation: int = 0
    beats: int = 0
    """Champions (past ones and the seed) this adversary beat, of the ``faced`` it met."""
    faced: int = 0


class GasiProgressEntry(SQLModel, table=True):
    __tablename__ = "gasi_progress"
    __table_args__ = (UniqueConstraint("tournament", "generation", name="uq_gasi_progress_gen"),)

    id: int | None = Field(default=None, primary_key=True)
    tournament: str = Field(index=True)
    generation: int
    champion_id: str
    crowned: bool
    benchmark_score: float
    past_score: float
    current_score: float
    adversary_difficulty: float
    evaluations_spent: int
    forged: int = 0
    forged_beat_champion: int = 0
    run_id: str = ""
    at: datetime = Field(default_factory=_now)


def _score(raw: str) -> GasiScore:
    return Parse(raw, GasiScore())


def _json(score: GasiScore) -> str:
    return MessageToJson(score, preserving_proto_field_name=True, indent=None)


def _timestamp(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at if at.tzinfo else at.replace(tzinfo=UTC))
    return stamp


def as_adversary(entry: GasiAdversaryEntry) -> GasiAdversary:
    return GasiAdversary(
        id=entry.adversary_id, genome_json=entry.genome_json, family=entry.family,
        positive=entry.positive, summary=entry.summary, origin=entry.origin, cell=entry.cell,
    )  # fmt: skip


def add_adversaries(
    session: Session,
    tournament: str,
    adversaries: Sequence[GasiAdversary],
    generation: int,
    difficulty: dict[str, tuple[int, int]] | None = None,
) -> int:
    """Archive new adversaries (ones already archived are left as they are); how many were new.
    ``difficulty`` gives (beats, faced) against past champions, by id."""
    known = set(
        session.exec(
            select(GasiAdversaryEntry.adversary_id).where(
                GasiAdversaryEntry.tournament == tournament,
                col(GasiAdversaryEntry.adversary_id).in_([a.id for a in adversaries]),
            )
        ).all()
    )
    added = 0
    for a in adversaries:
        if a.id in known:
            continue
        known.add(a.id)
        beats, faced = (difficulty or {}).get(a.id, (0, 0))
        session.add(
            GasiAdversaryEntry(
                tournament=tournament, adversary_id=a.id, genome_json=a.genome_json,
                family=a.family, positive=a.positive, summary=a.summary, origin=a.origin,
                cell=a.cell, generation=generation, beats=beats, faced=faced,
            )
        )  # fmt: skip
        added += 1
    return added


def archived(
    session: Session, tournament: str, ids: Sequence[str] | None = None
) -> list[GasiAdversary]:
    """Archived adversaries (all, or those of ``ids`` in that order), oldest first."""
    query = select(GasiAdversaryEntry).where(GasiAdversaryEntry.tournament == tournament)
    if ids is not None:
        query = query.where(col(GasiAdversaryEntry.adversary_id).in_(list(ids)))
    entries = session.exec(query.order_by(col(GasiAdversaryEntry.id))).all()
    found = {e.adversary_id: as_adversary(e) for e in entries}
    if ids is None:
        return list(found.values())
    return [found[i] for i in ids if i in found]


def archive_size(session: Session, tournament: str) -> int:
    return len(
        session.exec(
            select(GasiAdversaryEntry.id).where(GasiAdversaryEntry.tournament == tournament)
        ).all()
    )


def generation_recorded(session: Session, tournament: str, generation: int) -> bool:
    return (
        session.exec(
            select(GasiProgressEntry.id).where(
                GasiProgressEntry.tournament == tournament,
                GasiProgressEntry.generation == generation,
            )
        ).first()
        is not None
    )


def record_champion(
    session: Session, tournament: str, arena: str, champion: GasiChampion, run_id: str
) -> None:
    """A newly crowned champion (or the seed, generation 0), with what it defeated."""
    exists = session.exec(
        select(GasiChampionEntry.id).where(
            GasiChampionEntry.tournament == tournament,
            GasiChampionEntry.generation == champion.generation,
        )
    ).first()
    if exists is not None:
        return
    c = champion.candidate
    met = archived(session, tournament)
    lost = set(champion.past.lost_to)
    session.add(
        GasiChampionEntry(
            tournament=tournament, arena=arena, generation=champion.generation,
            candidate_id=c.id, parent_id=c.parent_id, origin=c.origin,
            genome_json=c.genome_json, summary=c.summary,
            current_json=_json(champion.current), past_json=_json(champion.past),
            benchmark_json=_json(champion.benchmark),
            benchmark_score=champion.benchmark.score,
            defeated_json=json.dumps([a.id for a in met if a.id not in lost]), run_id=run_id,
        )
    )  # fmt: skip


def count_difficulty(
    session: Session, tournament: str, faced: Sequence[str], beat: set[str]
) -> None:
    """A new champion met ``faced``; those in ``beat`` beat it."""
    entries = session.exec(
        select(GasiAdversaryEntry).where(
            GasiAdversaryEntry.tournament == tournament,
            col(GasiAdversaryEntry.adversary_id).in_(list(faced)),
        )
    ).all()
    for entry in entries:
        entry.faced += 1
        entry.beats += 1 if entry.adversary_id in beat else 0
        session.add(entry)


def record_progress(session: Session, entry: GasiProgressEntry) -> None:
    session.add(entry)


def latest_champion(session: Session, tournament: str) -> GasiChampion | None:
    entry = session.exec(
        select(GasiChampionEntry)
        .where(GasiChampionEntry.tournament == tournament)
        .order_by(col(GasiChampionEntry.generation).desc())
    ).first()
    return None if entry is None else _champion(entry)


def last_generation(session: Session, tournament: str) -> int:
    entry = session.exec(
        select(GasiProgressEntry.generation)
        .where(GasiProgressEntry.tournament == tournament)
        .order_by(col(GasiProgressEntry.generation).desc())
    ).first()
    return int(entry) if entry is not None else 0


def _champion(entry: GasiChampionEntry) -> GasiChampion:
    return GasiChampion(
        candidate=GasiCandidate(
            id=entry.candidate_id, genome_json=entry.genome_json, parent_id=entry.parent_id,
            summary=entry.summary, origin=entry.origin,
        ),
        generation=entry.generation, current=_score(entry.current_json),
        past=_score(entry.past_json), benchmark=_score(entry.benchmark_json),
    )  # fmt: skip


def champions(session: Session, tournament: str) -> list[GasiHallOfFameChampion]:
    entries = session.exec(
        select(GasiChampionEntry)
        .where(GasiChampionEntry.tournament == tournament)
        .order_by(col(GasiChampionEntry.generation))
    ).all()
    shown = []
    for entry in entries:
        champion = _champion(entry)
        shown.append(
            GasiHallOfFameChampion(
                candidate=champion.candidate, generation=entry.generation,
                current=champion.current, past=champion.past, benchmark=champion.benchmark,
                crowned_at=_timestamp(entry.crowned_at), run_id=entry.run_id,
                defeated=json.loads(entry.defeated_json), lost_to=list(champion.past.lost_to),
            )
        )  # fmt: skip
    return shown


def champion_genomes(session: Session, tournament: str, limit: int) -> list[GasiCandidate]:
    """The latest ``limit`` champions (distinct), newest first."""
    entries = session.exec(
        select(GasiChampionEntry)
        .where(GasiChampionEntry.tournament == tournament)
        .order_by(col(GasiChampionEntry.generation).desc())
    ).all()
    distinct: dict[str, GasiCandidate] = {}
    for entry in entries:
        if len(distinct) >= limit:
            break
        distinct.setdefault(entry.candidate_id, _champion(entry).candidate)
    return list(distinct.values())


def adversary_records(session: Session, tournament: str) -> list[GasiHallOfFameAdversary]:
    entries = session.exec(
        select(GasiAdversaryEntry)
        .where(GasiAdversaryEntry.tournament == tournament)
        .order_by(col(GasiAdversaryEntry.id))
    ).all()
    return [
        GasiHallOfFameAdversary(
            adversary=as_adversary(e), generation=e.generation, beats=e.beats, faced=e.faced,
            difficulty=e.beats / e.faced if e.faced else 0.0,
        )
        for e in entries
    ]  # fmt: skip


def progress(session: Session, tournament: str) -> list[GasiProgressPoint]:
    entries = session.exec(
        select(GasiProgressEntry)
        .where(GasiProgressEntry.tournament == tournament)
        .order_by(col(GasiProgressEntry.generation))
    ).all()
    return [
        GasiProgressPoint(
            generation=e.generation, champion_id=e.champion_id, crowned=e.crowned,
            benchmark_score=e.benchmark_score, past_score=e.past_score,
            current_score=e.current_score, adversary_difficulty=e.adversary_difficulty,
            evaluations_spent=e.evaluations_spent,
            score_per_kiloevaluation=(
                e.benchmark_score * 1000 / e.evaluations_spent if e.evaluations_spent else 0.0
            ),
            at=_timestamp(e.at), run_id=e.run_id, forged=e.forged,
            forged_beat_champion=e.forged_beat_champion,
        )
        for e in entries
    ]  # fmt: skip


def tournament_arena(session: Session, tournament: str) -> str | None:
    entry = session.exec(
        select(GasiChampionEntry.arena).where(GasiChampionEntry.tournament == tournament)
    ).first()
    return None if entry is None else str(entry)


class GasiOutcomeEntry(SQLModel, table=True):
    """How a champion fared against an adversary. Engines are deterministic, so a champion
    is never judged twice against the same adversary (and this is its CIAO matrix)."""

    __tablename__ = "gasi_outcomes"
    __table_args__ = (
        UniqueConstraint("arena", "candidate_id", "adversary_id", name="uq_gasi_outcome"),
    )

    id: int | None = Field(default=None, primary_key=True)
    arena: str = Field(index=True)
    """The arena and its version: a new version judges afresh."""
    candidate_id: str = Field(index=True)
    adversary_id: str
    won: bool
    metrics_json: str = "{}"


def remembered(
    session: Session, arena: str, candidate_ids: Sequence[str], adversary_ids: Sequence[str]
) -> dict[tuple[str, str], tuple[bool, dict[str, float]]]:
    """Known outcomes of these candidates against these adversaries."""
    if not candidate_ids or not adversary_ids:
        return {}
    entries = session.exec(
        select(GasiOutcomeEntry).where(
            GasiOutcomeEntry.arena == arena,
            col(GasiOutcomeEntry.candidate_id).in_(list(candidate_ids)),
            col(GasiOutcomeEntry.adversary_id).in_(list(adversary_ids)),
        )
    ).all()
    return {(e.candidate_id, e.adversary_id): (e.won, json.loads(e.metrics_json)) for e in entries}


def remember(
    session: Session,
    arena: str,
    outcomes: dict[tuple[str, str], tuple[bool, dict[str, float]]],
) -> None:
    """Keep outcomes not kept yet (a retried write adds nothing)."""
    if not outcomes:
        return
    candidates = sorted({c for c, _ in outcomes})
    known = remembered(session, arena, candidates, sorted({a for _, a in outcomes}))
    for (candidate_id, adversary_id), (won, metrics) in outcomes.items():
        if (candidate_id, adversary_id) not in known:
            session.add(
                GasiOutcomeEntry(
                    arena=arena, candidate_id=candidate_id, adversary_id=adversary_id, won=won,
                    metrics_json=json.dumps(metrics, sort_keys=True),
                )
            )  # fmt: skip
