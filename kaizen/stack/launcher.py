"""``kaizen up``: the whole stack in the foreground, stopped cleanly by Ctrl-C."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from activities.kubernetes.client import connect_kubernetes
from kaizen.persistence.api_keys import Role, create_key, list_keys
from kaizen.persistence.db import make_engine, session_scope
from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.home import (
    OPA_TOKEN_FILE,
    PRIVATE_UMASK,
    ensure_opa_token,
    make_private,
    write_private,
)
from kaizen.stack.kube import LocalKubeControlPlane, ensure_kube_binaries
from kaizen.stack.kube_demo import DEMO_DEPLOYMENTS, DEMO_NAMESPACE, create_demo
from kaizen.stack.observability import LocalObservability, local_observability
from kaizen.stack.opa_fleet import start_local_fleet
from kaizen.stack.opa_server import TOKEN_ENV, OpaServer
from kaizen.stack.processes import (
    ManagedProcess,
    StackError,
    has_children,
    http_ok,
    port_answers,
    require_free_ports,
)
from kaizen.stack.stack_status import status_path
from kaizen.stack.supervisor import ChildGaveUp, SupervisedChild, Supervisor
from kaizen.stack.temporal_server import TemporalDevServer
from kaizen.traffic.server import HEALTH_PATH

Say = Callable[[str], None]


def child_environment(settings: Settings) -> dict[str, str]:
    """Settings as the children must see them (absolute paths, resolved URLs)."""
    env = dict(os.environ)
    env.update(
        KAIZEN_HOME=str(settings.home.resolve()),
        KAIZEN_TEMPORAL_ADDRESS=settings.temporal_target,
        KAIZEN_TEMPORAL_NAMESPACE=settings.temporal_namespace,
        KAIZEN_OPA_URL=settings.opa_base_url,
        KAIZEN_DATABASE_URL=settings.database,
        KAIZEN_API_HOST=settings.api_host,
        KAIZEN_API_PORT=str(settings.api_port),
        KAIZEN_POLICIES_DIR=str(settings.policies_dir.resolve()),
        KAIZEN_TOOLS_DIR=str(settings.resolved_tools_dir),
    )
    if settings.opa_token:
        env[TOKEN_ENV] = settings.opa_token
    if settings.kubeconfig is not None:
        # Workers act with it and the API resolves alerts' pods with it: the same cluster.
        env["KAIZEN_KUBECONFIG"] = str(settings.kubeconfig.resolve())
    return env


def ensure_admin_key(settings: Settings) -> Path | None:
    """On first start, create an admin key and write it (mode 0600) under KAIZEN_HOME."""
    path = settings.admin_key_path
    engine = make_engine(settings.database)
    try:
        with session_scope(engine) as session:
            if any(k.role == Role.admin.name for k in list_keys(session)):
                return path if path.exists() else None
            raw_key = create_key(session, name="bootstrap-admin", role=Role.admin)
            write_private(path, raw_key + "\n")
            return path
    finally:
        engine.dispose()


def start_local_kube(home: Path) -> tuple[LocalKubeControlPlane, Path]:
    """The local control plane with the demo namespace, and the bot's kubeconfig (0600)."""
    try:
        plane = LocalKubeControlPlane(ensure_kube_binaries(), home / "kube")
        plane.start()
        create_demo(plane)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
        raise StackError(f"local Kubernetes did not start: {error}") from error
    kubeconfig = home / "kubeconfig"
    shutil.copyfile(plane.bot_kubeconfig, kubeconfig)
    os.chmod(kubeconfig, 0o600)
    return plane, kubeconfig


