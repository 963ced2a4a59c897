"""A scrape target whose gauges a test sets, so a real Prometheus sees chosen values."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest


def _text_format_handler(registry: CollectorRegistry) -> type[BaseHTTPRequestHandler]:
    """Always the classic text format: prometheus_client's OpenMetrics output (which
    Prometheus asks for first) rewrites recording-rule names, turning ``a:b:c`` into
    ``a_b_c``, and the signals Kaizen reads are named that way."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = generate_latest(registry)
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE_LATEST)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass  # scrapes every second would flood the test output

    return Handler


class MetricsTarget:
    """Serves ``/metrics`` on a free loopback port from a daemon thread.

    Each metric name is one gauge; the label names it gets on first ``set`` are the ones it
    keeps, as in any real exporter.
    """

    def __init__(self) -> None:
        # Its own registry: the process-wide one carries the test process's own metrics.
        self._registry = CollectorRegistry()
        self._gauges: dict[str, Gauge] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _text_format_handler(self._registry))
        self._server.daemon_threads = True
        host, port = self._server.server_address[:2]
        self.address = f"{host!s}:{port}"
        """host:port, as a Prometheus scrape config names it."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"metrics-target-{port}", daemon=True
        )
        self._thread.start()

    def set(self, name: str, value: float, **labels: str) -> None:
        self._series(name, labels).set(value)

    def remove(self, name: str, **labels: str) -> None:
        """Drop one series; Prometheus marks it stale at the next scrape."""
        gauge = self._gauge(name, labels)
        gauge.remove(*(labels[label] for label in sorted(labels)))

    def _series(self, name: str, labels: dict[str, str]) -> Gauge:
        gauge = self._gauge(name, labels)
        return gauge.labels(**labels) if labels else gauge

    def _gauge(self, name: str, labels: dict[str, str]) -> Gauge:
        with self._lock:
            if name not in self._gauges:
                self._gauges[name] = Gauge(
                    name, f"{name}, set by a test", sorted(labels), registry=self._registry
                )
            return self._gauges[name]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> MetricsTarget:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()
