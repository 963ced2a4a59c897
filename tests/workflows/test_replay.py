"""Committed histories still replay: a nondeterministic workflow change fails here."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from kaizen.temporal.converter import data_converter
from workflows.gasi.adoption import GasiAdoptionWorkflow
from workflows.gasi.workflow import GasiWorkflow
from workflows.healing.sweep import HealingSweepWorkflow
from workflows.healing.workflow import HealingWorkflow
from workflows.policy_rollout.workflow import PolicyRolloutWorkflow
from workflows.promotion.workflow import PromotionWorkflow
from workflows.rca.workflow import RcaWorkflow

HISTORIES = sorted((Path(__file__).parents[1] / "histories").glob("*.json"))


def test_histories_are_committed() -> None:
    assert {p.name for p in HISTORIES} >= {
        "healing_observed.json",
        "healing_high_approved.json",
        "healing_nothing_to_do.json",
        "healing_sweep.json",
        "promotion_promoted.json",
        "promotion_rolled_back.json",
        "rca_final.json",
        "gasi_opened.json",
        "gasi_finished.json",
        "gasi_steered.json",
        "gasi_adoption.json",
        "policy_rollout_activated.json",
        "policy_rollout_rolled_back.json",
        "policy_rollout_cutover.json",
    }


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: p.stem)
async def test_history_replays(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    replayer = Replayer(
        workflows=[
            HealingWorkflow,
            HealingSweepWorkflow,
            PromotionWorkflow,
            RcaWorkflow,
            GasiWorkflow,
            GasiAdoptionWorkflow,
            PolicyRolloutWorkflow,
        ],
        data_converter=data_converter("json"),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure
