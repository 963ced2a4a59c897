"""The activities a policy rollout worker offers, built with the clients they need."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.engine import Engine

from activities.change_windows import ChangeWindowActivities
from activities.freezes import FreezeActivities
from activities.opa.cli import OpaCli
from activities.opa.client import PolicyClient
from activities.opa.cutover_probe import PolicyCutoverActivities
from activities.opa.decision_replay import PolicyPreviewActivities
from activities.opa.drift_audit import PolicyDriftActivities
from activities.opa.fleet_rollout import PolicyFleetActivities
from activities.opa.policy_validation import PolicyValidationActivities
from activities.opa.rollout_governance import PolicyRolloutGovernanceActivities
from kaizen.settings import Settings
from kaizen.stack import tools


def policy_rollout_activities(
    engine: Engine, policy: PolicyClient, settings: Settings | None, tenant: str
) -> Sequence[Callable[..., Any]]:
    """Validation and preview run the pinned OPA; the fleet's state is the database's."""
    tools_dir = (settings or Settings()).resolved_tools_dir
    cli = OpaCli(tools.require(tools.OPA, tools_dir))
    validation = PolicyValidationActivities(engine, cli)
    preview = PolicyPreviewActivities(engine, cli)
    fleet = PolicyFleetActivities(engine)
    governance = PolicyRolloutGovernanceActivities(policy)
    windows = ChangeWindowActivities(engine, policy)
    freezes = FreezeActivities(engine, tenant)
    return [
        validation.validate_policy_version,
        preview.preview_policy_version,
        fleet.read_policy_fleet,
        fleet.set_policy_desired,
        fleet.await_policy_convergence,
        fleet.compare_policy_canary,
        fleet.record_policy_rollout,
        PolicyCutoverActivities(engine).probe_policy_cutover,
        governance.evaluate_policy_rollout,
        PolicyDriftActivities(engine).audit_policy_drift,
        windows.check_change_window,
        freezes.check_freeze,
    ]
