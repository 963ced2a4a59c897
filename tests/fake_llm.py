"""A fake OpenAI-compatible chat completions server on loopback.

Only the model cannot run here: production's own ``openai`` client talks to it through
``base_url``. Its answers are scripted by mode: ``valid`` (claims citing ids taken from the
evidence in the request), ``uncited`` (one claim citing nothing, one citing an id that does
not exist, one good), ``garbage`` (not JSON), ``slow`` (answers after ``delay`` seconds),
and ``garbage_once`` / ``unknown_once`` (that answer first, a valid one when asked again
with the validator's errors). Every request is recorded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any, Literal

from tests.loopback_server import LoopbackServer

Mode = Literal["valid", "uncited", "garbage", "slow", "garbage_once", "unknown_once"]


class FakeLlm(LoopbackServer):
    def __init__(self) -> None:
        self.mode: Mode = "valid"
        self.delay = 3.0
        self.requests: list[dict[str, Any]] = []
        # Answers for callers other than RCA (the GASI forge): the request in, the content out.
        self.respond: Callable[[dict[str, Any]], str] | None = None
        super().__init__(_handler(self))
        self.base_url = f"{self.address}/v1"

    def answer(self, request: dict[str, Any]) -> str:
        if self.respond is not None:
            return self.respond(request)
        asked = json.loads(request["messages"][1]["content"])
        retried = len(request["messages"]) > 2
        ids = [e["id"] for e in asked["evidence"]]
        changes = [e["id"] for e in asked["evidence"] if e["kind"] == "change"] or ids[:1]
        metrics = [e["id"] for e in asked["evidence"] if e["kind"] == "metric"] or ids[:1]
        if self.mode == "garbage" or (self.mode == "garbage_once" and not retried):
            return "I think it was probably DNS."
        claims = [
            {"text": "The image change preceded the errors.", "type": "causal",
             "evidence_ids": changes[:1]},
            {"text": "The error ratio rose after onset.", "type": "observation",
             "evidence_ids": metrics[:1]},
        ]  # fmt: skip
        if self.mode == "unknown_once" and not retried:
            claims[0]["evidence_ids"] = ["chg-made-up"]
        if self.mode == "uncited":
            claims += [
                {"text": "It was caused by a bad cache.", "type": "causal", "evidence_ids": []},
                {"text": "The database was slow.", "type": "observation",
                 "evidence_ids": ["ev-made-up"]},
            ]  # fmt: skip
        return json.dumps(
            {"undetermined": False, "sections": [{"key": "summary", "claims": claims}]}
        )


def _handler(fake: FakeLlm) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            request = json.loads(self.rfile.read(length) or b"{}")
            fake.requests.append(request)
            if fake.mode == "slow":
                time.sleep(fake.delay)
            body = json.dumps(
                {
                    "id": "chatcmpl-fake",
                    "object": "chat.completion",
                    "created": 0,
                    "model": request.get("model", "fake"),
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": fake.answer(request)},
                        }
                    ],
                    "usage": {
                        "prompt_tokens": 1200,
                        "completion_tokens": 300,
                        "total_tokens": 1500,
                    },
                }  # fmt: skip
            ).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout case)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