@dataclass
class Stack:
    settings: Settings
    say: Say
    kube_mode: str | None = None
    temporal: TemporalDevServer | None = None
    opa: OpaServer | None = None
    kube: LocalKubeControlPlane | None = None
    observability: LocalObservability | None = None
    children: list[ManagedProcess] = field(default_factory=list)
    watched: list[SupervisedChild] = field(default_factory=list)
    """Every child with how to tell it serves again and which ports it binds."""

    def start(self) -> None:
        settings = self.settings
        require_free_ports(
            [
                ("Temporal gRPC", settings.temporal_host, settings.temporal_port),
                ("Temporal Web UI", settings.temporal_host, settings.temporal_ui_port),
                ("OPA", "127.0.0.1", settings.opa_port),
                ("API", settings.api_host, settings.api_port),
                *self._local_ports(),
            ]
        )
        if not settings.policies_dir.is_dir():
            raise StackError(f"policies directory {settings.policies_dir} does not exist")
        home = make_private(settings.home.resolve(), self.say)
        # Only Kaizen's processes hold the token: other local users reach OPA's port but
        # can neither read its data nor rewrite it (a healing mode, a change window).
        token_source = f"token from {TOKEN_ENV}"
        if not settings.opa_token:
            token_source = f"token in {home / OPA_TOKEN_FILE}"
            token = ensure_opa_token(home)
            settings = self.settings = settings.model_copy(update={"opa_token": token})
        logs = home / "logs"
        tools_dir = settings.resolved_tools_dir
        temporal_bin = self._tool(tools.TEMPORAL, tools_dir)
        opa_bin = self._tool(tools.OPA, tools_dir)

        self.temporal = TemporalDevServer(
            temporal_bin,
            host=settings.temporal_host,
            port=settings.temporal_port,
            ui_port=settings.temporal_ui_port,
            db_file=home / "temporal.db",
            log_path=logs / "temporal.log",
            namespace=settings.temporal_namespace,
        )
        self.temporal.start()
        host, port = settings.temporal_host, settings.temporal_port
        self._watch(
            self.temporal.process,
            ready=lambda: port_answers(host, port),
            ports=[("Temporal gRPC", host, port),
                   ("Temporal Web UI", host, settings.temporal_ui_port)],
        )  # fmt: skip
        self.opa = OpaServer(
            opa_bin,
            port=settings.opa_port,
            policies_dir=settings.policies_dir.resolve(),
            log_path=logs / "opa.log",
            token=settings.opa_token,
        )
        self.opa.start()
        opa = self.opa
        self._watch(
            opa.process,
            ready=lambda: http_ok(f"{opa.url}/health"),
            ports=[("OPA", "127.0.0.1", settings.opa_port)],
        )
        key_path = ensure_admin_key(settings)

        env = child_environment(settings)
        kube_line = self._start_kube(home, env)
        self._start_observability(home, env)
        python = sys.executable
        workers = ManagedProcess(
            "workers",
            [python, "-m", "kaizen.cli.main", "worker", "--processes",
             str(settings.worker_processes)],
            logs / "workers.log",
            env=env,
        )  # fmt: skip
        api = ManagedProcess(
            "api", [python, "-m", "kaizen.cli.main", "api"], logs / "api.log", env=env
        )
        for child in (workers, api):
            child.start()
            self.children.append(child)
        # The pool is back once it has started a worker again (its imports take seconds).
        self._watch(workers, ready=lambda: has_children(workers.pid))
        api_health = f"http://{settings.api_host}:{settings.api_port}/healthz"
        api.wait_until(lambda: http_ok(api_health), timeout=60, what="answering /healthz")
        self._watch(
            api,
            ready=lambda: http_ok(api_health),
            ports=[("API", settings.api_host, settings.api_port)],
        )
        fleet = start_local_fleet(settings, opa_bin, home)  # long-polls the API
        self.children.extend(fleet.processes)
        for node in fleet.nodes:
            self._watch(
                node.process,
                ready=lambda node=node: http_ok(f"{node.url}/health"),  # type: ignore[misc]
                ports=[(f"OPA node {node.name}", "127.0.0.1", node.port)],
                after_start=lambda node=node: write_private(  # type: ignore[misc]
                    node.pid_path, f"{node.process.pid}\n"
                ),
            )

        ui = f"http://{settings.temporal_host}:{settings.temporal_ui_port}"
        self.say(f"Temporal      {settings.temporal_target}  (Web UI {ui})")
        self.say(f"OPA           {settings.opa_base_url}  ({token_source})")
        self.say(f"API           {settings.api_base_url}  (docs {settings.api_base_url}/docs)")
        self.say(f"Workers       {settings.worker_processes} process(es), logs in {logs}")
        self.say(f"OPA fleet     {fleet.line}")
        self.say(f"Kubernetes    {kube_line}")
        for line in self.observability.lines() if self.observability else ():
            self.say(line)
        self.say(f"Slack         {slack_line(settings)}")
        if key_path is not None:
            self.say(f"Admin key     {key_path.resolve()}")
        self.say("Ready. Ctrl-C stops everything.")

    def _start_kube(self, home: Path, env: dict[str, str]) -> str:
        """Start the local control plane when asked; say which cluster workers will act on."""
        if self.kube_mode != "local":
            return connect_kubernetes(self.settings).source
        self.say("starting the local Kubernetes control plane (first start builds it)...")
        self.kube, kubeconfig = start_local_kube(home)
        env["KAIZEN_KUBECONFIG"] = str(kubeconfig)
        for process in self.kube.processes:
            # Each keeps its ports and state directory; the pid file follows the restarts.
            self._watch(process, after_start=self.kube.record_pids)
        return (
            f"local API server {self.kube.server}; namespace {DEMO_NAMESPACE} with "
            f"{', '.join(DEMO_DEPLOYMENTS)}; kubeconfig {kubeconfig} "
            f"(admin: {self.kube.admin_kubeconfig})"
        )

    def _local_ports(self) -> list[tuple[str, str, int]]:
        if self.kube_mode != "local":
            return []
        settings = self.settings
        return [
            ("Prometheus", "127.0.0.1", settings.prometheus_port),
            ("Alertmanager", "127.0.0.1", settings.alertmanager_port),
            ("traffic simulator", "127.0.0.1", settings.traffic_port),
        ]

    def _start_observability(self, home: Path, env: dict[str, str]) -> None:
        """With the local cluster: its traffic, Prometheus and Alertmanager (the workers'
        KAIZEN_PROMETHEUS_URL); started before the API, whose /metrics it scrapes."""
        if self.kube is None:
            return
        try:
            self.observability = local_observability(
                self.settings, home, kubeconfig=home / "kubeconfig", env=env, say=self.say
            )
        except tools.ToolMissing as error:
            raise StackError(str(error)) from error
        # Stopped with the other children, also when one of them fails to start.
        self.children.extend(self.observability.processes)
        self.observability.start()
        env["KAIZEN_PROMETHEUS_URL"] = self.observability.prometheus.url
        seen = self.observability
        settings = self.settings
        self._watch(
            seen.simulator,
            ready=lambda: http_ok(f"{seen.traffic_url}{HEALTH_PATH}"),
            ports=[("traffic simulator", "127.0.0.1", settings.traffic_port)],
        )
        for server, what, port in (
            (seen.alertmanager, "Alertmanager", settings.alertmanager_port),
            (seen.prometheus, "Prometheus", settings.prometheus_port),
        ):
            self._watch(
                server.process,
                ready=lambda url=server.url: http_ok(f"{url}/-/ready"),  # type: ignore[misc]
                ports=[(what, "127.0.0.1", port)],
            )

    def _watch(
        self,
        process: ManagedProcess,
        *,
        ready: Callable[[], bool] | None = None,
        ports: list[tuple[str, str, int]] | None = None,
        after_start: Callable[[], None] | None = None,
    ) -> None:
        self.watched.append(
            SupervisedChild(process, ready=ready, ports=ports or [], after_start=after_start)
        )

    def _tool(self, tool: tools.Tool, tools_dir: Path) -> Path:
        found = tools.locate(tool, tools_dir)
        if found is None:
            self.say(f"building {tool.name} {tool.version} (first start only)...")
            found = tools.install(tool, tools_dir)
        return found

    def _servers(self) -> list[TemporalDevServer | OpaServer]:
        return [s for s in (self.temporal, self.opa) if s is not None]

    def stop(self) -> None:
        """Stop in reverse order of start: API, workers (draining), Prometheus,
        Alertmanager, the traffic simulator, OPA, Temporal, the local cluster."""
        for child in reversed(self.children):
            child.stop(timeout=45)
        for server in reversed(self._servers()):
            server.stop()
        if self.kube is not None:
            self.kube.stop()


