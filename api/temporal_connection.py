"""One Temporal client per API process, connected on first use and reconnected on demand.

The API must start (and answer /healthz) even when Temporal is down, so the
client is not connected in the lifespan; requests that need it get a 503.
"""

from __future__ import annotations

import asyncio

from temporalio.client import Client

from kaizen.settings import Settings
from kaizen.temporal.client import connect


class TemporalUnavailable(Exception):
    pass


class TemporalConnection:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def client(self) -> Client:
        if self._client is not None:
            return self._client
        async with self._lock:
            if self._client is None:
                try:
                    self._client = await connect(self._settings)
                except Exception as error:
                    raise TemporalUnavailable(
                        f"Temporal at {self._settings.temporal_target} is unreachable: {error}"
                    ) from error
            return self._client
