"""The healing governance decision: what an action needs before it may run."""

from __future__ import annotations

from typing import Any

from google.protobuf.json_format import MessageToDict
from sqlalchemy.engine import Engine
from temporalio import activity

from activities.opa.client import PolicyAnswer, PolicyClient
from activities.opa.modes import push_modes
from activities.refusals import refusal
from kaizen.v1.common_pb2 import Severity
from kaizen.v1.healing_pb2 import HealingPolicyInput, PolicyDecision

HEALING_POLICY_PACKAGE = "kaizen.healing"


def policy_input(facts: HealingPolicyInput) -> dict[str, Any]:
    """The run's facts as policy sees them."""
    request = facts.request
    action = facts.action
    return {
        "service": request.service,
        "namespace": request.namespace,
        "tenant": request.tenant,
        "symptom": request.symptom,
        "severity": Severity.Name(request.severity).removeprefix("SEVERITY_").lower(),
        "requested_by": request.requested_by,
        "source": request.source or "api",
        "dry_run": request.dry_run,
        "window_open": facts.window_open,
        "diagnosis": {"category": facts.diagnosis.category, "summary": facts.diagnosis.summary},
        "action": {
            "playbook": action.playbook,
            "version": action.playbook_version,
            "risk": action.risk,
            "steps": [
                {
                    "action": step.action,
                    "parameters": MessageToDict(step.parameters),
                    "dry_run": step.dry_run,
                }
                for step in action.steps
            ],
        },
        "stats": {"successes": facts.stats.successes, "failures": facts.stats.failures},
    }


class HealingPolicyActivities:
    """Asks ``data.kaizen.healing.decision`` about a proposed action."""

    def __init__(self, policy: PolicyClient, engine: Engine) -> None:
        self._policy = policy
        self._engine = engine

    @activity.defn
    async def evaluate_healing_policy(self, facts: HealingPolicyInput) -> PolicyDecision:
        """Return the decision for the run's facts; an undefined decision is a policy bug."""
        facts_json = policy_input(facts)
        answer = await self._decide(facts_json)
        if not answer.result.get("modes_loaded", True):
            # OPA restarted and lost the pushed modes: restore them, then ask again,
            # so a restart can never silently turn a service's mode back to observe.
            await push_modes(self._policy, self._engine)
            answer = await self._decide(facts_json)
        decision = answer.result
        return PolicyDecision(
            allowed=bool(decision.get("allowed", False)),
            risk=str(decision.get("risk", "")),
            needs_change_window=bool(decision.get("needs_change_window", True)),
            approvals_required=int(decision.get("approvals_required", 0)),
            approver_roles=[str(r) for r in decision.get("approver_roles", [])],
            approvers=[str(a) for a in decision.get("approvers", [])],
            autonomy=str(decision.get("autonomy", "")),
            autonomy_reason=str(decision.get("autonomy_reason", "")),
            reasons=[str(r) for r in decision.get("reasons", [])],
            decision_id=answer.decision_id,
            mode=str(decision.get("mode", "")),
            preview_only=bool(decision.get("preview_only", True)),
            window_open=bool(decision.get("window_open", False)),
        )

    async def _decide(self, facts_json: dict[str, Any]) -> PolicyAnswer:
        answer = await self._policy.decide(HEALING_POLICY_PACKAGE, "decision", facts_json)
        if not isinstance(answer.result, dict):
            raise refusal(
                "data.kaizen.healing.decision is undefined for this input; check the policy",
                type="PolicyUndefined",
            )
        return answer
