"""The traffic simulator's process: watch the namespaces, advance the simulation, serve metrics.

``/metrics`` has the apps' metrics, ``/metrics/kube-state`` the cluster's, and
``/healthz`` answers 200 once every kind has been listed (the launcher waits for it).
SIGTERM or SIGINT stops it.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from kaizen.traffic.cluster import ClusterWatch
from kaizen.traffic.exposition import AppMetrics, ClusterMetrics
from kaizen.traffic.simulation import ClusterView, Simulation
from kaizen.traffic.table import load_table

log = logging.getLogger(__name__)

APP_PATH: Final = "/metrics"
CLUSTER_PATH: Final = "/metrics/kube-state"
HEALTH_PATH: Final = "/healthz"
TICK_SECONDS: Final = 1.0


class TrafficSimulator:
    """The simulation of some namespaces, advanced once a second and on every scrape."""

    def __init__(self, api_client: Any, namespaces: Sequence[str], table_path: Path) -> None:
        # One watch per namespace: the identity's rights are RoleBindings, namespace by namespace.
        self.clusters = [ClusterWatch(api_client, namespace) for namespace in namespaces]
        self.simulation = Simulation(load_table(table_path), now=time.time())
        self._lock = threading.Lock()
        self._registries = {APP_PATH: CollectorRegistry(), CLUSTER_PATH: CollectorRegistry()}
        self._registries[APP_PATH].register(AppMetrics(self.simulation))
        self._registries[CLUSTER_PATH].register(ClusterMetrics(self.simulation))

    @property
    def synced(self) -> bool:
        """Every namespace's every kind has been listed once."""
        return all(watch.synced for watch in self.clusters)

    def start(self) -> None:
        for watch in self.clusters:
            watch.start()

    def stop(self) -> None:
        for watch in self.clusters:
            watch.stop()

    def tick(self) -> None:
        with self._lock:
            self.simulation.observe(merged(watch.snapshot() for watch in self.clusters))
            self.simulation.advance(time.time())

    def render(self, path: str) -> bytes | None:
        registry = self._registries.get(path)
        if registry is None:
            return None
        self.tick()
        with self._lock:
            return generate_latest(registry)


def merged(views: Iterable[ClusterView]) -> ClusterView:
    """One view of several namespaces' objects."""
    listed = list(views)
    return ClusterView(
        pods=tuple(pod for view in listed for pod in view.pods),
        replicasets=tuple(rs for view in listed for rs in view.replicasets),
        deployments=tuple(d for view in listed for d in view.deployments),
    )


def serve(simulator: TrafficSimulator, host: str, port: int) -> ThreadingHTTPServer:
    """Serve the simulator's metrics from a thread of its own until ``shutdown()``."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802  (the stdlib's name)
            path = self.path.split("?", 1)[0]
            if path == HEALTH_PATH:
                ok = simulator.synced
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
    namespaces: Sequence[str],
    host: str,
    port: int,
    table_path: Path,
    on_ready: Callable[[str], None] = log.info,
) -> int:
    """Run until SIGTERM or SIGINT."""
    simulator = TrafficSimulator(api_client, namespaces, table_path)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda _signum, _frame: stop.set())
    simulator.start()
    server = serve(simulator, host, port)
    watched = ", ".join(namespaces)
    on_ready(f"simulating traffic for namespaces {watched} at http://{host}:{port}{APP_PATH}")
    try:
        while not stop.wait(TICK_SECONDS):
            simulator.tick()
    finally:
        server.shutdown()
        simulator.stop()
    return 0
