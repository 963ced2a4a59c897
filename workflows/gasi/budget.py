"""Budgets and the run's end conditions: pure functions of the carried state."""

from __future__ import annotations

from typing import Final

from temporalio.exceptions import ApplicationError

from kaizen.v1.gasi_pb2 import GasiBudgetChange, GasiCarry, GasiConfig

INVALID_BUDGET: Final = "InvalidBudget"
BENCHMARK_ALLOWANCE: Final = 30
"""Evaluations hardening spends on the fixed benchmark (roughly its size)."""
DEFAULT_POOL: Final = 6
DEFAULT_FORGED: Final = 4
DEFAULT_ATTEMPTS: Final = 24
DEFAULT_GENERATION_TIMEOUT_SECONDS: Final = 1800
ON_EXHAUSTED_END: Final = "end"
ON_EXHAUSTED_PAUSE: Final = "pause"


def pool_size(config: GasiConfig) -> int:
    return config.pool_size or DEFAULT_POOL


def forged_per_generation(config: GasiConfig) -> int:
    return config.adversaries_per_generation or DEFAULT_FORGED


def forge_attempts(config: GasiConfig) -> int:
    return config.forge_attempts or DEFAULT_ATTEMPTS


def estimated_cost(config: GasiConfig, carry: GasiCarry) -> int:
    """Evaluations the next generation is expected to spend: what the last one spent, or
    (before any) the pool against the archive, the forge's proposals and the hardening."""
    if carry.last_generation_cost:
        return int(carry.last_generation_cost)
    archive = max(carry.adversaries.archive_size, 1)
    met = min(archive, config.hall_of_fame_sample or archive) + forged_per_generation(config)
    return (
        pool_size(config) * met
        + forge_attempts(config)
        + archive
        + forged_per_generation(config)
        + BENCHMARK_ALLOWANCE
    )


def pauses_when_exhausted(config: GasiConfig) -> bool:
    return config.on_budget_exhausted == ON_EXHAUSTED_PAUSE


def exhausted(config: GasiConfig, carry: GasiCarry) -> str:
    """Why the budgets cannot pay for another generation ("" while they can)."""
    budget = carry.budgets.evaluations
    spent = carry.counters.evaluations_spent
    needed = estimated_cost(config, carry)
    if 0 < budget < spent + needed:
        return (
            f"evaluation budget exhausted: {spent} of {budget} evaluations spent, and a "
            f"generation needs about {needed}"
        )
    tokens = carry.budgets.llm_tokens
    if config.llm_forge and tokens > 0:
        used = carry.counters.llm_tokens_spent
        # The last forge's spend is the estimate; before any, a single token left will do.
        asks = max(1, carry.last_llm_tokens)
        if used + asks > tokens:
            return (
                f"LLM token budget exhausted: {used} of {tokens} tokens spent, and a "
                f"generation's forge needs about {asks}"
            )
    return ""


def check_change(change: GasiBudgetChange, carry: GasiCarry) -> None:
    """Refuse a change that is malformed or would end the run behind the operator's back."""
    if change.budgets.evaluations < 0 or change.budgets.llm_tokens < 0:
        raise ApplicationError(
            "budgets cannot be negative (0 means unlimited)", type=INVALID_BUDGET
        )
    spent = carry.counters.evaluations_spent
    if 0 < change.budgets.evaluations < spent:
        raise ApplicationError(
            f"budgets.evaluations {change.budgets.evaluations} is below the {spent} already "
            "spent; to end the run, stop it",
            type=INVALID_BUDGET,
        )
    used = carry.counters.llm_tokens_spent
    if 0 < change.budgets.llm_tokens < used:
        raise ApplicationError(
            f"budgets.llm_tokens {change.budgets.llm_tokens} is below the {used} already "
            "spent; to end the run, stop it",
            type=INVALID_BUDGET,
        )
    if change.generations < -1:
        raise ApplicationError(
            "generations must be a count, 0 to leave it, or -1 for unbounded", type=INVALID_BUDGET
        )
    done = carry.counters.generations_done
    if 0 < change.generations < done:
        raise ApplicationError(
            f"generations {change.generations} is below the {done} already played; to end "
            "the run, stop it",
            type=INVALID_BUDGET,
        )


def apply_change(change: GasiBudgetChange, carry: GasiCarry) -> None:
    carry.budgets.CopyFrom(change.budgets)
    if change.generations == -1:
        carry.generations = 0
    elif change.generations > 0:
        carry.generations = change.generations
