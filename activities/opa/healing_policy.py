"""The healing governance decision: what an action needs before it may run."""

from __future__ import annotations

from google.protobuf.json_format import MessageToDict
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.opa.client import PolicyClient
from kaizen.v1.common_pb2 import Severity
from kaizen.v1.healing_pb2 import HealingPolicyInput, PolicyDecision

HEALING_POLICY_PACKAGE = "kaizen.healing"


class HealingPolicyActivities:
    """Asks ``data.kaizen.healing.decision`` about a proposed action."""

    def __init__(self, policy: PolicyClient) -> None:
        self._policy = policy

    @activity.defn
    async def evaluate_healing_policy(self, facts: HealingPolicyInput) -> PolicyDecision:
        """Return the decision for the run's facts; an undefined decision is a policy bug."""
        request = facts.request
        policy_input = {
            "service": request.service,
            "namespace": request.namespace,
            "tenant": request.tenant,
            "symptom": request.symptom,
            "severity": Severity.Name(request.severity).removeprefix("SEVERITY_").lower(),
            "requested_by": request.requested_by,
            "diagnosis": MessageToDict(facts.diagnosis, preserving_proto_field_name=True),
            "action": MessageToDict(facts.action, preserving_proto_field_name=True),
        }
        answer = await self._policy.decide(HEALING_POLICY_PACKAGE, "decision", policy_input)
        if not isinstance(answer.result, dict):
            raise ApplicationError(
                "data.kaizen.healing.decision is undefined for this input; check the policy",
                type="PolicyUndefined",
                non_retryable=True,
            )
        decision = answer.result
        return PolicyDecision(
            allowed=bool(decision.get("allowed", False)),
            risk=str(decision.get("risk", "")),
            needs_change_window=bool(decision.get("needs_change_window", True)),
            approvals_required=int(decision.get("approvals_required", 0)),
            approver_roles=[str(r) for r in decision.get("approver_roles", [])],
            approvers=[str(a) for a in decision.get("approvers", [])],
            autonomy=str(decision.get("autonomy", "")),
            reasons=[str(r) for r in decision.get("reasons", [])],
            decision_id=answer.decision_id,
        )
