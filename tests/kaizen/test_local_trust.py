"""The local trust boundary: OPA answers only Kaizen's token, KAIZEN_HOME is its user's alone.

Another local user can reach every loopback port and read every command line, but holds
no token and cannot enter a 0700 directory.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import httpx
import pytest

from activities.opa.client import PolicyClient
from api.app import create_app
from kaizen.persistence.db import make_engine
from kaizen.settings import Settings
from kaizen.stack.home import ensure_opa_token
from kaizen.stack.processes import ManagedProcess
from tests.kaizen.test_up import stack_env, stop
from tests.servers import SessionServers
from tests.stack_process import kaizen, processes_mentioning, read_until

VOTE = {
    "approver": "bob",
    "approver_roles": ["approver"],
    "requested_by": "alice",
    "source": "api",
    "run": {"service": "web", "namespace": "demo", "risk": "medium"},
}


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The usual 022: whatever a file is created with, the umask does not hide it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ---------------------------------------------------------------- OPA's API


def test_opa_refuses_every_request_without_the_token(servers: SessionServers) -> None:
    scratch = f"/v1/data/kaizen_trust_test/{uuid.uuid4().hex}"
    with httpx.Client(base_url=servers.opa_url) as opa:
        for headers in ({}, bearer("guessed"), {"Authorization": "Basic a2FpemVuOg=="}):
            refused = {
                "data write": opa.put(scratch, json={"mode": "autonomous"}, headers=headers),
                "modes rewrite": opa.put(
                    "/v1/data/kaizen/healing_modes",
                    json={"demo/web": "autonomous"},
                    headers=headers,
                ),  # fmt: skip
                "decision": opa.post(
                    "/v1/data/kaizen/approval/decision", json={"input": VOTE}, headers=headers
                ),
                "data read": opa.get("/v1/data", headers=headers),
                "policy write": opa.put(
                    "/v1/policies/evil", content="package evil\n", headers=headers
                ),
                "ad-hoc query": opa.post("/v1/query", json={"query": "x := 1"}, headers=headers),
            }
            for what, reply in refused.items():
                assert reply.status_code == 401, f"{what} with {headers}: {reply.status_code}"

        # Readiness probes carry no token.
        assert opa.get("/health").status_code == 200
        assert opa.get("/health?bundles=true").status_code == 200

        token = bearer(servers.opa_token)
        assert opa.put(scratch, json={"mode": "autonomous"}, headers=token).status_code == 204
        assert opa.get(scratch, headers=token).json()["result"] == {"mode": "autonomous"}
        assert opa.delete(scratch, headers=token).status_code == 204
        decision = opa.post(
            "/v1/data/kaizen/approval/decision", json={"input": VOTE}, headers=token
        )
        assert decision.json()["result"]["allowed"] is True


def test_the_token_is_not_on_opas_command_line(servers: SessionServers) -> None:
    # Every local user may read every process's command line; the environment is private.
    cmdline = Path(f"/proc/{servers.opa.process.pid}/cmdline").read_bytes()
    assert b"--authorization=basic" in cmdline
    assert servers.opa_token.encode() not in cmdline
    environ = Path(f"/proc/{servers.opa.process.pid}/environ").read_bytes()
    assert f"KAIZEN_OPA_TOKEN={servers.opa_token}".encode() in environ.split(b"\0")


async def test_policy_client_sends_the_token(settings: Settings) -> None:
    assert settings.opa_token
    with_token = PolicyClient(settings.opa_base_url, token=settings.opa_token)
    without = PolicyClient(settings.opa_base_url)
    try:
        answer = await with_token.decide("kaizen/approval", "decision", VOTE)
        assert answer.result["allowed"] is True and answer.decision_id
        with pytest.raises(aiohttp.ClientResponseError) as refused:
            await without.decide("kaizen/approval", "decision", VOTE)
        assert refused.value.status == 401
        with pytest.raises(Exception, match="unauthorized"):
            await without.put_data("kaizen/healing_modes", {"demo/web": "autonomous"})
    finally:
        await with_token.close()
        await without.close()


async def test_readiness_fails_on_a_token_opa_refuses(settings: Settings) -> None:
    for token, expected in ((settings.opa_token, "ok"), ("wrong", "error: OPA answered 401")):
        app = create_app(settings.model_copy(update={"opa_token": token}))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://kaizen") as http:
                reply = await http.get("/readyz")
        assert reply.json()["checks"]["opa"] == expected, reply.text
        assert reply.status_code == (200 if expected == "ok" else 503)


# ---------------------------------------------------------------- files


def test_sqlite_database_is_private_whatever_the_umask(tmp_path: Path, open_umask: None) -> None:
    database = tmp_path / "state" / "kaizen.db"
    engine = make_engine(f"sqlite:///{database}")
    try:
        with engine.connect() as connection:  # WAL mode: the -wal and -shm files now exist
            connection.exec_driver_sql("SELECT 1")
            files = sorted(database.parent.iterdir())
            assert [f.name for f in files] == ["kaizen.db", "kaizen.db-shm", "kaizen.db-wal"]
            assert {f.name: mode(f) for f in files} == {f.name: 0o600 for f in files}
    finally:
        engine.dispose()
    assert mode(database.parent) == 0o700


def test_logs_are_private_whatever_the_umask(tmp_path: Path, open_umask: None) -> None:
    process = ManagedProcess("echo", ["echo", "secret"], tmp_path / "logs" / "echo.log")
    process.start()
    assert process.process is not None and process.process.wait(10) == 0
    assert mode(tmp_path / "logs" / "echo.log") == 0o600
    assert mode(tmp_path / "logs") == 0o700


def test_opa_token_is_made_once_and_kept_private(tmp_path: Path, open_umask: None) -> None:
    token = ensure_opa_token(tmp_path)
    assert len(token) >= 40
    assert mode(tmp_path / "opa.token") == 0o600
    (tmp_path / "opa.token").chmod(0o644)
    assert ensure_opa_token(tmp_path) == token
    assert mode(tmp_path / "opa.token") == 0o600


def test_up_keeps_its_home_private_and_opa_to_itself(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)  # as an older Kaizen, or a shared checkout, left it
    env = stack_env(home)
    api = f"http://127.0.0.1:{env['KAIZEN_API_PORT']}"
    opa = f"http://127.0.0.1:{env['KAIZEN_OPA_PORT']}"

    process = kaizen("up", env=env)
    try:
        printed = "\n".join(read_until(process, "Ready.", timeout=120))
    except AssertionError:
        process.kill()
        raise
    try:
        assert f"KAIZEN_HOME {home.resolve()} was open to other users (mode 0755)" in printed
        assert f"token in {home.resolve() / 'opa.token'}" in printed
        token = (home / "opa.token").read_text().strip()
        assert httpx.put(f"{opa}/v1/data/kaizen/healing_modes", json={}).status_code == 401
        assert httpx.get(f"{opa}/health").status_code == 200

        # The API got the token: an admin's mode change reaches OPA through it.
        admin = bearer((home / "admin.key").read_text().strip())
        changed = httpx.put(
            f"{api}/v1/healing/modes/demo/web", json={"mode": "approval"}, headers=admin
        )
        assert changed.status_code == 200, changed.text
        modes = httpx.get(f"{opa}/v1/data/kaizen/healing_modes", headers=bearer(token))
        assert modes.json()["result"] == {"demo/web": "approval"}
        assert httpx.get(f"{api}/readyz").json()["checks"]["opa"] == "ok"
    finally:
        stop(process, signal.SIGINT)
    assert processes_mentioning(str(home)) == []

    made = {p.relative_to(home).as_posix(): mode(p) for p in home.rglob("*")}
    for expected in ("kaizen.db", "temporal.db", "admin.key", "opa.token", "logs/opa.log",
                     "logs/temporal.log", "logs/api.log", "logs/workers.log"):  # fmt: skip
        assert expected in made, f"{expected} missing from {sorted(made)}"
    files = {name: m for name, m in made.items() if (home / name).is_file()}
    dirs = {name: m for name, m in made.items() if (home / name).is_dir()}
    assert files == dict.fromkeys(files, 0o600)
    assert dirs == dict.fromkeys(dirs, 0o700)
    assert mode(home) == 0o700


def test_a_policies_directory_without_the_authz_policy_is_a_one_line_error(
    tmp_path: Path,
) -> None:
    policies = tmp_path / "policies"
    policies.mkdir()
    env = stack_env(tmp_path / "home")
    env["KAIZEN_POLICIES_DIR"] = str(policies)
    process = kaizen("up", env=env)
    try:
        output, _ = process.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 1
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "system/authz.rego" in errors[0], output
