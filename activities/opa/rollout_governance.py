"""The rollout's governance decision: ``data.kaizen.policy_rollout.decision`` on the
embedded OPA (Kaizen's own policies), from the preview and the request."""

from __future__ import annotations

from typing import Any, Final

from google.protobuf.json_format import MessageToDict
from temporalio import activity

from activities.opa.client import PolicyClient
from activities.refusals import refusal
from kaizen.v1.policy_rollout_pb2 import (
    PolicyRolloutGovernance,
    PolicyRolloutGovernanceInput,
    PolicyRolloutMode,
)

POLICY_ROLLOUT_PACKAGE: Final = "kaizen.policy_rollout"


def governance_input(facts: PolicyRolloutGovernanceInput) -> dict[str, Any]:
    request = facts.request
    preview = MessageToDict(
        facts.preview, preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
    )  # fmt: skip
    preview.pop("paths", None)  # the counts decide; examples are for people
    return {
        "request": {
            "fleet": request.fleet,
            "version_id": request.version_id,
            "mode": PolicyRolloutMode.Name(request.mode)
            .removeprefix("POLICY_ROLLOUT_MODE_")
            .lower(),
            "requested_by": request.requested_by,
            "selector": request.selector,
        },
        "preview": preview,
        "nodes": facts.nodes,
        "canary_nodes": facts.canary_nodes,
    }


class PolicyRolloutGovernanceActivities:
    def __init__(self, policy: PolicyClient) -> None:
        self._policy = policy

    @activity.defn
    async def evaluate_policy_rollout(
        self, facts: PolicyRolloutGovernanceInput
    ) -> PolicyRolloutGovernance:
        """Proceed, ask for approval, or stop; an undefined decision is a policy bug."""
        answer = await self._policy.decide(
            POLICY_ROLLOUT_PACKAGE, "decision", governance_input(facts)
        )
        decision = answer.result
        if not isinstance(decision, dict):
            raise refusal(
                "data.kaizen.policy_rollout.decision is undefined for this input; check the policy",
                type="PolicyUndefined",
            )
        return PolicyRolloutGovernance(
            verdict=str(decision.get("verdict", "stop")),
            reasons=[str(r) for r in decision.get("reasons", [])],
            approvals_required=int(decision.get("approvals_required", 0)),
            approver_roles=[str(r) for r in decision.get("approver_roles", [])],
            needs_change_window=bool(decision.get("needs_change_window", False)),
            decision_id=answer.decision_id,
            canary_max_undefined_ratio=float(decision.get("canary_max_undefined_ratio", 0)),
            canary_max_error_ratio=float(decision.get("canary_max_error_ratio", 0)),
            canary_max_deny_rate_increase=float(decision.get("canary_max_deny_rate_increase", 0)),
        )
