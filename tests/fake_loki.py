"""A loopback HTTP server speaking Loki's documented ``GET /loki/api/v1/query_range``.

Loki itself cannot be built here (its Go module carries replace directives, so
``go install`` refuses it). This answers the documented reply shape: ``{"status":
"success", "data": {"resultType": "streams", "result": [{"stream": {labels}, "values":
[["<unix ns>", "<line>"], …]}]}}``, with the streams whose labels match the query's
equality matchers, lines inside [start, end], newest first up to ``limit``. ``mode``
``error`` answers 500 and ``garbage`` a body that is not JSON. Every query is recorded.
"""

from __future__ import annotations

import json
import re
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from tests.loopback_server import LoopbackServer

Mode = Literal["ok", "error", "garbage"]
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"')


class FakeLoki(LoopbackServer):
    def __init__(self) -> None:
        self.mode: Mode = "ok"
        self.streams: list[tuple[dict[str, str], list[tuple[int, str]]]] = []
        self.queries: list[dict[str, str]] = []
        super().__init__(_handler(self))
        self.url = self.address

    def push(self, labels: dict[str, str], lines: list[tuple[int, str]]) -> None:
        """Add a stream (as a log shipper would), lines as (unix ns, text)."""
        self.streams.append((labels, lines))

    def answer(self, params: dict[str, str]) -> dict[str, Any]:
        wanted = {k: json.loads(f'"{v}"') for k, v in _MATCHER.findall(params["query"])}
        start, end, limit = int(params["start"]), int(params["end"]), int(params["limit"])
        found = [
            (labels, at, line)
            for labels, lines in self.streams
            if all(labels.get(k) == v for k, v in wanted.items())
            for at, line in lines
            if start <= at <= end
        ]
        found.sort(key=lambda f: f[1], reverse=params.get("direction") != "forward")
        streams: dict[str, dict[str, Any]] = {}
        for labels, at, line in found[:limit]:
            key = json.dumps(labels, sort_keys=True)
            streams.setdefault(key, {"stream": labels, "values": []})["values"].append(
                [str(at), line]
            )
        return {
            "status": "success",
            "data": {"resultType": "streams", "result": list(streams.values()), "stats": {}},
        }


def _handler(fake: FakeLoki) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path != "/loki/api/v1/query_range":
                self._reply(404, b"404 page not found")
                return
            fake.queries.append(params)
            if fake.mode == "error":
                self._reply(500, b"too many outstanding requests")
            elif fake.mode == "garbage":
                self._reply(200, b"<html>a proxy's login page</html>")
            else:
                self._reply(200, json.dumps(fake.answer(params)).encode())

        def _reply(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
