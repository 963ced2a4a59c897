"""The LLM forge against the fake OpenAI-compatible server, behind the real ``openai``
client, on real Temporal: the arena validates what the model proposes (valid ones join the
tournament, the rest are dropped and counted), and the tokens the server reports are spent
from ``budgets.llm_tokens`` until the run ends or pauses like the evaluation budget."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio.client import Client

from kaizen.persistence import gasi_hall_of_fame as hof
from kaizen.settings import Settings
from kaizen.v1.gasi_pb2 import GasiBudgetChange, GasiBudgets, GasiControl, GasiRunResult
from tests.conftest import run_worker
from tests.fake_llm import FakeLlm
from tests.gasi import numbers_arena
from tests.gasi.conftest import start_gasi
from tests.gasi.test_controls import NUMBERS, until
from workflows.gasi.workflow import GasiWorkflow

TOKENS_PER_CALL = 1500  # what the fake server reports in usage.total_tokens


@pytest.fixture
def fake_llm() -> Iterator[FakeLlm]:
    with FakeLlm() as fake:
        yield fake


@pytest.fixture
def llm_settings(settings: Settings, fake_llm: FakeLlm) -> Settings:
    return settings.model_copy(
        update={"llm_base_url": fake_llm.base_url, "llm_model": "fake-forge",
                "llm_timeout_seconds": 5.0}
    )  # fmt: skip


def generation_event(result: GasiRunResult) -> dict[str, Any]:
    (event,) = [e for e in result.events if e.type == "gasi.generation"]
    return dict(event.data)


async def test_valid_proposals_join_the_tournament_and_invalid_ones_are_counted(
    client: Client, llm_settings: Settings, fake_llm: FakeLlm, engine: Engine
) -> None:
    numbers_arena.register()
    fake_llm.respond = lambda _request: json.dumps(
        {"adversaries": [{"value": 500}, {"value": 501}, {"value": "lots"}, {"value": -5},
                         {"colour": "red"}]}
    )  # fmt: skip
    async with run_worker(llm_settings):
        # Two forged a generation: the model's two valid proposals fit.
        config = {**NUMBERS, "adversaries_per_generation": 2, "forge_attempts": 2}
        handle = await start_gasi(client, llm_settings, "llm-valid", generations=1,
                                  llm_forge=True, **config)  # fmt: skip
        result = await handle.result()
    assert result.outcome == "generations_done", result.reason
    assert result.counters.llm_tokens_spent == TOKENS_PER_CALL
    played = generation_event(result)
    assert (played["llm_kept"], played["llm_invalid"]) == (2, 3)
    assert played["llm_tokens"] == TOKENS_PER_CALL
    with Session(engine) as session:
        archive = hof.archived(session, handle.id)
    from_model = sorted(a.summary for a in archive if a.origin == "llm")
    assert from_model == ["m=500", "m=501"]
    # The model was asked in the arena's schema, with the champion it should beat.
    (sent,) = fake_llm.requests
    schema = sent["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["adversaries"]["items"]["required"] == ["value"]
    assert json.loads(sent["messages"][1]["content"])["champion"]["summary"].startswith("n=")


async def test_an_answer_that_is_not_json_is_dropped_and_the_generation_plays_on(
    client: Client, llm_settings: Settings, fake_llm: FakeLlm, engine: Engine
) -> None:
    numbers_arena.register()
    fake_llm.respond = lambda _request: "Here are some scary numbers: 7, 8 and 9."
    async with run_worker(llm_settings):
        handle = await start_gasi(client, llm_settings, "llm-garbage", generations=1,
                                  llm_forge=True, **NUMBERS)  # fmt: skip
        result = await handle.result()
    assert result.outcome == "generations_done", result.reason
    played = generation_event(result)
    assert (played["llm_kept"], played["llm_invalid"]) == (0, 1)
    assert played["forged"] >= 1  # the arena's own forge still forged
    assert result.counters.llm_tokens_spent == TOKENS_PER_CALL  # spent all the same
    with Session(engine) as session:
        assert not [a for a in hof.archived(session, handle.id) if a.origin == "llm"]


async def test_the_token_budget_ends_the_run_with_its_reason(
    client: Client, llm_settings: Settings, fake_llm: FakeLlm
) -> None:
    numbers_arena.register()
    fake_llm.respond = lambda request: json.dumps(
        {"adversaries": [{"value": 100 + len(fake_llm.requests)}]}
    )
    async with run_worker(llm_settings):
        handle = await start_gasi(client, llm_settings, "llm-budget", llm_forge=True,
                                  budgets={"llm_tokens": 4000}, **NUMBERS)  # fmt: skip
        result = await handle.result()
    assert result.outcome == "budget_exhausted"
    assert result.reason == (
        "LLM token budget exhausted: 3000 of 4000 tokens spent, and a generation's forge "
        "needs about 1500"
    )
    assert result.counters.llm_tokens_spent == 2 * TOKENS_PER_CALL
    assert result.counters.generations_done == 2 and len(fake_llm.requests) == 2


async def test_the_token_budget_pauses_the_run_until_it_is_raised(
    client: Client, llm_settings: Settings, fake_llm: FakeLlm
) -> None:
    numbers_arena.register()
    fake_llm.respond = lambda request: json.dumps(
        {"adversaries": [{"value": 200 + len(fake_llm.requests)}]}
    )
    async with run_worker(llm_settings):
        handle = await start_gasi(client, llm_settings, "llm-pause", llm_forge=True,
                                  budgets={"llm_tokens": 2000}, on_budget_exhausted="pause",
                                  **NUMBERS)  # fmt: skip
        held = await until(handle, lambda s, p: p == "budget_paused")
        assert held.budget_pause.startswith("LLM token budget exhausted: 1500 of 2000")
        await handle.execute_update(
            GasiWorkflow.change_budgets,
            GasiBudgetChange(budgets=GasiBudgets(llm_tokens=3500), by="olivia"),
        )
        await until(handle, lambda s, p: s.counters.llm_tokens_spent == 3000)
        await until(handle, lambda s, p: p == "budget_paused")
        await handle.signal(GasiWorkflow.stop, GasiControl(by="olivia"))
        result = await handle.result()
    assert result.outcome == "stopped"
    assert result.counters.llm_tokens_spent == 3000 and len(fake_llm.requests) == 2
