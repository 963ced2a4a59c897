"""A throwaway real PostgreSQL cluster per test session, and a fresh database per test.

The server binaries come from PATH or Debian's ``/usr/lib/postgresql/<version>/bin``; when
neither has them the tests that need PostgreSQL fail saying what to install (never skip).
PostgreSQL refuses to run as root, so under root the cluster belongs to the ``postgres``
system user: its directory is made under /tmp (pytest's own tmp tree is root's, mode 0700,
which that user cannot enter) and initdb, pg_ctl and the server run with that user's ids.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest

from kaizen.stack.processes import free_port

SERVER_BINARIES = ("initdb", "pg_ctl", "postgres")
DEBIAN_BINARIES = Path("/usr/lib/postgresql")
INSTALL_HINT = (
    "PostgreSQL's server binaries (initdb, pg_ctl, postgres) were found neither on PATH nor "
    "in /usr/lib/postgresql/*/bin: install them (Debian/Ubuntu: `apt-get install postgresql`) "
    "or put their directory on PATH"
)
USER = "kaizen"


def find_server_binaries() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres: PATH first, then the newest
    Debian version. PATH often has only symlinks (no ``postgres``), so they are resolved."""
    candidates: list[Path] = []
    on_path = shutil.which("initdb")
    if on_path:
        candidates += [Path(on_path).parent, Path(on_path).resolve().parent]
    versions = DEBIAN_BINARIES.glob("*/bin")
    candidates += sorted(versions, key=_version, reverse=True)
    for directory in candidates:
        if all(os.access(directory / name, os.X_OK) for name in SERVER_BINARIES):
            return directory
    return None


def _version(bin_dir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", bin_dir.parent.name))


@dataclass
class PostgresCluster:
    """One initdb'd cluster listening on a loopback port and a socket in its own directory."""

    bin_dir: Path
    base: Path
    port: int = 0

    @property
    def data_dir(self) -> Path:
        return self.base / "data"

    @property
    def log_path(self) -> Path:
        return self.base / "postgres.log"

    def _run(self, *command: str) -> None:
        # Under root, every step runs as the cluster's owner; the server inherits it.
        owner: dict[str, Any] = {}
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            owner = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        done = subprocess.run(
            [str(self.bin_dir / command[0]), *command[1:]],
            cwd=self.base, capture_output=True, text=True, timeout=120, check=False, **owner,
        )  # fmt: skip
        if done.returncode != 0:
            log = self.log_path.read_text() if self.log_path.exists() else ""
            raise RuntimeError(f"{command[0]} failed: {done.stderr or done.stdout}\n{log}")

    def start(self) -> None:
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self.port = free_port()
        self._run("initdb", "-D", str(self.data_dir), "-U", USER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync")  # fmt: skip
        # Loopback only, a socket directory of its own (not /var/run/postgresql), and no
        # durability: the cluster lives as long as the session.
        options = (
            f"-h 127.0.0.1 -p {self.port} -k {self.base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path), "-o", options,
                  "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://{USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A new empty database; its SQLAlchemy URL."""
        name = f"test_{uuid.uuid4().hex[:12]}"
        dsn = f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres"
        with psycopg.connect(dsn, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A real PostgreSQL for the session, stopped (and its directory removed) at the end."""
    bin_dir = find_server_binaries()
    if bin_dir is None:
        pytest.fail(INSTALL_HINT, pytrace=False)
    cluster = PostgresCluster(bin_dir, Path(tempfile.mkdtemp(prefix="kaizen-postgres-")))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.base, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres: PostgresCluster) -> str:
    """A SQLAlchemy URL (psycopg driver) of a database no other test uses."""
    return postgres.create_database()
