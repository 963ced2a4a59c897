"""The traffic simulator's process: watch the namespace, advance the simulation, serve metrics.

``/metrics`` has the apps' metrics, ``/metrics/kube-state`` the cluster's, and
``/healthz`` answers 200 once every kind has been listed (the launcher waits for it).
SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from kaizen.traffic.cluster import ClusterWatch
from kaizen.traffic.exposition import AppMetrics, ClusterMetrics
from kaizen.traffic.simulation import Simulation
from kaizen.traffic.table import load_table

log = logging.getLogger(__name__)

APP_PATH: Final = "/metrics"
CLUSTER_PATH: Final = "/metrics/kube-state"
HEALTH_PATH: Final = "/healthz"
TICK_SECONDS: Final = 1.0


class TrafficSimulator:
    """The simulation of one namespace, advanced once a second and on every scrape."""

    def __init__(self, api_client: Any, namespace: str, table_path: Path) -> None:
        self.cluster = ClusterWatch(api_client, namespace)
        self.simulation = Simulation(load_table(table_path), now=time.time())
        self._lock = threading.Lock()
        self._registries = {APP_PATH: CollectorRegistry(), CLUSTER_PATH: CollectorRegistry()}
        self._registries[APP_PATH].register(AppMetrics(self.simulation))
        self._registries[CLUSTER_PATH].register(ClusterMetrics(self.simulation))

    def tick(self) -> None:
        with self._lock:
            self.simulation.observe(self.cluster.snapshot())
            self.simulation.advance(time.time())

    def render(self, path: str) -> bytes | None:
        registry = self._registries.get(path)
        if registry is None:
            return None
        self.tick()
        with self._lock:
            return generate_latest(registry)


def serve(simulator: TrafficSimulator, host: str, port: int) -> ThreadingHTTPServer:
    """Serve the simulator's metrics from a thread of its own until ``shutdown()``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (the stdlib's name)
            path = self.path.split("?", 1)[0]
            if path == HEALTH_PATH:
                ok = simulator.cluster.synced
                self._answer(200 if ok else 503, b"ok\n" if ok else b"listing\n", "text/plain")
                return
            body = simulator.render(path)
            if body is None:
                self._answer(404, b"not found\n", "text/plain")
            else:
                self._answer(200, body, CONTENT_TYPE_LATEST)

        def _answer(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            return  # one line per scrape every few seconds says nothing

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server


def run(
    api_client: Any,
    *,
    namespace: str,
    host: str,
    port: int,
    table_path: Path,
    on_ready: Callable[[str], None] = log.info,
) -> int:
    """Run until SIGTERM or SIGINT."""
    simulator = TrafficSimulator(api_client, namespace, table_path)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    simulator.cluster.start()
    server = serve(simulator, host, port)
    on_ready(f"simulating traffic for namespace {namespace} at http://{host}:{port}{APP_PATH}")
    try:
        while not stop.wait(TICK_SECONDS):
            simulator.tick()
    finally:
        server.shutdown()
        simulator.cluster.stop()
    return 0
