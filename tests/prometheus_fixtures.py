"""A real Prometheus scraping a test-controlled target, one per test session.

Use it with ``pytest_plugins = ["tests.prometheus_fixtures"]`` in a test module or the root
conftest. Importing the fixture by name also works, but then each importing module gets a
server of its own: pytest keys a fixture by the module it is found in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from activities.prometheus.client import PrometheusClient, Sample
from kaizen.settings import Settings
from kaizen.stack.processes import free_port
from kaizen.stack.prometheus import PrometheusServer, install_prometheus
from tests.metrics_target import MetricsTarget


@dataclass
class ScrapedPrometheus:
    url: str
    target: MetricsTarget
    """Whatever a test sets here, Prometheus holds within a scrape interval (1 s)."""
    server: PrometheusServer

    async def wait_for_samples(
        self,
        client: PrometheusClient,
        promql: str,
        until: Callable[[list[Sample]], bool],
        *,
        timeout: float = 15.0,
    ) -> list[Sample]:
        """Query until ``until`` holds: a value set on the target shows after the next scrape."""
        deadline = time.monotonic() + timeout
        samples: list[Sample] = []
        while time.monotonic() < deadline:
            samples = await client.query(promql)
            if until(samples):
                return samples
            await asyncio.sleep(0.2)
        raise AssertionError(f"{promql!r} never gave the expected samples; last: {samples}")


def start_scraped_prometheus(state_dir: Path) -> ScrapedPrometheus:
    binary = install_prometheus(Settings().resolved_tools_dir)
    target = MetricsTarget()
    server = PrometheusServer(
        binary,
        port=free_port(),
        data_dir=state_dir / "data",
        log_path=state_dir / "prometheus.log",
        scrape_targets=[target.address],
    )
    try:
        server.start()
        server.wait_for_scrape()
    except Exception:
        server.stop()
        target.close()
        raise
    return ScrapedPrometheus(url=server.url, target=target, server=server)


@pytest.fixture(scope="session")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScrapedPrometheus]:
    running = start_scraped_prometheus(tmp_path_factory.mktemp("prometheus"))
    yield running
    running.server.stop()
    running.target.close()
