"""A TCP proxy on loopback that holds each new connection before passing it to a real server.

It puts a real server's answer in flight for as long as a test needs (to stop a worker
while an activity is talking to OPA), without faking the server.
"""

from __future__ import annotations

import asyncio
import contextlib


class LatencyProxy:
    def __init__(
        self,
        target_host: str,
        target_port: int,
        delay_seconds: float,
        *,
        request_delay_seconds: float = 0.0,
    ) -> None:
        """``delay_seconds`` holds each new connection; ``request_delay_seconds`` holds every
        chunk the client sends, so requests on a reused (keep-alive) connection wait too."""
        self._target = (target_host, target_port)
        self._delay = delay_seconds
        self._request_delay = request_delay_seconds
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.connected = asyncio.Event()
        self.port = 0

    async def __aenter__(self) -> LatencyProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle(
        self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter
    ) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connected.set()
        try:
            await asyncio.sleep(self._delay)
            upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
            await asyncio.gather(
                _pipe(client_reader, upstream_writer, self._request_delay),
                _pipe(upstream_reader, client_writer),
            )
        finally:
            self._tasks.discard(task)
            client_writer.close()


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float = 0.0
) -> None:
    with contextlib.suppress(ConnectionError):
        while chunk := await reader.read(65536):
            if delay:
                await asyncio.sleep(delay)
            writer.write(chunk)
            await writer.drain()
    writer.close()
