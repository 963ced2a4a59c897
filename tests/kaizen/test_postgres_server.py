"""The PostgreSQL fixture itself: it finds the binaries or says what to install, runs the
server as the postgres user under root, and leaves nothing running when it stops."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from pathlib import Path

import psycopg
import pytest

from tests import postgres_server
from tests.postgres_server import PostgresCluster, find_server_binaries


def test_a_cluster_starts_serves_and_stops_without_a_trace() -> None:
    bin_dir = find_server_binaries()
    assert bin_dir is not None, postgres_server.INSTALL_HINT
    cluster = PostgresCluster(bin_dir, Path(tempfile.mkdtemp(prefix="kaizen-postgres-")))
    try:
        cluster.start()
        url = cluster.create_database()
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn) as connection:
            user = connection.execute("SELECT current_user").fetchone()
        assert user == (postgres_server.USER,)
        pid = int((cluster.data_dir / "postmaster.pid").read_text().split()[0])
        if os.geteuid() == 0:
            assert Path(f"/proc/{pid}").stat().st_uid == pwd.getpwnam("postgres").pw_uid
        assert (cluster.base / f".s.PGSQL.{cluster.port}").is_socket()  # not /var/run
    finally:
        cluster.stop()
    assert not (cluster.data_dir / "postmaster.pid").exists()
    assert not _alive(pid)
    shutil.rmtree(cluster.base)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status  # a zombie waiting for its reaper has stopped


def test_missing_binaries_are_reported_with_how_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres_server, "DEBIAN_BINARIES", tmp_path / "none")
    assert find_server_binaries() is None
    assert "apt-get install postgresql" in postgres_server.INSTALL_HINT


def test_the_newest_debian_version_is_preferred(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for version in ("9.6", "15", "13"):
        bin_dir = tmp_path / version / "bin"
        bin_dir.mkdir(parents=True)
        for name in postgres_server.SERVER_BINARIES:
            (bin_dir / name).touch(mode=0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.setattr(postgres_server, "DEBIAN_BINARIES", tmp_path)
    assert find_server_binaries() == tmp_path / "15" / "bin"
