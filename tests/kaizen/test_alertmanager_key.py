"""The local Alertmanager's key: an operator key made once per KAIZEN_HOME, kept 0600."""

from __future__ import annotations

import stat
from pathlib import Path

from kaizen.persistence.api_keys import authenticate, revoke_key
from kaizen.persistence.db import make_engine, session_scope
from kaizen.settings import Settings
from kaizen.stack.alertmanager import ensure_alertmanager_key


def test_made_once_reused_and_replaced_when_it_no_longer_works(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, database_url=f"sqlite:///{tmp_path / 'kaizen.db'}")
    path = ensure_alertmanager_key(settings, tmp_path)
    first = path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    engine = make_engine(settings.database)
    try:
        with session_scope(engine) as session:
            key = authenticate(session, first)
            assert key is not None and (key.name, key.role) == ("alertmanager", "operator")

        assert ensure_alertmanager_key(settings, tmp_path).read_text().strip() == first

        with session_scope(engine) as session:
            revoke_key(session, "alertmanager")
        replaced = ensure_alertmanager_key(settings, tmp_path).read_text().strip()
        with session_scope(engine) as session:
            key = authenticate(session, replaced)
            assert key is not None and (key.name, key.role) == ("alertmanager-2", "operator")
    finally:
        engine.dispose()
