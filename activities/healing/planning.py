"""Planning: rank the playbooks, pick one and resolve it against the live workload."""

from __future__ import annotations

import asyncio
import random

from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from sqlalchemy.engine import Engine
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.healing.ranking import rank
from activities.healing.resolve import resolve_steps
from activities.healing.verification import nothing_to_verify_with
from activities.kubernetes.actions import KubernetesActivities
from activities.prometheus.client import PrometheusClient
from activities.refusals import refusal
from kaizen.catalog.playbooks import Catalog, ParameterError, Playbook
from kaizen.persistence.db import session_scope
from kaizen.persistence.learning import Outcomes, outcomes_by_playbook
from kaizen.v1.healing_pb2 import (
    HealingPlan,
    HealingRequest,
    PlanRequest,
    PlaybookCandidate,
    PlaybookRanking,
    PlaybookStats,
    ProposedAction,
    ResolveRequest,
    VerificationSpec,
)
from kaizen.v1.kubernetes_pb2 import WorkloadRef

BAD_PLAYBOOK = "BadPlaybookRequest"


class PlanningActivities:
    def __init__(
        self,
        catalog: Catalog,
        engine: Engine,
        kube: KubernetesActivities | None,
        *,
        min_history: int,
        prometheus: PrometheusClient | None = None,
    ) -> None:
        self._catalog = catalog
        self._engine = engine
        self._kube = kube
        self._min_history = min_history
        # Only whether one is configured matters here: what verification could read.
        self._prometheus = prometheus

    @activity.defn
    async def plan_healing(self, plan: PlanRequest) -> HealingPlan:
        """The ranking (or the requested playbook) and the chosen playbook, resolved."""
        request, diagnosis = plan.request, plan.diagnosis
        candidates = self._catalog.candidates(diagnosis.category)
        if request.playbook:
            chosen = self._requested(request)
            candidates = [chosen, *[c for c in candidates if c.name != chosen.name]]
        outcomes = await asyncio.to_thread(
            self._outcomes, request, diagnosis.category, [c.name for c in candidates]
        )
        if request.playbook:
            ranking = _requested_ranking(candidates, outcomes, request.requested_by)
        else:
            ranking = rank(candidates, outcomes, min_history=self._min_history, rng=random.Random())
        playbook = self._catalog.playbook(ranking.chosen)
        parameters = MessageToDict(request.parameters) if request.playbook else {}
        action = await self._resolve(request, playbook, parameters, diagnosis.category)
        action.why = ranking.reason
        seen = outcomes[playbook.name]
        return HealingPlan(
            ranking=ranking,
            action=action,
            stats=PlaybookStats(successes=seen.successes, failures=seen.failures),
            nothing_to_do=self._nothing_to_do(request, playbook, action),
        )

    @activity.defn
    async def resolve_playbook(self, resolve: ResolveRequest) -> ProposedAction:
        """The same playbook resolved again against the workload as it is now.

        Called just before acting: an approval may have taken an hour, and a
        scale computed from an hour-old replica count would undo someone's change.
        """
        playbook = self._catalog.playbook(resolve.action.playbook)
        if playbook.version != resolve.action.playbook_version:
            raise ApplicationError(
                f"playbook {playbook.name} changed from version "
                f"{resolve.action.playbook_version} to {playbook.version} while the run "
                "waited; start a new run to use the new version",
                type=BAD_PLAYBOOK,
                non_retryable=True,
            )
        action = await self._resolve(
            resolve.request, playbook, MessageToDict(resolve.action.parameters), resolve.diagnosis
        )
        action.why = resolve.action.why
        action.verification.CopyFrom(resolve.action.verification)
        return action

    def _requested(self, request: HealingRequest) -> Playbook:
        try:
            playbook = self._catalog.playbook(request.playbook)
            playbook.resolve_parameters(MessageToDict(request.parameters))
        except ParameterError as error:
            # The API checks this first; a direct Temporal start can still get here.
            raise refusal(f"{error.field}: {error}", type=BAD_PLAYBOOK) from error
        return playbook

    def _outcomes(
        self, request: HealingRequest, diagnosis: str, names: list[str]
    ) -> dict[str, Outcomes]:
        with session_scope(self._engine) as session:
            return outcomes_by_playbook(
                session,
                tenant=request.tenant,
                service=request.service,
                diagnosis=diagnosis,
                playbooks=names,
            )

    async def _resolve(
        self, request: HealingRequest, playbook: Playbook, given: dict[str, object], diagnosis: str
    ) -> ProposedAction:
        parameters = playbook.resolve_parameters(given)
        ref = WorkloadRef(namespace=request.namespace, name=request.service)
        params = Struct()
        params.update(parameters)
        action = ProposedAction(
            playbook=playbook.name,
            playbook_version=playbook.version,
            risk=playbook.risk,
            parameters=params,
            verification=self._verification(playbook, request, diagnosis),
        )
        if playbook.steps and self._kube is None:
            action.action = "observe"
            action.summary = (
                f"{playbook.name} {request.namespace}/{request.service} ({diagnosis}): "
                "no cluster is configured, so nothing can change"
            )
            return action
        if playbook.steps:
            assert self._kube is not None
            deployment = await asyncio.to_thread(self._kube.read_deployment, ref)
            steps, undo, said = resolve_steps(playbook, parameters, ref, deployment)
            action.steps.extend(steps)
            action.rollback.extend(undo)
            action.action = steps[0].action
        else:
            said = "no change: observe only"
            action.action = "observe"
        action.summary = (
            f"{playbook.name} {request.namespace}/{request.service}: {said} ({diagnosis})"
        )
        return action

    def _nothing_to_do(
        self, request: HealingRequest, playbook: Playbook, action: ProposedAction
    ) -> str:
        """Why this worker can neither act on the workload nor verify it; empty when it can."""
        if self._kube is not None:
            return ""  # a cluster: something to act on, and the workload's health to verify
        workload = f"{request.namespace}/{request.service}"
        if playbook.steps:
            return f"no cluster is configured: {playbook.name} cannot change {workload}"
        unverifiable = nothing_to_verify_with(None, self._prometheus, action.verification)
        if unverifiable:
            return f"{playbook.name} changes nothing on {workload} and {unverifiable}"
        return ""  # observe-only, watched through its Prometheus signal

    def _verification(
        self, playbook: Playbook, request: HealingRequest, diagnosis: str
    ) -> VerificationSpec:
        policy = playbook.verification
        spec = VerificationSpec(
            timeout_seconds=policy.timeout_seconds,
            interval_seconds=policy.interval_seconds,
            settle_seconds=policy.settle_seconds,
            passes_required=policy.passes_required,
        )
        signal = self._catalog.signal(diagnosis)
        if signal is not None:
            spec.query = signal.for_workload(request.namespace, request.service)
            spec.healthy_below = signal.healthy_below
        return spec


def _requested_ranking(
    candidates: list[Playbook], outcomes: dict[str, Outcomes], who: str
) -> PlaybookRanking:
    chosen = candidates[0]
    seen = outcomes[chosen.name]
    return PlaybookRanking(
        strategy="requested",
        reason=f"playbook {chosen.name} requested by {who or 'the caller'}",
        chosen=chosen.name,
        candidates=[
            PlaybookCandidate(
                playbook=chosen.name,
                version=chosen.version,
                risk=chosen.risk,
                stats=PlaybookStats(successes=seen.successes, failures=seen.failures),
                mean=(1 + seen.successes) / (2 + seen.runs),
            )
        ],
    )
