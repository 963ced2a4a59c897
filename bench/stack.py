"""The stack the benchmark measures: what ``kaizen up --kube local`` starts, with the
same commands and flags, on free ports under a throw-away home.

Kaizen's worker pool and the raw SDK's worker are started and stopped by the
scenarios, so each figure is taken with only the processes it is about running.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

from bench.procs import GroupUsage, group_pids, group_usage
from kaizen.persistence.api_keys import Role, create_key
from kaizen.persistence.db import make_engine, session_scope
from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.kube import LocalKubeControlPlane
from kaizen.stack.launcher import Say, child_environment, ensure_admin_key, start_local_kube
from kaizen.stack.opa_server import OpaServer
from kaizen.stack.processes import ManagedProcess, free_port, http_ok
from kaizen.stack.temporal_server import SQLITE_PRAGMAS, TemporalDevServer
from kaizen.temporal.client import connect

REPO = Path(__file__).resolve().parent.parent
RAW_TASK_QUEUE = "bench-raw"
# Raw no-op starts go where nobody polls, as Kaizen's starts do while its workers are off.
UNPOLLED_TASK_QUEUE = "bench-unpolled"


def tool_path(tool: tools.Tool) -> Path:
    """The pinned binary: on PATH, cached, or built now (``tools.install`` looks first)."""
    return tools.install(tool, Settings().resolved_tools_dir)


def start_temporal(
    home: Path,
    *,
    name: str,
    db_file: Path | None,
    pragmas: tuple[str, ...] = SQLITE_PRAGMAS,
    ui: bool = True,
) -> TemporalDevServer:
    """A dev server as ``kaizen up`` starts it (or with other storage, for the storage figure)."""
    host = "127.0.0.1"
    server = TemporalDevServer(
        tool_path(tools.TEMPORAL), host=host, port=free_port(host),
        ui_port=free_port(host) if ui else None, db_file=db_file,
        log_path=home / "logs" / f"{name}.log", pragmas=pragmas,
    )  # fmt: skip
    server.start()
    return server


@dataclass
class BenchStack:
    home: Path
    settings: Settings
    temporal: TemporalDevServer
    opa: OpaServer
    kube: LocalKubeControlPlane
    api: ManagedProcess
    env: dict[str, str]
    admin_key: str
    approver_key: str
    workers: ManagedProcess | None = None
    raw_worker: ManagedProcess | None = None

    @classmethod
    def start(cls, say: Say) -> BenchStack:
        home = Path(tempfile.mkdtemp(prefix="kaizen-bench-"))
        say(f"starting the stack under {home}")
        temporal = start_temporal(home, name="temporal", db_file=home / "temporal.db")
        host, port = temporal.address.rsplit(":", 1)
        settings = Settings(
            home=home, temporal_host=host, temporal_port=int(port),
            temporal_ui_port=temporal.ui_port or 0, opa_port=free_port(),
            api_port=free_port(), policies_dir=REPO / "policies",
        )  # fmt: skip
        opa = OpaServer(
            tool_path(tools.OPA), port=settings.opa_port,
            policies_dir=settings.policies_dir, log_path=home / "logs" / "opa.log",
        )  # fmt: skip
        opa.start()
        say("starting the local Kubernetes control plane")
        kube, kubeconfig = start_local_kube(home)
        admin_key = _read_key(ensure_admin_key(settings))
        approver_key = _create_key(settings, "bench-approver")
        env = child_environment(settings)
        env["KAIZEN_KUBECONFIG"] = str(kubeconfig)
        # The bench measures runs, not the healing backoff or the API's rate limits.
        env["KAIZEN_HEALING_BACKOFF_SECONDS"] = "0"
        for limit in ("PER_KEY", "PER_CLIENT", "FAILED_AUTH"):
            env[f"KAIZEN_RATE_LIMIT_{limit}"] = "1000000"
        # Each healing run that ends would start its incident's RCA (evidence from Prometheus
        # and the cluster, a draft): a second run kind's work inside healing's figures. RCA
        # has a scenario of its own.
        env["KAIZEN_RCA_ON_HEALING_END"] = "false"
        env["PYTHONPATH"] = str(REPO)
        api = ManagedProcess(
            "api", [sys.executable, "-m", "kaizen.cli.main", "api"],
            home / "logs" / "api.log", env=env, cwd=REPO,
        )  # fmt: skip
        api.start()
        api.wait_until(
            lambda: http_ok(f"{settings.api_base_url}/healthz"), timeout=60, what="answering"
        )
        return cls(home, settings, temporal, opa, kube, api, env, admin_key, approver_key)

    async def client(self) -> Client:
        """A client with Kaizen's data converter (it decodes the raw side's plain JSON too)."""
        return await connect(self.settings)

    async def start_workers(self, processes: int) -> ManagedProcess:
        """Kaizen's pool, as ``kaizen worker`` runs it; returns once every process polls."""
        await self.stop_workers()
        self.workers = ManagedProcess(
            f"workers-{processes}",
            [sys.executable, "-m", "kaizen.cli.main", "worker", "--processes", str(processes)],
            self.home / "logs" / "workers.log", env=self.env, cwd=REPO,
        )  # fmt: skip
        self.workers.start()
        await wait_for_pollers(
            self.temporal.address, self.settings.temporal_namespace,
            self.settings.healing_task_queue, self.workers, processes,
        )  # fmt: skip
        return self.workers

    async def stop_workers(self) -> None:
        if self.workers is not None:
            await asyncio.to_thread(self.workers.stop, 45)
            self.workers = None

    async def start_raw_worker(self) -> None:
        if self.raw_worker is not None:
            return
        self.raw_worker = raw_worker_process(
            self.temporal.address, RAW_TASK_QUEUE, self.home / "logs" / "raw-worker.log", self.env
        )
        self.raw_worker.start()
        await wait_for_pollers(
            self.temporal.address, self.settings.temporal_namespace, RAW_TASK_QUEUE,
            self.raw_worker, 1,
        )  # fmt: skip

    async def stop_raw_worker(self) -> None:
        if self.raw_worker is not None:
            await asyncio.to_thread(self.raw_worker.stop)
            self.raw_worker = None

    def usage(self) -> dict[str, GroupUsage]:
        """CPU and memory of every component now (process groups)."""
        parts = {
            "temporal": self.temporal.process,
            "opa": self.opa.process,
            "api": self.api,
            "workers": self.workers,
            "raw_worker": self.raw_worker,
        }
        return {
            name: group_usage(process.pid)
            for name, process in parts.items()
            if process is not None and process.running
        }

    def stop(self) -> None:
        for process in (self.workers, self.raw_worker, self.api):
            if process is not None:
                process.stop(timeout=45)
        self.opa.stop()
        self.temporal.stop()
        self.kube.stop()
        if not os.environ.get("KAIZEN_BENCH_KEEP"):
            shutil.rmtree(self.home, ignore_errors=True)


