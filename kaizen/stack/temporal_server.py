"""The Temporal CLI dev server, persisted to SQLite with the WAL pragmas."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from temporalio.client import Client

from kaizen.stack.processes import ManagedProcess, free_port
from kaizen.temporal.search_attributes import ALL as SEARCH_ATTRIBUTES

SQLITE_PRAGMAS = ("journal_mode=WAL", "synchronous=NORMAL")
# The history service reads new transfer, timer and visibility tasks at most 20 times a
# second by default. Once that limiter's burst is spent, every workflow and activity task
# waits up to 50 ms to be dispatched: a one-activity workflow took 150 ms instead of 15 ms
# (bench/PROFILE.md). The limit protects a shared cluster's database from polling; a
# single-node dev server has the headroom to read as soon as it is told of new work.
DYNAMIC_CONFIG = (
    "history.transferProcessorMaxPollRPS=1000",
    "history.timerProcessorMaxPollRPS=1000",
    "history.visibilityProcessorMaxPollRPS=1000",
    # The CLI turns this on: its SQLite visibility then re-reads the search attributes'
    # types for every row a list returns, a 100-row page 100 times, until the frontend's
    # persistence rate limit refuses lists (bench/PROFILE.md, section 5). Kaizen registers
    # its search attributes on the command line before the server answers, and nothing
    # creates one at run time, so the cache is never stale.
    "system.forceSearchAttributesCacheRefreshOnRead=false",
)


def dev_server_command(
    binary: Path,
    *,
    host: str,
    port: int,
    ui_port: int | None,
    db_file: Path | None,
    namespace: str,
    pragmas: tuple[str, ...] = SQLITE_PRAGMAS,
) -> list[str]:
    """The dev server's command line; ``db_file=None`` keeps history in memory."""
    command = [
        str(binary), "server", "start-dev",
        "--ip", host, "--port", str(port),
        "--namespace", namespace,
        "--log-level", "warn",
    ]  # fmt: skip
    command += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
    # The HTTP API's default port is fixed; a free one lets two servers share a machine.
    command += ["--http-port", str(free_port(host))]
    if db_file is not None:
        command += ["--db-filename", str(db_file)]
        for pragma in pragmas:
            command += ["--sqlite-pragma", pragma]
    for setting in DYNAMIC_CONFIG:
        command += ["--dynamic-config-value", setting]
    for key in SEARCH_ATTRIBUTES:
        command += ["--search-attribute", f"{key.name}=Keyword"]
    return command


class TemporalDevServer:
    def __init__(
        self,
        binary: Path,
        *,
        host: str,
        port: int,
        ui_port: int | None,
        db_file: Path | None,
        log_path: Path,
        namespace: str = "default",
        pragmas: tuple[str, ...] = SQLITE_PRAGMAS,
    ) -> None:
        self.address = f"{host}:{port}"
        self.namespace = namespace
        self.ui_port = ui_port
        self.process = ManagedProcess(
            "temporal",
            dev_server_command(
                binary,
                host=host,
                port=port,
                ui_port=ui_port,
                db_file=db_file,
                namespace=namespace,
                pragmas=pragmas,
            ),
            log_path,
        )

    def start(self, timeout: float = 60.0) -> None:
        self.process.start()
        self.process.wait_until(self._accepts_clients, timeout=timeout, what="serving")

    def _accepts_clients(self) -> bool:
        async def probe() -> bool:
            try:
                client = await Client.connect(self.address, namespace=self.namespace)
                await client.count_workflows()
            except Exception:
                return False
            return True

        # A thread of its own, so this also works when called from inside an event loop.
        with ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(asyncio.run, probe()).result()

    def stop(self) -> None:
        self.process.stop()
