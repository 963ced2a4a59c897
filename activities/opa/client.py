"""A thin policy client over opa-python-client's async client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from opa_client import AsyncOpaClient


@dataclass(frozen=True)
class PolicyAnswer:
    """One OPA decision."""

    result: Any
    """The rule's value; None when the rule is undefined for this input."""
    decision_id: str
    """OPA's decision id (present when decision logging is on); links to OPA's logs."""


class PolicyClient:
    """Queries rules by package path; one aiohttp session for the process's lifetime.

    ``token`` is sent as ``Authorization: Bearer`` on every request: the embedded OPA
    answers nothing else (``KAIZEN_OPA_TOKEN``); None for an OPA without authentication.
    """

    def __init__(
        self, base_url: str, *, token: str | None = None, timeout_seconds: float = 5.0
    ) -> None:
        parts = urlsplit(base_url)
        self._opa = AsyncOpaClient(
            host=parts.hostname or "127.0.0.1",
            port=parts.port or (443 if parts.scheme == "https" else 80),
            ssl=parts.scheme == "https",
            token=token,
            timeout=timeout_seconds,
            retries=0,  # Temporal retries the activity; two retry layers would hide outages.
        )
        self._started = False

    async def decide(
        self, package_path: str, rule: str, input_data: dict[str, Any]
    ) -> PolicyAnswer:
        await self._start()
        body = await self._opa.query_rule(input_data, package_path, rule)
        return PolicyAnswer(result=body.get("result"), decision_id=body.get("decision_id", ""))

    async def put_data(self, path: str, value: dict[str, Any]) -> None:
        """Replace the document at ``data/<path>`` (slash-separated)."""
        await self._start()
        await self._opa.update_or_create_data(value, path)

    async def _start(self) -> None:
        if not self._started:
            await self._opa.__aenter__()
            self._started = True

    async def close(self) -> None:
        if self._started:
            await self._opa.close_connection()
            self._started = False