def up(settings: Settings, say: Say, kube_mode: str | None = None) -> int:
    # Before anything is created: the stack's files are its user's alone (see home.py).
    os.umask(PRIVATE_UMASK)
    stack = Stack(settings, say, kube_mode=kube_mode)
    stop = threading.Event()

    def request_stop(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    status_file = status_path(settings.home.resolve())
    gave_up = False
    try:
        stack.start()
        supervisor = Supervisor(say, status_file)
        for child in stack.watched:
            supervisor.watch(child)
        # Also while a child is in its backoff: tend() never sleeps, so Ctrl-C is seen here.
        while not stop.wait(0.2):
            supervisor.tend()
        say("stopping...")
        return 0
    except ChildGaveUp as error:
        gave_up = True  # its status file stays, saying which child and how often it died
        say(f"error: {error}")
        return 1
    except StackError as error:
        say(f"error: {error}")
        return 1
    finally:
        stack.stop()
        if not gave_up:
            status_file.unlink(missing_ok=True)


def slack_line(settings: Settings) -> str:
    """Said once at start-up, so nobody waits for a Slack message that will never come."""
    if settings.slack_bot_token and settings.slack_signing_secret:
        channel = settings.slack_approval_channel or "(no default channel: per-service only)"
        return f"approvals asked in {channel}; votes at /v1/slack/events and /interactions"
    return "not configured: approvals through the API only (KAIZEN_SLACK_BOT_TOKEN, ...)"
