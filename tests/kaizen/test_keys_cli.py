"""``kaizen keys``: create prints the key once, alone on its last line; list; revoke."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from api.app import create_app
from kaizen.settings import Settings
from tests.stack_process import kaizen, kaizen_env


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    process = kaizen(*args, env=env)
    output, _ = process.communicate(timeout=60)
    return process.returncode, output


async def test_keys_lifecycle(settings: Settings, tmp_path: Path) -> None:
    env = kaizen_env(tmp_path / "home", KAIZEN_DATABASE_URL=settings.database)
    code, output = run(env, "keys", "create", "--name", "carol", "--role", "approver")
    assert code == 0, output
    key = output.strip().splitlines()[-1]
    assert key.startswith("kz_") and " " not in key
    assert key not in Path(settings.database.removeprefix("sqlite:///")).read_bytes().decode(
        errors="replace"
    ), "the raw key must never be stored"

    code, output = run(env, "keys", "create", "--name", "carol", "--role", "viewer")
    assert code == 2 and "already exists" in output
    code, output = run(env, "keys", "create", "--name", "dave", "--role", "root")
    assert code == 2 and "invalid choice" in output

    code, listing = run(env, "keys", "list")
    assert code == 0 and "carol\tapprover\tactive" in listing and key not in listing

    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://k") as api:
            headers = {"Authorization": f"Bearer {key}"}
            assert (await api.get("/v1/change-windows", headers=headers)).status_code == 200
            code, output = run(env, "keys", "revoke", "carol")
            assert code == 0, output
            assert (await api.get("/v1/change-windows", headers=headers)).status_code == 401

    code, output = run(env, "keys", "revoke", "nobody")
    assert code == 2 and "no key named 'nobody'" in output


@pytest.mark.parametrize("role", ["viewer", "operator", "approver", "admin"])
def test_every_role_can_be_created(tmp_path: Path, role: str) -> None:
    env = kaizen_env(tmp_path / "home", KAIZEN_DATABASE_URL=f"sqlite:///{tmp_path / 'k.db'}")
    code, output = run(env, "keys", "create", "--name", f"k-{role}", "--role", role)
    assert code == 0 and output.strip().splitlines()[-1].startswith("kz_")


def test_slack_users_are_linked_at_creation_or_later(settings: Settings, tmp_path: Path) -> None:
    from sqlmodel import Session

    from kaizen.persistence.db import make_engine
    from kaizen.persistence.slack import principal_for_slack_user

    env = kaizen_env(tmp_path / "home", KAIZEN_DATABASE_URL=settings.database)
    code, output = run(
        env, "keys", "create", "--name", "erin", "--role", "approver", "--slack-user", "UERIN"
    )
    assert code == 0 and "linked 'erin' to Slack user UERIN" in output
    code, output = run(env, "keys", "create", "--name", "frank", "--role", "approver")
    assert code == 0
    code, output = run(env, "users", "link", "--name", "frank", "--slack-user", "UERIN")
    assert code == 2 and "already linked to 'erin'" in output
    code, output = run(env, "users", "link", "--name", "frank", "--slack-user", "UFRANK")
    assert code == 0, output
    code, output = run(env, "users", "link", "--name", "nobody", "--slack-user", "UX")
    assert code == 2 and "no principal named 'nobody'" in output
    engine = make_engine(settings.database)
    with Session(engine) as session:
        assert principal_for_slack_user(session, "UERIN") == "erin"
        assert principal_for_slack_user(session, "UFRANK") == "frank"
    engine.dispose()
