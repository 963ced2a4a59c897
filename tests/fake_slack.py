"""A fake Slack Web API on loopback, and requests signed the way Slack signs them.

Only what cannot run here is faked: production's own ``AsyncWebClient`` talks to it through
``base_url``. It serves from a thread, so sync and async tests use it alike. It keeps the
channels' messages (so a test can see what an update did), records every call, and can be
told to misbehave: answer 429 with Retry-After, answer a Slack error, answer slowly, fail
unreachable (an HTTP 5xx, or a connection closed unanswered, applying nothing), or apply a
call and then drop the connection (the window a retried post must not double-post in).
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

BOT_TOKEN = "xoxb-kaizen-test-token"
BOT_USER_ID = "U0KAIZENBOT"
BOT_ID = "B0KAIZENBOT"
TEAM_ID = "T0KAIZEN"
APPROVAL_CHANNEL_ID = "C0APPROVALS"
APPROVAL_CHANNEL_NAME = "kaizen-approvals"

# Fields Slack's clients send as JSON text inside form or query encoding.
_JSON_FIELDS = ("blocks", "attachments", "metadata")


@dataclass(frozen=True)
class SlackCall:
    """One request the fake received, as it arrived."""

    method: str
    """The Web API method, e.g. ``chat.postMessage``."""
    body: dict[str, Any]
    """JSON body, form fields or query parameters, whichever the client sent."""
    headers: dict[str, str]
    """Request headers with lower-case names (``authorization`` included)."""


@dataclass
class _Fault:
    kind: Literal["rate_limit", "error", "delay", "drop_after_apply", "http_error", "disconnect"]
    remaining: int
    method: str | None
    error: str = ""
    retry_after: int = 1
    seconds: float = 0.0
    status: int = 500


@dataclass
class _Channel:
    id: str
    name: str
    messages: list[dict[str, Any]] = field(default_factory=list)


class FakeSlack:
    """Slack's Web API for ``chat.postMessage``, ``chat.update``, ``auth.test`` and the
    ``conversations.history``/``conversations.replies`` reads, on a free loopback port.

    Stricter than Slack in one way: a threaded reply to a message that does not exist is
    refused (``thread_not_found``) instead of silently starting a new thread.
    """

    def __init__(
        self,
        token: str = BOT_TOKEN,
        channels: Mapping[str, str] | None = None,
    ) -> None:
        self.token = token
        self.bot_user_id = BOT_USER_ID
        channels = (
            channels if channels is not None else {APPROVAL_CHANNEL_ID: APPROVAL_CHANNEL_NAME}
        )
        self._channels = {cid: _Channel(cid, name) for cid, name in channels.items()}
        self._calls: list[SlackCall] = []
        self._faults: list[_Fault] = []
        self._last_ts_us = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        # A short poll interval: shutdown waits for it, and every test stops a server.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """What ``AsyncWebClient(base_url=...)`` takes: ends with ``/api/`` like Slack's."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/api/"

    # -- what happened -----------------------------------------------------------------------

    @property
    def calls(self) -> list[SlackCall]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[SlackCall]:
        return [call for call in self.calls if call.method == method]

    def messages(self, channel: str = APPROVAL_CHANNEL_ID) -> list[dict[str, Any]]:
        """Every message in the channel, thread replies included, oldest first (copies)."""
        with self._lock:
            return copy.deepcopy(self._channels[channel].messages)

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        found = [m for m in self.messages(channel) if m["ts"] == ts]
        if not found:
            raise KeyError(f"no message {ts} in {channel}")
        return found[0]

    def replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        return [
            m
            for m in self.messages(channel)
            if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
        ]

    def add_channel(self, channel_id: str, name: str) -> None:
        with self._lock:
            self._channels[channel_id] = _Channel(channel_id, name)

    # -- faults: each applies to the next ``times`` matching calls ---------------------------

    def rate_limit_next(
        self, times: int = 1, *, retry_after: int = 1, method: str | None = None
    ) -> None:
        """Answer 429 with ``Retry-After`` (Slack's ``ratelimited``) and apply nothing."""
        self._add(_Fault("rate_limit", times, method, retry_after=retry_after))

    def fail_next(self, error: str, times: int = 1, *, method: str | None = None) -> None:
        """Answer ``{"ok": false, "error": error}`` with HTTP 200, as Slack does."""
        self._add(_Fault("error", times, method, error=error))

    def delay_next(self, seconds: float, times: int = 1, *, method: str | None = None) -> None:
        """Answer normally, after ``seconds``."""
        self._add(_Fault("delay", times, method, seconds=seconds))

    def http_error_next(
        self, status: int = 500, times: int = 1, *, method: str | None = None
    ) -> None:
        """Answer HTTP ``status`` with a plain-text body, as a failing edge in front of Slack
        would, and apply nothing."""
        self._add(_Fault("http_error", times, method, status=status))

    def disconnect_next(self, times: int = 1, *, method: str | None = None) -> None:
        """Close the connection unanswered and apply nothing: Slack unreachable mid-call."""
        self._add(_Fault("disconnect", times, method))

    def drop_after_apply_next(self, times: int = 1, *, method: str | None = None) -> None:
        """Apply the call (the message is posted), then close the connection unanswered."""
        self._add(_Fault("drop_after_apply", times, method))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.method in (None, method):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- the API -----------------------------------------------------------------------------

    def _record(self, call: SlackCall) -> None:
        with self._lock:
            self._calls.append(call)

    def _authorized(self, call: SlackCall) -> str | None:
        """None when the token is right, else Slack's error code."""
        bearer = call.headers.get("authorization", "")
        token = bearer.removeprefix("Bearer ") if bearer.startswith("Bearer ") else ""
        token = token or str(call.body.get("token", ""))
        if not token:
            return "not_authed"
        return None if hmac.compare_digest(token, self.token) else "invalid_auth"

    def answer(self, call: SlackCall) -> tuple[int, dict[str, Any]]:
        methods = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._post_message,
            "chat.update": self._update,
            "conversations.history": self._history,
            "conversations.replies": self._replies,
        }
        if call.method not in methods:
            return 404, {"ok": False, "error": "unknown_method"}
        refused = self._authorized(call)
        if refused is not None:
            return 200, {"ok": False, "error": refused}
        with self._lock:
            return 200, methods[call.method](call.body)

    def _auth_test(self, _body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://kaizen-test.slack.com/",
            "team": "Kaizen Test",
            "user": "kaizen",
            "team_id": TEAM_ID,
            "user_id": self.bot_user_id,
            "bot_id": BOT_ID,
        }

    def _channel(self, reference: object) -> _Channel | None:
        name = str(reference or "").removeprefix("#")
        return self._channels.get(name) or next(
            (c for c in self._channels.values() if c.name == name), None
        )

    def _next_ts(self) -> str:
        # Real time, strictly increasing: ``oldest`` filters behave as they do on Slack.
        self._last_ts_us = max(time.time_ns() // 1000, self._last_ts_us + 1)
        return f"{self._last_ts_us // 1_000_000}.{self._last_ts_us % 1_000_000:06d}"

    def _post_message(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = self._channel(body.get("channel"))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not body.get("text") and not body.get("blocks"):
            return {"ok": False, "error": "no_text"}
        message: dict[str, Any] = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": BOT_ID,
            "text": body.get("text", ""),
            "ts": self._next_ts(),
        }
        if body.get("blocks"):
            message["blocks"] = body["blocks"]
        if body.get("metadata"):
            message["metadata"] = body["metadata"]
        thread_ts = body.get("thread_ts")
        if thread_ts:
            parent = next((m for m in channel.messages if m["ts"] == thread_ts), None)
            if parent is None:
                return {"ok": False, "error": "thread_not_found"}
            message["thread_ts"] = thread_ts
            parent.setdefault("thread_ts", thread_ts)
            parent["reply_count"] = parent.get("reply_count", 0) + 1
        channel.messages.append(message)
        return {"ok": True, "channel": channel.id, "ts": message["ts"], "message": message}

    def _update(self, body: dict[str, Any]) -> dict[str, Any]:
        # chat.update takes a channel id only; a name is channel_not_found on Slack too.
        channel = self._channels.get(str(body.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        message = next((m for m in channel.messages if m["ts"] == body.get("ts")), None)
        if message is None:
            return {"ok": False, "error": "message_not_found"}
        if "text" in body:
            message["text"] = body["text"]
        if "blocks" in body:
            message["blocks"] = body["blocks"]
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel.id,
            "ts": message["ts"],
            "text": message["text"],
            "message": message,
        }

    def _history(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = self._channels.get(str(body.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        top_level = [m for m in channel.messages if m.get("thread_ts", m["ts"]) == m["ts"]]
        newest_first = list(reversed(_window(top_level, body)))
        return {"ok": True, "messages": _shown(newest_first, body), "has_more": False}

    def _replies(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = self._channels.get(str(body.get("channel", "")))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        thread_ts = body.get("ts")
        parent = [m for m in channel.messages if m["ts"] == thread_ts]
        if not parent:
            return {"ok": False, "error": "thread_not_found"}
        replies = [
            m for m in channel.messages if m.get("thread_ts") == thread_ts and m not in parent
        ]
        # Slack always returns the parent first, whatever the window says.
        shown = parent + _window(replies, body)
        return {"ok": True, "messages": _shown(shown, body), "has_more": False}


def _window(messages: list[dict[str, Any]], body: dict[str, Any]) -> list[dict[str, Any]]:
    oldest = float(body.get("oldest") or 0)
    latest = float(body.get("latest") or "inf")
    limit = int(body.get("limit") or 100)
    return [m for m in messages if oldest < float(m["ts"]) <= latest][-limit:]


def _shown(messages: list[dict[str, Any]], body: dict[str, Any]) -> list[dict[str, Any]]:
    # Slack leaves metadata out of reads unless asked for it.
    with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
    copies = copy.deepcopy(messages)
    if not with_metadata:
        for message in copies:
            message.pop("metadata", None)
    return copies


def _handler_for(slack: FakeSlack) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep test output clean

        def _serve(self) -> None:
            url = urlsplit(self.path)
            method = url.path.removeprefix("/api/")
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            call = SlackCall(
                method=method,
                body=_parse_body(raw, self.headers.get("Content-Type", ""), url.query),
                headers={k.lower(): v for k, v in self.headers.items()},
            )
            slack._record(call)
            fault = slack._take_fault(method)
            if fault is not None and fault.kind == "delay":
                time.sleep(fault.seconds)
            if fault is not None and fault.kind == "rate_limit":
                body = {"ok": False, "error": "ratelimited"}
                self._reply(429, body, {"Retry-After": str(fault.retry_after)})
                return
            if fault is not None and fault.kind == "error":
                self._reply(200, {"ok": False, "error": fault.error})
                return
            if fault is not None and fault.kind == "http_error":
                self._reply_text(fault.status, "upstream unavailable")
                return
            if fault is not None and fault.kind == "disconnect":
                self.close_connection = True
                return
            status, body = slack.answer(call)
            if fault is not None and fault.kind == "drop_after_apply":
                self.close_connection = True
                return
            self._reply(status, body)

        def _reply(
            self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
        ) -> None:
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def _reply_text(self, status: int, text: str) -> None:
            payload = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


def _parse_body(raw: bytes, content_type: str, query: str) -> dict[str, Any]:
    body: dict[str, Any] = dict(parse_qsl(query))
    if raw and content_type.startswith("application/json"):
        body.update(json.loads(raw))
    elif raw:
        body.update(parse_qsl(raw.decode()))
    for name in _JSON_FIELDS:
        if isinstance(body.get(name), str):
            body[name] = json.loads(body[name])
    return body


# -- requests from Slack to Kaizen -----------------------------------------------------------


def sign(signing_secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The headers Slack sends with ``body``: an HMAC-SHA256 of ``v0:<timestamp>:<body>``."""
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    base = b"v0:" + stamp.encode() + b":" + body
    digest = hmac.new(signing_secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": stamp}


def reaction_event(
    *,
    reaction: str,
    user: str,
    channel: str,
    ts: str,
    event_id: str = "Ev0001",
    event_type: Literal["reaction_added", "reaction_removed"] = "reaction_added",
) -> bytes:
    """An Events API ``event_callback`` body for a reaction on a message."""
    envelope = {
        "token": "deprecated-verification-token",
        "team_id": TEAM_ID,
        "api_app_id": "A0KAIZEN",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": {
            "type": event_type,
            "user": user,
            "reaction": reaction,
            "item": {"type": "message", "channel": channel, "ts": ts},
            "item_user": BOT_USER_ID,
            "event_ts": f"{time.time():.6f}",
        },
    }
    return json.dumps(envelope).encode()


def button_press(
    *, action_id: str, value: str, user: str, channel: str, ts: str, trigger_id: str = "T1"
) -> bytes:
    """An interactivity ``block_actions`` body: form-encoded, the JSON in ``payload``."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID},
        "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
        "api_app_id": "A0KAIZEN",
        "trigger_id": trigger_id,
        "container": {"type": "message", "channel_id": channel, "message_ts": ts},
        "channel": {"id": channel},
        "message": {"ts": ts, "type": "message"},
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "kaizen_actions",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)}).encode()
