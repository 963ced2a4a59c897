"""Reading a tournament's hall of fame for the API (a tournament is a GASI run's id)."""

from __future__ import annotations

from fastapi import HTTPException, status
from sqlalchemy.engine import Engine
from sqlmodel import Session

from kaizen.gasi.arena import ExportedChampion, UnknownArena, arena
from kaizen.persistence import gasi_hall_of_fame as hof
from kaizen.v1.gasi_pb2 import GasiChampion, GasiHallOfFame, GasiProgressPoint


def tournament_arena(session: Session, tournament: str) -> str:
    """The tournament's arena; 404 when the hall of fame has no such tournament."""
    name = hof.tournament_arena(session, tournament)
    if name is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"no GASI tournament {tournament} in the hall of fame (has it opened yet?)",
        )
    return name


def hall_of_fame(engine: Engine, tournament: str) -> GasiHallOfFame:
    with Session(engine) as session:
        return GasiHallOfFame(
            tournament=tournament,
            arena=tournament_arena(session, tournament),
            champions=hof.champions(session, tournament),
            adversaries=hof.adversary_records(session, tournament),
        )


def progress(engine: Engine, tournament: str) -> tuple[str, list[GasiProgressPoint]]:
    with Session(engine) as session:
        return tournament_arena(session, tournament), hof.progress(session, tournament)


def champion(engine: Engine, tournament: str) -> tuple[GasiChampion, ExportedChampion]:
    """The reigning champion of the hall of fame, as its arena exports it."""
    with Session(engine) as session:
        name = tournament_arena(session, tournament)
        latest = hof.latest_champion(session, tournament)
    assert latest is not None  # the arena is read from a champion row
    try:
        played = arena(name)
    except UnknownArena as unknown:
        raise HTTPException(status.HTTP_409_CONFLICT, str(unknown)) from None
    return latest, played.export(latest.candidate)
