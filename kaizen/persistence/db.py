"""Engine creation and schema set-up."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

# Imported for their side effect: each module registers its tables on SQLModel.metadata.
from kaizen.persistence import (  # noqa: F401
    alert_deliveries,
    api_keys,
    auto_promotion,
    builds,
    change_windows,
    freezes,
    gasi_hall_of_fame,
    healing_modes,
    learning,
    policy_decisions,
    policy_fleet,
    policy_rollouts,
    policy_versions,
    promotion_outcomes,
    rca,
    releases,
    schedule_changes,
    scheduler,
    slack,
)
from kaizen.persistence.rca_full_text import create_index as create_full_text_index


def make_engine(url: str) -> Engine:
    """An engine whose schema exists; SQLite gets WAL so the API and workers share it."""
    if url.startswith("sqlite:///"):
        database = make_url(url).database
        if database and database != ":memory:":
            _create_private(Path(database))
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    SQLModel.metadata.create_all(engine)
    # The full-text index is per database (FTS5 or tsvector), beyond what SQLModel declares.
    with engine.begin() as connection:
        create_full_text_index(connection)
    return engine


def _create_private(path: Path) -> None:
    """Create the database file 0600 (its directory 0700) before SQLite opens it: it holds
    key hashes and every run's record, and SQLite gives the -wal and -shm files its mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.exists():
        # Never open and close a database SQLite may hold: closing any descriptor of the
        # file drops every POSIX lock this process has on it, and another process could
        # then delete the WAL under an engine already open here.
        return
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # another process made it between the check and here


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: nothing half-written."""
    with Session(engine) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
