"""What each task queue runs, and the clients its activities are built with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kubernetes.client import ApiClient
from sqlalchemy.engine import Engine

from activities.change_windows import ChangeWindowActivities
from activities.freezes import FreezeActivities
from activities.gasi.adoption import DEFAULT_RULES_FILE, GasiAdoptionActivities
from activities.gasi.evaluation import GasiEvaluationActivities
from activities.gasi.llm_forge import LlmAdversaryForge
from activities.gasi.pool import GasiPoolActivities
from activities.healing.diagnosis import DiagnosisActivities
from activities.healing.planning import PlanningActivities
from activities.healing.triggers import HealingTriggerActivities
from activities.healing.verification import VerificationActivities
from activities.kubernetes.absent import NoClusterActivities
from activities.kubernetes.actions import KubernetesActivities
from activities.kubernetes.canary import CanaryActivities
from activities.kubernetes.contexts import KubeContexts, kubeconfig_path
from activities.opa.client import PolicyClient
from activities.opa.healing_policy import HealingPolicyActivities
from activities.opa.rollout_worker import policy_rollout_activities
from activities.prometheus.analysis import AnalysisActivities
from activities.prometheus.client import PrometheusClient
from activities.promotion.gate import PromotionGateActivities
from activities.promotion.releases import ReleaseActivities
from activities.rca.analysis import RcaAnalysisActivities
from activities.rca.collect import RcaEvidenceActivities
from activities.rca.loki import LokiClient
from activities.rca.records import RcaRecordActivities
from activities.rca.triggers import RcaTriggerActivities
from activities.slack.client import build_client
from activities.slack.notify import SlackActivities
from activities.store.learning import LearningActivities
from kaizen.catalog.playbooks import Catalog, catalog
from kaizen.kinds.registry import kinds_on_queue
from kaizen.persistence.db import make_engine
from kaizen.settings import Settings


@dataclass
class ActivityClients:
    """The clients activities receive in their constructors; tests wire the same ones."""

    engine: Engine
    policy: PolicyClient
    catalog: Catalog
    learning_min_history: int
    tenant: str = "default"
    settings: Settings | None = None
    """What runs started by activities are stamped with (tenant, limits, backoff)."""
    kube: ApiClient | None = None
    """None when no cluster is configured: Kubernetes activities are not offered."""
    prometheus: PrometheusClient | None = None
    """None when no Prometheus is configured: diagnosis and verification go without."""
    slack: SlackActivities | None = None
    environments_dir: Path | None = None
    """Where the environments are declared (auto-promotion reads the downstream ones)."""

    @classmethod
    def open(cls, settings: Settings, kube: ApiClient | None) -> ActivityClients:
        return cls(
            engine=make_engine(settings.database),
            policy=PolicyClient(settings.opa_base_url, token=settings.opa_token),
            catalog=catalog(settings.catalog_dir),
            learning_min_history=settings.learning_min_history,
            environments_dir=settings.environments_directory,
            tenant=settings.tenant,
            settings=settings,
            kube=kube,
            prometheus=PrometheusClient(settings.prometheus_url)
            if settings.prometheus_url
            else None,
        ).with_slack(settings)

    def with_slack(self, settings: Settings) -> ActivityClients:
        # Built even without Slack: its activities then answer "not posted" and do nothing.
        self.slack = SlackActivities(self.engine, build_client(settings), settings)
        return self

    async def close(self) -> None:
        await self.policy.close()
        if self.prometheus is not None:
            await self.prometheus.close()
        self.engine.dispose()


@dataclass(frozen=True)
class QueueSpec:
    """One logical queue: its workflows and a factory for its activities."""

    name: str
    """Logical name used by ``kaizen worker --queues``."""
    task_queue: Callable[[Settings], str]
    """The Temporal task queue, from settings."""
    workflows: Sequence[type] = field(default_factory=tuple)
    activities: Callable[[ActivityClients], Sequence[Callable[..., Any]]] = lambda _c: ()


def _healing_activities(clients: ActivityClients) -> Sequence[Callable[..., Any]]:
    kubernetes = KubernetesActivities(clients.kube) if clients.kube is not None else None
    diagnosis = DiagnosisActivities(clients.catalog, kubernetes, clients.prometheus)
    planning = PlanningActivities(
        clients.catalog,
        clients.engine,
        kubernetes,
        min_history=clients.learning_min_history,
        prometheus=clients.prometheus,
    )
    verification = VerificationActivities(kubernetes, clients.prometheus)
    policy = HealingPolicyActivities(clients.policy, clients.engine)
    windows = ChangeWindowActivities(clients.engine, clients.policy)
    freezes = FreezeActivities(clients.engine, clients.tenant)
    learning = LearningActivities(clients.engine)
    offered: list[Callable[..., Any]] = [
        diagnosis.diagnose,
        planning.plan_healing,
        planning.resolve_playbook,
        verification.verify_fix,
        policy.evaluate_healing_policy,
        windows.check_change_window,
        freezes.check_freeze,
        learning.record_learning,
    ]
    if clients.slack is not None:
        offered += [
            clients.slack.post_approval_request,
            clients.slack.mark_approval_decided,
            clients.slack.post_run_outcome,
        ]
    if clients.settings is not None:
        triggers = HealingTriggerActivities(clients.engine, clients.settings)
        offered.append(triggers.trigger_healing)
        # A healing run that ends asks for its incident's RCA from its own queue.
        offered.append(RcaTriggerActivities(clients.engine, clients.settings).start_incident_rca)
    if kubernetes is not None:
        offered += [
            kubernetes.apply_kube_action,
            kubernetes.read_workload_health,
            kubernetes.list_workload_health,
        ]
    else:
        # A sweep's read is refused at once, instead of waiting for a worker that never comes.
        offered.append(NoClusterActivities().list_workload_health)
    return offered


def _promotion_activities(clients: ActivityClients) -> Sequence[Callable[..., Any]]:
    gate = PromotionGateActivities(clients.policy, clients.engine, clients.tenant)
    releases = ReleaseActivities(clients.engine, clients.tenant, clients.environments_dir)
    analysis = AnalysisActivities(clients.prometheus)
    windows = ChangeWindowActivities(clients.engine, clients.policy)
    freezes = FreezeActivities(clients.engine, clients.tenant)
    offered: list[Callable[..., Any]] = [
        gate.evaluate_promotion_gate,
        releases.record_release,
        releases.record_promotion_outcome,
        releases.plan_auto_promotions,
        analysis.measure,
        windows.check_change_window,
        freezes.check_freeze,
    ]
    if clients.slack is not None:
        offered += [clients.slack.post_approval_request, clients.slack.mark_approval_decided]
    if clients.kube is not None:
        contexts = KubeContexts(kubeconfig_path(clients.settings) if clients.settings else None)
        canary = CanaryActivities(clients.kube, contexts)
        offered += [canary.snapshot_workload, canary.apply_canary_action, canary.wait_available]
    return offered


def _rca_activities(clients: ActivityClients) -> Sequence[Callable[..., Any]]:
    settings = clients.settings
    evidence = RcaEvidenceActivities(
        clients.engine,
        tenant=clients.tenant,
        catalog=clients.catalog,
        prometheus=clients.prometheus,
        kube=clients.kube,
        loki=LokiClient(
            settings.loki_url,
            line_limit=settings.loki_line_limit,
            service_label=settings.loki_service_label,
            token=settings.loki_token,
        )
        if settings is not None and settings.loki_url
        else None,
    )
    analysis = RcaAnalysisActivities.from_settings(clients.settings)
    records = RcaRecordActivities(clients.engine, clients.policy)
    offered: list[Callable[..., Any]] = [
        evidence.collect_alerts,
        evidence.collect_kaizen_changes,
        evidence.collect_metrics,
        evidence.collect_kube_changes,
        evidence.collect_kube_events,
        evidence.collect_pod_logs,
        analysis.analyze_incident,
        analysis.draft_with_llm,
        records.plan_review,
        records.save_rca,
        records.find_similar,
        records.find_rca_backlog,
    ]
    if clients.slack is not None:
        offered += [clients.slack.post_approval_request, clients.slack.post_run_outcome]
    return offered


def _gasi_activities(clients: ActivityClients) -> Sequence[Callable[..., Any]]:
    settings = clients.settings or Settings()
    adoption = GasiAdoptionActivities(
        settings.gasi_adoptions_dir or settings.home / "gasi" / "adoptions",
        settings.gasi_rules_file or DEFAULT_RULES_FILE,
    )
    return [GasiPoolActivities().generate_gasi_candidates, adoption.write_gasi_adoption]


def _gasi_evaluation_activities(clients: ActivityClients) -> Sequence[Callable[..., Any]]:
    slots = clients.settings.gasi_engine_slots if clients.settings is not None else 1
    evaluation = GasiEvaluationActivities(
        clients.engine, engine_slots=slots, llm=LlmAdversaryForge.from_settings(clients.settings)
    )
    return [
        evaluation.open_gasi_tournament,
        evaluation.evaluate_gasi_candidates,
        evaluation.forge_gasi_adversaries,
        evaluation.harden_gasi_champion,
    ]


# Activities are grouped by queue here; which workflows run on a queue is the run-kind
# registry's to say (kaizen/kinds/registry.py).
QUEUES: dict[str, QueueSpec] = {
    "healing": QueueSpec(
        name="healing",
        task_queue=lambda settings: settings.healing_task_queue,
        workflows=tuple(kind.workflow for kind in kinds_on_queue("healing")),
        activities=_healing_activities,
    ),
    "promotion": QueueSpec(
        name="promotion",
        task_queue=lambda settings: settings.promotion_task_queue,
        workflows=tuple(kind.workflow for kind in kinds_on_queue("promotion")),
        activities=_promotion_activities,
    ),
    "policy_rollout": QueueSpec(
        name="policy_rollout",
        task_queue=lambda settings: settings.policy_rollout_task_queue,
        workflows=tuple(kind.workflow for kind in kinds_on_queue("policy_rollout")),
        activities=lambda c: policy_rollout_activities(c.engine, c.policy, c.settings, c.tenant),
    ),
    "rca": QueueSpec(
        name="rca",
        task_queue=lambda settings: settings.rca_task_queue,
        workflows=tuple(kind.workflow for kind in kinds_on_queue("rca")),
        activities=_rca_activities,
    ),
    "gasi": QueueSpec(
        name="gasi",
        task_queue=lambda settings: settings.gasi_task_queue,
        workflows=tuple(kind.workflow for kind in kinds_on_queue("gasi")),
        activities=_gasi_activities,
    ),
    # GASI's engine-bound phases, apart: a tournament cannot starve the other kinds.
    "gasi-evaluation": QueueSpec(
        name="gasi-evaluation",
        task_queue=lambda settings: settings.gasi_evaluation_task_queue,
        activities=_gasi_evaluation_activities,
    ),
}


def resolve_queues(names: Sequence[str] | None) -> list[QueueSpec]:
    """The specs for ``names`` (all when empty); unknown names fail with the valid list."""
    if not names:
        return list(QUEUES.values())
    unknown = [n for n in names if n not in QUEUES]
    if unknown:
        raise ValueError(
            f"unknown queue(s) {', '.join(unknown)}; known: {', '.join(sorted(QUEUES))}"
        )
    return [QUEUES[n] for n in names]
