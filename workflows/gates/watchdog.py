"""The watchdog: a global run timeout that aborts the run and says why."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow

T = TypeVar("T")


class WatchdogExpired(Exception):
    """The run's body did not finish within the run timeout."""

    def __init__(self, timeout: timedelta) -> None:
        super().__init__(f"run exceeded its timeout of {timeout}")
        self.timeout = timeout


async def run_with_watchdog(body: Coroutine[Any, Any, T], timeout: timedelta) -> T:
    """Run ``body``; after ``timeout`` cancel it (and its activities) and raise WatchdogExpired.

    The timer is durable: a worker restart does not reset it.
    """
    task = asyncio.ensure_future(body)
    try:
        await workflow.wait_condition(task.done, timeout=timeout)
    except TimeoutError:
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        raise WatchdogExpired(timeout) from None
    except asyncio.CancelledError:
        # The whole run was cancelled (e.g. by an operator): stop the body too.
        task.cancel()
        raise
    return task.result()
