"""The CLI's way to the Kaizen API: one HTTP path for validation, roles and the audit.

Commands that change something go through the API rather than to Temporal directly,
so the CLI is refused exactly as any other caller is and every change is recorded
with the name of the key that made it.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import httpx

from kaizen.settings import Settings

API_URL_ENV: Final = "KAIZEN_API_URL"
API_KEY_ENV: Final = "KAIZEN_API_KEY"
TIMEOUT: Final = httpx.Timeout(30.0, connect=5.0)
RATE_LIMITED_RETRIES: Final = 5
"""A 429 is waited out (its Retry-After) this many times: applying a large directory
may outrun the per-key rate limit, and no request is refused for going too fast."""
MAX_RETRY_AFTER_SECONDS: Final = 30.0

# httpx logs every request at INFO; a command's output is its own lines only.
logging.getLogger("httpx").setLevel(logging.WARNING)


class ApiKeyMissing(Exception):
    """Neither KAIZEN_API_KEY nor KAIZEN_HOME/admin.key gives a key."""


@dataclass(frozen=True)
class Problem:
    field: str
    """Where in the request, e.g. ``input.service``."""
    message: str


@dataclass
class ApiRefused(Exception):
    """The API answered with an error (its JSON ``{"error", "problems"}``)."""

    status: int
    error: str
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.status}: {self.error}"

    def lines(self) -> list[str]:
        """The refusal as the user reads it: the error, then each field's problem."""
        if not self.problems:
            return [f"API refused ({self.status}): {self.error}"]
        # The error repeats the problems; each on a line of its own reads better.
        return [f"API refused ({self.status}):"] + [
            f"  {p.field}: {p.message}" for p in self.problems
        ]


class ApiUnreachable(Exception):
    """No answer from the API at all (refused connection, timeout)."""


def default_api_url() -> str:
    return os.environ.get(API_URL_ENV) or Settings().api_base_url


def default_api_key() -> str:
    """KAIZEN_API_KEY, else the admin key ``kaizen up`` wrote under KAIZEN_HOME."""
    key = os.environ.get(API_KEY_ENV, "").strip()
    if key:
        return key
    path: Path = Settings().admin_key_path
    try:
        key = path.read_text().strip()
    except OSError as error:
        raise ApiKeyMissing(
            f"no API key: set {API_KEY_ENV} or run `kaizen up` once so {path} exists ({error})"
        ) from error
    if not key:
        raise ApiKeyMissing(f"no API key: {path} is empty; set {API_KEY_ENV}")
    return key


def _refusal(response: httpx.Response) -> ApiRefused:
    try:
        body = response.json()
    except ValueError:
        return ApiRefused(response.status_code, response.text[:500] or response.reason_phrase)
    if not isinstance(body, dict):
        return ApiRefused(response.status_code, str(body)[:500])
    problems = [
        Problem(str(p.get("field", "")), str(p.get("message", "")))
        for p in body.get("problems") or []
        if isinstance(p, dict)
    ]
    return ApiRefused(
        response.status_code, str(body.get("error", response.reason_phrase)), problems
    )


def _retry_after(response: httpx.Response) -> float:
    try:
        seconds = float(response.headers.get("retry-after", "1"))
    except ValueError:
        seconds = 1.0
    return min(max(seconds, 0.1), MAX_RETRY_AFTER_SECONDS)


class KaizenApi:
    """A synchronous client of the API, authenticated with one key."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {key}"},
            timeout=TIMEOUT,
        )

    def __enter__(self) -> KaizenApi:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._http.close()

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """The decoded JSON answer (None for 204); an error answer raises ApiRefused."""
        for _ in range(RATE_LIMITED_RETRIES):
            response = self._send(method, path, body)
            if response.status_code != httpx.codes.TOO_MANY_REQUESTS:
                break
            time.sleep(_retry_after(response))
        else:
            response = self._send(method, path, body)
        if response.is_error:
            raise _refusal(response)
        if response.status_code == httpx.codes.NO_CONTENT or not response.content:
            return None
        return response.json()

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> httpx.Response:
        try:
            return self._http.request(method, path, json=body)
        except httpx.TransportError as error:
            raise ApiUnreachable(f"cannot reach the API at {self.base_url}: {error}") from error

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, body)

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("PATCH", path, body)

    def delete(self, path: str) -> None:
        self.request("DELETE", path)
