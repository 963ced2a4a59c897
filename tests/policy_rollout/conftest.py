"""One fleet stack (API on a real port, a worker, 3 OPA nodes) for every policy rollout test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.policy_rollout.fleet import FleetStack, fleet_stack
from tests.servers import SessionServers


@pytest.fixture(scope="package")
async def fleet(
    servers: SessionServers, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[FleetStack]:
    async with fleet_stack(servers, tmp_path_factory.mktemp("fleet")) as stack:
        yield stack
