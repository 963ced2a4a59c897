"""The CIAO view of a tournament (Current Individual vs Ancestral Opponents, Cliff and
Miller): every champion, by the generation that crowned it, against the adversaries of
every generation, from the outcomes the tournament kept (gasi_outcomes).

A champion is judged against the whole archive when it is hardened, and the forge judges
the newest past champions against what it forges, so the matrix fills in as the
tournament plays; a cell no champion-adversary pair ever met says so (met 0).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from api.gasi.hall_of_fame import tournament_arena
from kaizen.gasi.arena import UnknownArena, arena, outcome_key
from kaizen.persistence import gasi_hall_of_fame as hof
from kaizen.v1.gasi_pb2 import GasiCiao, GasiCiaoCell, GasiCiaoChampion, GasiCiaoColumn, GasiCiaoRow


def _outcomes(
    session: Session, key: str, candidates: Sequence[str], adversaries: Sequence[str]
) -> dict[tuple[str, str], bool]:
    entries = session.exec(
        select(hof.GasiOutcomeEntry).where(
            hof.GasiOutcomeEntry.arena == key,
            col(hof.GasiOutcomeEntry.candidate_id).in_(list(candidates)),
        )
    ).all()
    wanted = set(adversaries)
    return {(e.candidate_id, e.adversary_id): e.won for e in entries if e.adversary_id in wanted}


def ciao(engine: Engine, tournament: str) -> GasiCiao:
    """Champions (rows) by generation against adversaries grouped by the generation that
    forged them (columns): wins and meetings per cell."""
    with Session(engine) as session:
        name = tournament_arena(session, tournament)
        try:
            key = outcome_key(arena(name).describe())
        except UnknownArena:
            key = ""  # an arena no longer registered: its champions met nothing we can read
        champions = hof.champions(session, tournament)
        adversaries = hof.adversary_records(session, tournament)
        outcomes = _outcomes(
            session, key, [c.candidate.id for c in champions],
            [a.adversary.id for a in adversaries],
        )  # fmt: skip
    generation_of = {a.adversary.id: a.generation for a in adversaries}
    sizes = Counter(generation_of.values())
    columns = sorted(sizes)
    view = GasiCiao(
        tournament=tournament, arena=name,
        columns=[GasiCiaoColumn(generation=g, adversaries=sizes[g]) for g in columns],
    )  # fmt: skip
    for champion in champions:
        wins: Counter[int] = Counter()
        met: Counter[int] = Counter()
        for (candidate_id, adversary_id), won in outcomes.items():
            if candidate_id == champion.candidate.id:
                met[generation_of[adversary_id]] += 1
                wins[generation_of[adversary_id]] += won
        view.rows.append(
            GasiCiaoRow(
                champion=GasiCiaoChampion(
                    generation=champion.generation, candidate_id=champion.candidate.id,
                    summary=champion.candidate.summary,
                ),
                cells=[
                    GasiCiaoCell(wins=wins[g], met=met[g],
                                 win_rate=wins[g] / met[g] if met[g] else 0.0)
                    for g in columns
                ],
            )
        )  # fmt: skip
    return view
