"""The promotion gate: gather the build's facts, ask ``data.kaizen.promotion.decision``.

Facts are read fresh at every evaluation: the build's newest evidence of each kind,
and where the build runs upstream (released, verified, for how long). Policy turns
them into allow, deny reasons and required actions in plain words.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from sqlalchemy.engine import Engine
from sqlmodel import Session
from temporalio import activity

from activities.opa.client import PolicyClient
from activities.refusals import refusal
from kaizen.contract.timestamps import to_timestamp
from kaizen.persistence import builds, releases
from kaizen.v1.promotion_pb2 import GateDecision, GateInput

PROMOTION_POLICY_PACKAGE = "kaizen.promotion"


class PromotionGateActivities:
    def __init__(self, policy: PolicyClient, engine: Engine, tenant: str) -> None:
        self._policy = policy
        self._engine = engine
        self._tenant = tenant

    @activity.defn
    async def evaluate_promotion_gate(self, gate: GateInput) -> GateDecision:
        """The gate's decision for the build's current evidence and the approvals so far."""
        facts = await asyncio.to_thread(self._facts, gate)
        answer = await self._policy.decide(PROMOTION_POLICY_PACKAGE, "decision", facts)
        decision = answer.result
        if not isinstance(decision, dict):
            raise refusal(
                "data.kaizen.promotion.decision is undefined for this input; check the policy",
                type="PolicyUndefined",
            )
        shown = Struct()
        shown.update({**facts, "thresholds": decision.get("thresholds", {})})
        return GateDecision(
            allow=bool(decision.get("allow", False)),
            deny=[str(r) for r in decision.get("deny", [])],
            required_actions=[str(a) for a in decision.get("required_actions", [])],
            deny_codes=[str(c) for c in decision.get("deny_codes", [])],
            decision_id=answer.decision_id,
            approvals_required=int(decision.get("approvals_required", 0)),
            approvals_missing=int(decision.get("approvals_missing", 0)),
            evidence_ready=bool(decision.get("evidence_ready", False)),
            facts=shown,
            decided_at=to_timestamp(datetime.now(UTC)),
        )

    def _facts(self, gate: GateInput) -> dict[str, Any]:
        request = gate.request
        target = request.target
        with Session(self._engine) as session:
            row = builds.get_build(session, self._tenant, request.build_id)
            if row is None:
                raise refusal(f"build {request.build_id} is not registered", type="UnknownBuild")
            build = builds.build_message(session, row)
            upstream: dict[str, Any] = {}
            if target.upstream:
                release = releases.release_of_build(
                    session, self._tenant, target.upstream, request.build_id
                )
                if release is not None:
                    verified = releases.verified_for(release)
                    since = releases.live_since(release)
                    upstream = {
                        "released": True,
                        "verified": verified is not None and release.state != releases.ROLLED_BACK,
                        "state": release.state,
                        "live_seconds": int((datetime.now(UTC) - since).total_seconds()),
                    }
        evidence = MessageToDict(
            builds.latest_evidence(build), preserving_proto_field_name=True,
            always_print_fields_with_no_presence=True,
        )  # fmt: skip
        # Only the parts that were sent: an absent part is missing evidence, not zeros.
        sent = {
            part: evidence[part]
            for part in ("tests", "security", "performance", "carbon")
            if builds.latest_evidence(build).HasField(part)
        }
        return {
            "environment": {
                "name": target.name,
                "upstream": target.upstream,
                "upstream_soak_seconds": target.upstream_soak_seconds,
                "approvals": {"required": target.approvals.required},
                "gate": MessageToDict(target.gate),
            },
            "build": {"id": build.id, "service": build.service, "image": build.image,
                      "version": build.version},
            "evidence": sent,
            "upstream": upstream,
            "approvals": {"count": gate.approvals, "approvers": list(gate.approvers)},
            "requested_by": request.requested_by,
        }  # fmt: skip
