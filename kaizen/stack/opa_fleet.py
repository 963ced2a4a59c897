"""A local fleet of OPA nodes, long-polling Kaizen's bundle server (``kaizen up``, tests).

Each node is an ``opa run --server`` of the pinned OPA with the config Kaizen
generates for it (its own token, Kaizen's public keys, long polling, status push and
decision logs), its state under ``KAIZEN_HOME/opa-fleet/<node>``. ``kaizen up``
registers the nodes of fleet ``local`` (``n1`` is the canary), publishes the
example policy in ``policies/fleet/authz`` as the fleet's first version if it has
none, and starts the nodes once the API answers.
"""

from __future__ import annotations

import asyncio
import io
import json
import tarfile
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy.engine import Engine

from activities.opa.bundle_build import publish
from activities.opa.bundle_source import read_source
from activities.opa.cli import OpaCli
from activities.opa.node_config import node_config
from activities.opa.signing_keys import ensure_signing_key
from kaizen.persistence.db import make_engine, session_scope
from kaizen.persistence.policy_fleet import (
    fleet_desired,
    issue_node_key,
    register_node,
    set_desired,
)
from kaizen.persistence.policy_versions import trusted_keys
from kaizen.settings import Settings
from kaizen.stack.home import write_private
from kaizen.stack.processes import ManagedProcess, StackError, free_port, port_is_free
from kaizen.v1.policy_rollout_pb2 import PolicyNodeTarget

LOCAL_FLEET: Final = "local"
LOCAL_BUNDLE: Final = "authz"
POLICIES: Final = Path(__file__).resolve().parents[2] / "policies"
EXAMPLE_ROOT: Final = "fleet/authz"
"""The example policy: policies/fleet/authz, published with this root."""
FLEET_DIRECTORY: Final = "opa-fleet"


def fleet_node_command(binary: Path, *, port: int, config: Path) -> list[str]:
    return [
        str(binary), "run", "--server", "--addr", f"127.0.0.1:{port}",
        "--config-file", str(config), "--log-level", "error",
    ]  # fmt: skip


@dataclass
class FleetNode:
    """One OPA node of a fleet: its process, port and config file."""

    name: str
    port: int
    directory: Path
    binary: Path
    process: ManagedProcess = field(init=False)

    def __post_init__(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.process = ManagedProcess(
            f"opa-{self.name}",
            fleet_node_command(self.binary, port=self.port, config=self.config_path),
            self.directory / "opa.log",
            cwd=self.directory,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_path(self) -> Path:
        return self.directory / "config.json"

    def configure(self, config: Mapping[str, Any]) -> None:
        """Write the node's config (it holds the node's token: 0600)."""
        write_private(self.config_path, json.dumps(config, indent=2) + "\n")

    @property
    def pid_path(self) -> Path:
        """The node's pid, for a person who wants to pause it (``kill -STOP``)."""
        return self.directory / "opa.pid"

    def start(self, timeout: float = 30.0) -> None:
        self.process.start()
        write_private(self.pid_path, f"{self.process.pid}\n")
        self.process.wait_until(lambda: _answers(f"{self.url}/health"), timeout=timeout,
                                what="answering /health")  # fmt: skip

    def stop(self) -> None:
        self.process.stop(timeout=10)

    @property
    def running(self) -> bool:
        return self.process.running


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as reply:
            return bool(reply.status == 200)
    except OSError:
        return False


@dataclass
class LocalFleet:
    """The local fleet's nodes, and the line ``kaizen up`` prints about them."""

    nodes: list[FleetNode]
    line: str

    @property
    def processes(self) -> list[ManagedProcess]:
        return [node.process for node in self.nodes]

    def stop(self) -> None:
        for node in reversed(self.nodes):
            node.stop()


def start_local_fleet(settings: Settings, binary: Path, home: Path) -> LocalFleet:
    """Register, configure and start ``settings.policy_fleet_nodes`` nodes of fleet
    ``local`` (none when it is 0); the API must already answer."""
    count = settings.policy_fleet_nodes
    if count <= 0:
        return LocalFleet([], "off (KAIZEN_POLICY_FLEET_NODES=0)")
    ports = [settings.policy_fleet_port + i for i in range(count)]
    moved = ""
    if not all(port_is_free("127.0.0.1", port) for port in ports):
        ports = [free_port() for _ in range(count)]
        moved = f" (ports {settings.policy_fleet_port}+ were taken)"
    engine = make_engine(settings.database)
    try:
        version = asyncio.run(_first_version(settings, engine, binary))
        nodes: list[FleetNode] = []
        for index, port in enumerate(ports):
            name = f"n{index + 1}"
            node = FleetNode(
                name=name, port=port, directory=home / FLEET_DIRECTORY / name, binary=binary
            )
            labels = {"region": "local", "canary": "true" if index == 0 else "false"}
            node.configure(_register(settings, engine, node, labels, version))
            nodes.append(node)
    finally:
        engine.dispose()
    fleet = LocalFleet(
        nodes,
        f"fleet {LOCAL_FLEET} of {count} OPA node(s) serving bundle {LOCAL_BUNDLE}: "
        + ", ".join(f"{n.name} {n.url}" for n in nodes)
        + moved,
    )
    try:
        for node in nodes:
            node.start()
    except StackError:
        fleet.stop()
        raise
    return fleet


async def _first_version(settings: Settings, engine: Engine, binary: Path) -> tuple[str, str]:
    """The version the fleet is served: its nodes' current one, else the example policy's."""
    with session_scope(engine) as session:
        current = fleet_desired(session, settings.tenant, LOCAL_FLEET)
    if current[0]:
        return current
    source = read_source(example_archive(POLICIES), roots=[EXAMPLE_ROOT])
    version, _created = await publish(
        engine, OpaCli(binary), settings.home, tenant=settings.tenant, bundle=LOCAL_BUNDLE,
        source=source, description="the example policy (policies/fleet/authz)",
        by="kaizen up",
    )  # fmt: skip
    return version.id, version.revision


def example_archive(policies: Path) -> bytes:
    """``tar czf - -C policies fleet/authz``: the example with its data paths as OPA sees them."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted((policies / EXAMPLE_ROOT).rglob("*")):
            if path.is_file():
                tar.add(path, arcname=str(path.relative_to(policies)))
    return buffer.getvalue()


def _register(
    settings: Settings,
    engine: Engine,
    node: FleetNode,
    labels: dict[str, str],
    version: tuple[str, str],
) -> dict[str, Any]:
    ensure_signing_key(engine, settings.home)
    with session_scope(engine) as session:
        row, _created = register_node(
            session, tenant=settings.tenant, name=node.name, fleet=LOCAL_FLEET,
            bundle=LOCAL_BUNDLE, url=node.url, labels=labels, principal="",
        )  # fmt: skip
        if not row.desired_version:
            set_desired(
                session, settings.tenant,
                [PolicyNodeTarget(node=node.name, version_id=version[0], revision=version[1])],
                datetime.now(UTC),
            )  # fmt: skip
        token = issue_node_key(session, row)
        return node_config(
            node=node.name, fleet=LOCAL_FLEET, bundle=LOCAL_BUNDLE, labels=labels,
            api_base_url=settings.api_base_url, token=token, keys=trusted_keys(session),
            long_poll_seconds=settings.policy_long_poll_seconds,
        )  # fmt: skip
