"""Steering a playing tournament: pause and resume across continue-as-new, stop after the
generation in play, budgets that run out with their reason and change through an Update."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from temporalio.client import Client, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from kaizen.settings import Settings
from kaizen.v1.gasi_pb2 import GasiBudgetChange, GasiBudgets, GasiCarry, GasiControl
from tests.conftest import run_worker
from tests.gasi import numbers_arena
from tests.gasi.conftest import start_gasi
from workflows.gasi.workflow import GasiWorkflow
from workflows.gates.governed import GovernedRun

NUMBERS = {"arena": "numbers", "pool_size": 2, "adversaries_per_generation": 1,
           "initial_adversaries": 2, "forge_attempts": 1}  # fmt: skip


async def until(
    handle: WorkflowHandle[GasiWorkflow, object],
    check: Callable[[GasiCarry, str], bool],
    timeout: float = 30.0,
) -> GasiCarry:
    """Poll the latest run of the chain (continue-as-new keeps the workflow id)."""
    deadline = time.monotonic() + timeout
    state, phase = GasiCarry(), ""
    while time.monotonic() < deadline:
        try:
            state = await handle.query(GasiWorkflow.gasi_state)
            phase = (await handle.query(GovernedRun.status)).phase
        except Exception:  # noqa: BLE001 - between two runs of the chain
            await asyncio.sleep(0.1)
            continue
        if check(state, phase):
            return state
        await asyncio.sleep(0.1)
    raise AssertionError(f"never reached the state; last phase {phase}: {state}")


async def test_pause_holds_across_continue_as_new_and_resume_plays_on(
    client: Client, settings: Settings
) -> None:
    numbers_arena.register()
    async with run_worker(settings):
        handle = await start_gasi(client, settings, "paused", **NUMBERS)
        await until(handle, lambda s, _p: s.counters.generations_done >= 1)
        await handle.signal(GasiWorkflow.pause, GasiControl(by="olivia", reason="lunch"))
        paused = await until(handle, lambda s, p: p == "paused" and s.paused)
        # Held: the continued run carries the pause and plays nothing while it holds.
        await asyncio.sleep(2.5)
        still = await until(handle, lambda s, p: p == "paused")
        assert still.counters.generations_done == paused.counters.generations_done
        await handle.signal(GasiWorkflow.resume, GasiControl(by="olivia"))
        await until(
            handle,
            lambda s, _p: s.counters.generations_done > paused.counters.generations_done,
        )
        await handle.signal(GasiWorkflow.stop, GasiControl(by="olivia", reason="enough"))
        result = await handle.result()
    assert result.outcome == "stopped"
    assert "stopped by olivia after generation" in result.reason and "enough" in result.reason


async def test_a_stop_while_paused_ends_the_run(client: Client, settings: Settings) -> None:
    numbers_arena.register()
    async with run_worker(settings):
        handle = await start_gasi(client, settings, "stop-paused", **NUMBERS)
        await handle.signal(GasiWorkflow.pause, GasiControl(by="olivia"))
        await until(handle, lambda _s, p: p == "paused")
        await handle.signal(GasiWorkflow.stop, GasiControl(by="olivia"))
        result = await handle.result()
    assert result.outcome == "stopped"


async def test_the_budget_runs_out_with_its_reason(client: Client, settings: Settings) -> None:
    numbers_arena.register()
    async with run_worker(settings):
        handle = await start_gasi(
            client, settings, "budget", budgets={"evaluations": 60}, **NUMBERS
        )
        result = await handle.result()
    assert result.outcome == "budget_exhausted"
    assert result.reason.startswith("evaluation budget exhausted:")
    assert result.counters.evaluations_spent <= 60
    assert result.counters.generations_done >= 1


async def test_budgets_change_through_a_validated_update(
    client: Client, settings: Settings
) -> None:
    numbers_arena.register()
    async with run_worker(settings):
        handle = await start_gasi(client, settings, "raise", budgets={"evaluations": 10_000},
                                  **NUMBERS)  # fmt: skip
        state = await until(handle, lambda s, _p: s.counters.evaluations_spent > 0)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                GasiWorkflow.change_budgets,
                GasiBudgetChange(budgets=GasiBudgets(evaluations=1), by="olivia"),
            )
        assert isinstance(refused.value.cause, ApplicationError)
        assert refused.value.cause.type == "InvalidBudget"
        assert "already spent" in refused.value.cause.message
        changed = await handle.execute_update(
            GasiWorkflow.change_budgets,
            GasiBudgetChange(
                budgets=GasiBudgets(evaluations=state.counters.evaluations_spent + 200),
                generations=2,
                by="olivia",
            ),
        )
        assert changed.generations == 2
        result = await handle.result()
    assert result.outcome in ("generations_done", "budget_exhausted"), result.reason
    assert result.counters.generations_done <= 2


async def test_an_exhausted_budget_pauses_until_it_is_raised(
    client: Client, settings: Settings
) -> None:
    numbers_arena.register()
    async with run_worker(settings):
        handle = await start_gasi(client, settings, "budget-pause", budgets={"evaluations": 60},
                                  on_budget_exhausted="pause", **NUMBERS)  # fmt: skip
        held = await until(handle, lambda s, p: p == "budget_paused" and bool(s.budget_pause))
        assert held.budget_pause.startswith("evaluation budget exhausted:")
        # Held, not polling: nothing plays while it waits, across however long it waits.
        await asyncio.sleep(2.0)
        still = await until(handle, lambda _s, p: p == "budget_paused")
        assert still.counters.generations_done == held.counters.generations_done
        status = await handle.query(GovernedRun.status)
        paused = [e for e in status.events if e.type == "gasi.budget_paused"]
        assert paused and "evaluation budget exhausted" in paused[-1].message
        await handle.execute_update(
            GasiWorkflow.change_budgets,
            GasiBudgetChange(budgets=GasiBudgets(evaluations=100_000), by="olivia"),
        )
        await until(
            handle,
            lambda s, p: (
                s.counters.generations_done > held.counters.generations_done
                and p != "budget_paused"
                and not s.budget_pause
            ),
        )
        await handle.signal(GasiWorkflow.stop, GasiControl(by="olivia"))
        result = await handle.result()
    assert result.outcome == "stopped"
    assert result.counters.evaluations_spent > 60


async def test_a_stop_ends_a_run_waiting_for_budget(client: Client, settings: Settings) -> None:
    numbers_arena.register()
    async with run_worker(settings):
        handle = await start_gasi(client, settings, "budget-stop", budgets={"evaluations": 60},
                                  on_budget_exhausted="pause", **NUMBERS)  # fmt: skip
        await until(handle, lambda _s, p: p == "budget_paused")
        await handle.signal(GasiWorkflow.stop, GasiControl(by="olivia", reason="spent"))
        result = await handle.result()
    assert result.outcome == "stopped" and "spent" in result.reason
