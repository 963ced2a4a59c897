"""GASI tests: queues of their own per test, tiny tournaments, real promtool."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from temporalio.client import Client, WorkflowHandle

from kaizen.kinds.base import StartContext
from kaizen.kinds.gasi import GASI
from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.processes import free_port
from kaizen.stack.temporal_server import TemporalDevServer
from kaizen.v1.gasi_pb2 import GasiRunRequest, GasiRunResult
from workflows.gasi.workflow import GasiWorkflow

# Tiny pools and few adversaries: a generation is a handful of promtool calls.
TINY: dict[str, Any] = {
    "pool_size": 3,
    "adversaries_per_generation": 3,
    "initial_adversaries": 6,
    "forge_attempts": 8,
    "seed": 7,
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings with GASI queues of this test's own."""
    suffix = uuid.uuid4().hex[:10]
    return settings.model_copy(
        update={
            "gasi_task_queue": f"test-gasi-{suffix}",
            "gasi_evaluation_task_queue": f"test-gasi-eval-{suffix}",
            "gasi_adoptions_dir": settings.home / "gasi",
        }
    )


def gasi_request(settings: Settings, name: str, **config: Any) -> GasiRunRequest:
    context = StartContext(settings=settings, requested_by="olivia", source="test")
    body = {"arena": config.pop("arena", "alert_rule"), "name": name,
            "config": {**TINY, **config}}  # fmt: skip
    return GASI.build_input(body, context)


async def start_gasi(
    client: Client, settings: Settings, name: str, **config: Any
) -> WorkflowHandle[GasiWorkflow, GasiRunResult]:
    request = gasi_request(settings, name, **config)
    return await client.start_workflow(
        GasiWorkflow.run,
        request,
        id=GASI.workflow_id(settings.tenant, request),
        task_queue=settings.gasi_task_queue,
    )


@pytest.fixture(scope="session")
def quick_continue_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dev server of its own whose continue-as-new has no minimum interval.

    Temporal holds a run that continues as new within a second of its start back until
    that second is over (``history.workflowIdReuseMinimalInterval``, a guard against tight
    loops). A real generation takes far longer; a test's tiny one would wait 1 s each, so
    the 200-generation test plays on a server with the guard off.
    """
    state = tmp_path_factory.mktemp("quick-temporal")
    server = TemporalDevServer(
        tools.require(tools.TEMPORAL, Settings().resolved_tools_dir),
        host="127.0.0.1", port=free_port(), ui_port=None, db_file=state / "temporal.db",
        log_path=state / "temporal.log",
    )  # fmt: skip
    server.process.command += [
        "--dynamic-config-value", "history.workflowIdReuseMinimalInterval=0",
    ]  # fmt: skip
    server.start()
    yield server.address
    server.stop()
