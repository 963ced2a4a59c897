"""The real servers a test session shares: a Temporal dev server and OPA on free ports.

OPA runs as ``kaizen up`` runs it, answering only requests that carry its token, so every
test that talks to it goes through that boundary.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.opa_server import OpaServer
from kaizen.stack.processes import free_port
from kaizen.stack.temporal_server import TemporalDevServer

REPO = Path(__file__).resolve().parents[1]
POLICIES = REPO / "policies"


@dataclass
class SessionServers:
    temporal_address: str
    opa_url: str
    opa_token: str
    temporal: TemporalDevServer
    opa: OpaServer

    def stop(self) -> None:
        self.opa.stop()
        self.temporal.stop()


def start_session_servers(state_dir: Path) -> SessionServers:
    tools_dir = Settings().resolved_tools_dir
    opa_token = secrets.token_urlsafe(32)
    temporal = TemporalDevServer(
        tools.require(tools.TEMPORAL, tools_dir),
        host="127.0.0.1",
        port=free_port(),
        ui_port=None,
        db_file=state_dir / "temporal.db",
        log_path=state_dir / "temporal.log",
    )
    opa = OpaServer(
        tools.require(tools.OPA, tools_dir),
        port=free_port(),
        policies_dir=POLICIES,
        log_path=state_dir / "opa.log",
        token=opa_token,
    )
    temporal.start()
    try:
        opa.start()
    except Exception:
        temporal.stop()
        raise
    return SessionServers(
        temporal_address=temporal.address,
        opa_url=opa.url,
        opa_token=opa_token,
        temporal=temporal,
        opa=opa,
    )


def opa_auth(settings: Settings) -> dict[str, str]:
    """Headers for a test's own requests to OPA, which answers only Kaizen's token."""
    return {"Authorization": f"Bearer {settings.opa_token}"} if settings.opa_token else {}