def raw_worker_process(
    address: str, task_queue: str, log_path: Path, env: dict[str, str]
) -> ManagedProcess:
    """The raw SDK's worker (``bench.raw``) as a process of its own, like Kaizen's workers."""
    command = [sys.executable, "-m", "bench.raw", "--address", address, "--task-queue", task_queue]
    return ManagedProcess("raw-worker", command, log_path, env=env, cwd=REPO)


async def wait_for_pollers(
    address: str, namespace: str, task_queue: str, group: ManagedProcess, processes: int
) -> None:
    """Until ``processes`` processes of ``group`` poll ``task_queue``.

    The server lists stopped workers for minutes, so pollers are matched to the
    group's own pids through the SDK's default identity, ``<pid>@<host>``.
    """
    client = await Client.connect(address, namespace=namespace)
    request = DescribeTaskQueueRequest(
        namespace=namespace,
        task_queue=TaskQueue(name=task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    for _ in range(1200):
        answer = await client.workflow_service.describe_task_queue(request)
        pids = {str(pid) for pid in group_pids(group.pid)}
        polling = {p.identity for p in answer.pollers if p.identity.split("@")[0] in pids}
        if len(polling) >= processes:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"{processes} worker process(es) never polled {task_queue}")


def _read_key(path: Path | None) -> str:
    if path is None:
        raise RuntimeError("no admin key was written for the bench home")
    return path.read_text().strip()


def _create_key(settings: Settings, name: str) -> str:
    engine = make_engine(settings.database)
    try:
        with session_scope(engine) as session:
            return create_key(session, name=name, role=Role.admin)
    finally:
        engine.dispose()
