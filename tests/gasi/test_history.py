"""Continue-as-new keeps every run's history small however long a tournament plays."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session

from kaizen.persistence import gasi_hall_of_fame as hof
from kaizen.settings import Settings
from kaizen.temporal.client import connect
from tests.conftest import run_worker
from tests.gasi import numbers_arena
from tests.gasi.conftest import start_gasi

MAX_EVENTS_PER_RUN = 50
"""A generation's run: ~4 activities (3 events each), ~5 workflow tasks, phase upserts."""


async def test_two_hundred_generations_keep_each_run_under_the_event_bound(
    quick_continue_server: str, settings: Settings, engine: Engine
) -> None:
    numbers_arena.register()
    settings = settings.model_copy(update={"temporal_address": quick_continue_server})
    client = await connect(settings)
    async with run_worker(settings):
        handle = await start_gasi(
            client, settings, "long", arena="numbers", generations=200, pool_size=2,
            adversaries_per_generation=1, initial_adversaries=2, forge_attempts=1,
        )  # fmt: skip
        result = await handle.result()
    assert result.outcome == "generations_done", result.reason
    assert result.counters.generations_done == 200 and result.counters.runs == 200
    sizes = []
    async for execution in client.list_workflows(f'WorkflowId = "{handle.id}"'):
        history = await client.get_workflow_handle(
            handle.id, run_id=execution.run_id
        ).fetch_history()
        sizes.append(len(history.events))
    assert len(sizes) == 200
    assert max(sizes) <= MAX_EVENTS_PER_RUN, (
        f"events per run: max {max(sizes)}, mean {sum(sizes) / len(sizes):.1f}"
    )
    with Session(engine) as session:
        assert [p.generation for p in hof.progress(session, handle.id)] == list(range(201))
