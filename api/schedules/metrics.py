"""Schedule counters as Prometheus metrics: actions taken, skipped by overlap, missed by
catch-up, and schedules by state, per kind.

Temporal keeps the counters (every API replica and the Web UI see the same ones), so
they are read from it, not counted here. Reading means describing every schedule; a
scrape refreshes them at most every ``REFRESH_SECONDS`` and a few at a time, so a
thousand schedules cost one bounded burst per refresh, not one per scrape.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Iterator
from typing import Final

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from temporalio.client import Client, ScheduleListDescription

from api.schedules.declarations import declared_kind
from api.schedules.temporal import name_of
from kaizen.kinds.registry import REGISTRY as KINDS
from kaizen.settings import Settings

log = logging.getLogger("kaizen.api.schedules")

REFRESH_SECONDS: Final = 15.0
CONCURRENT_DESCRIBES: Final = 8


class ScheduleCountersCollector(Collector):
    def __init__(self) -> None:
        self._taken: Counter[str] = Counter()
        self._skipped: Counter[str] = Counter()
        self._missed: Counter[str] = Counter()
        self._schedules: Counter[tuple[str, str]] = Counter()
        self._refreshed = 0.0
        self._lock = asyncio.Lock()

    async def refresh(self, client: Client, engine: Engine, settings: Settings) -> None:
        """Read the counters from Temporal if the last reading is older than the period."""
        if time.monotonic() - self._refreshed < REFRESH_SECONDS:
            return
        async with self._lock:
            if time.monotonic() - self._refreshed < REFRESH_SECONDS:
                return
            try:
                await self._read(client, engine, settings)
            except Exception as error:  # a scrape must not fail because Temporal did
                log.warning("could not read schedule counters: %s", error)
                return
            self._refreshed = time.monotonic()

    async def _read(self, client: Client, engine: Engine, settings: Settings) -> None:
        listed: list[ScheduleListDescription] = [
            s async for s in await client.list_schedules() if name_of(settings, s.id)
        ]
        gate = asyncio.Semaphore(CONCURRENT_DESCRIBES)

        async def counts(found: ScheduleListDescription) -> tuple[str, bool, int, int, int]:
            async with gate:
                described = await client.get_schedule_handle(found.id).describe()
            name = name_of(settings, found.id) or found.id
            kind = await asyncio.to_thread(declared_kind, engine, settings, name)
            info = described.info
            return (
                kind if kind in KINDS else "unknown",
                described.schedule.state.paused,
                info.num_actions,
                info.num_actions_skipped_overlap,
                info.num_actions_missed_catchup_window,
            )

        rows = await asyncio.gather(*(counts(found) for found in listed))
        taken: Counter[str] = Counter()
        skipped: Counter[str] = Counter()
        missed: Counter[str] = Counter()
        schedules: Counter[tuple[str, str]] = Counter()
        for kind, paused, actions, overlap, catchup in rows:
            taken[kind] += actions
            skipped[kind] += overlap
            missed[kind] += catchup
            schedules[(kind, "paused" if paused else "active")] += 1
        self._taken, self._skipped, self._missed, self._schedules = (
            taken,
            skipped,
            missed,
            schedules,
        )

    def describe(self) -> Iterator[Metric]:
        yield from self._families()

    def collect(self) -> Iterator[Metric]:
        yield from self._families(filled=True)

    def _families(self, *, filled: bool = False) -> Iterator[Metric]:
        families = [
            (CounterMetricFamily, "kaizen_schedule_actions", "Runs started by schedules",
             self._taken),
            (CounterMetricFamily, "kaizen_schedule_actions_skipped_overlap",
             "Fires skipped because the previous run was still going", self._skipped),
            (CounterMetricFamily, "kaizen_schedule_actions_missed_catchup",
             "Fires missed while the server was down, beyond the catch-up window",
             self._missed),
        ]  # fmt: skip
        for family_type, name, documentation, values in families:
            family = family_type(name, documentation, labels=["kind"])
            for kind, value in sorted(values.items()) if filled else []:
                family.add_metric([kind], value)
            yield family
        gauge = GaugeMetricFamily(
            "kaizen_schedules", "Schedules by state", labels=["kind", "state"]
        )
        for (kind, state), value in sorted(self._schedules.items()) if filled else []:
            gauge.add_metric([kind, state], value)
        yield gauge


SCHEDULE_COUNTERS: Final = ScheduleCountersCollector()
REGISTRY.register(SCHEDULE_COUNTERS)
