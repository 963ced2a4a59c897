"""Load and validate the environments declared in ``environments/*.toml``.

Environments are data in the repository, versioned like code: one file per
environment (dev, staging, prod …). The API reads them when it starts (a mistake
stops it, naming the file and the field) and copies the target environment into
a promotion's input, so a running promotion keeps the values it started with.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Final, Literal

from google.protobuf.struct_pb2 import Struct
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from activities.prometheus.conditions import ConditionError, parse_condition
from kaizen.catalog.declared_files import read_declared
from kaizen.contract.names import K8S_NAME
from kaizen.v1.promotion_pb2 import (
    AnalysisJudge,
    AnalysisMetric,
    AnalysisStep,
    ApprovalRule,
    Environment,
    PauseStep,
    RolloutStep,
    RolloutStrategy,
    SetWeightStep,
)

DEFAULT_DIR: Final = Path(__file__).resolve().parents[2] / "environments"
# Thresholds the gate knows (policies/kaizen/promotion/); an environment may override them.
GATE_KEYS: Final = (
    "max_failed_tests",
    "min_coverage_percent",
    "max_critical_vulnerabilities",
    "max_high_vulnerabilities",
    "max_latency_p95_ms",
    "max_memory_mb",
    "max_cpu_percent",
    "max_carbon_g_per_request",
)
PLACEHOLDERS: Final = (
    "service",
    "namespace",
    "environment",
    "canary",
    "stable",
    "target",
    "version",
)
# Argo Rollouts' defaults (utils/defaults): failureLimit 0, inconclusiveLimit 0,
# consecutiveErrorLimit 4.
DEFAULT_FAILURE_LIMIT: Final = 0
DEFAULT_INCONCLUSIVE_LIMIT: Final = 0
DEFAULT_CONSECUTIVE_ERROR_LIMIT: Final = 4
_DURATION: Final = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class EnvironmentFileError(ValueError):
    """An environment file is wrong; the message names the file and the field."""


def seconds(text: str) -> int:
    """``"1h30m"`` as 5400; ``"0s"`` is 0. Units: d, h, m, s (largest first)."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None:
        raise ValueError(f"{text!r} is not a duration like 30s, 10m, 2h or 1h30m")
    days, hours, minutes, secs = (int(g or 0) for g in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + secs


Duration = Annotated[str, Field(pattern=r"^\s*(\d+d)?(\d+h)?(\d+m)?(\d+s)?\s*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class JudgeSpec(_Strict):
    """Baseline versus canary (``activities/prometheus/judge.py``); defaults are Kayenta's."""

    test: Literal["mann_whitney"] = "mann_whitney"
    direction: Literal["increase", "decrease", "either"] = "either"
    lookback: Duration = "2m"
    step: Duration = "10s"
    confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.98
    effect_fraction: Annotated[float, Field(ge=0, le=10)] = 0.25
    pass_score: Annotated[float, Field(ge=0, le=100)] = 95
    marginal_score: Annotated[float, Field(ge=0, le=100)] = 75

    @model_validator(mode="after")
    def _bands(self) -> JudgeSpec:
        if self.marginal_score > self.pass_score:
            raise ValueError("marginal_score must not be above pass_score")
        if seconds(self.lookback) < 2 * max(seconds(self.step), 1):
            raise ValueError("lookback must hold at least two steps")
        return self


class MetricSpec(_Strict):
    query: Annotated[str, Field(min_length=1, max_length=4000)]
    interval: Duration = "0s"
    count: Annotated[int, Field(ge=0, le=1000)] = 0
    success_condition: str = ""
    failure_condition: str = ""
    failure_limit: Annotated[int, Field(ge=-1)] = DEFAULT_FAILURE_LIMIT
    inconclusive_limit: Annotated[int, Field(ge=0)] = DEFAULT_INCONCLUSIVE_LIMIT
    consecutive_error_limit: Annotated[int, Field(ge=0)] = DEFAULT_CONSECUTIVE_ERROR_LIMIT
    initial_delay: Duration = "0s"
    judge: JudgeSpec | None = None

    @field_validator("query")
    @classmethod
    def _known_placeholders(cls, query: str) -> str:
        for name in re.findall(r"\{\{\s*([^}]*?)\s*\}\}", query):
            if name not in PLACEHOLDERS:
                raise ValueError(f"unknown placeholder {{{{{name}}}}}; known: {PLACEHOLDERS}")
        return query

    @field_validator("success_condition", "failure_condition")
    @classmethod
    def _condition_parses(cls, condition: str) -> str:
        if condition:
            try:
                parse_condition(condition)
            except ConditionError as error:
                raise ValueError(str(error)) from error
        return condition

    @model_validator(mode="after")
    def _count_needs_interval(self) -> MetricSpec:
        if self.count > 1 and seconds(self.interval) == 0:
            raise ValueError("count above 1 needs an interval (as in Argo Rollouts)")
        if self.judge is not None and (self.success_condition or self.failure_condition):
            raise ValueError(
                "a metric with a judge is decided by its score bands: drop "
                "success_condition and failure_condition"
            )
        return self


class PauseSpec(_Strict):
    duration: Duration | None = None
    """Absent: the rollout waits until a person continues it."""


class StepSpec(_Strict):
    set_weight: Annotated[int, Field(ge=0, le=100)] | None = None
    pause: PauseSpec | None = None
    analysis: list[str] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> StepSpec:
        given = [n for n in ("set_weight", "pause", "analysis") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("a step is exactly one of set_weight, pause or analysis")
        return self


class RolloutSpec(_Strict):
    steps: list[StepSpec] = []
    background_analysis: list[str] = []
    verification: list[str] = []
    max_surge: Annotated[int, Field(ge=0, le=10)] = 1
    progress_deadline: Duration = "10m"
    decision_timeout: Duration = "1h"


class ApprovalSpec(_Strict):
    required: Annotated[int, Field(ge=0, le=10)] = 0
    roles: list[Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,31}$")]] = ["approver", "admin"]
    approvers: list[Annotated[str, Field(min_length=1, max_length=200)]] = []

    @model_validator(mode="after")
    def _enough_approvers(self) -> ApprovalSpec:
        if self.approvers and len(set(self.approvers)) < self.required:
            raise ValueError(
                f"{self.required} approvals required but only {len(set(self.approvers))} "
                "named approvers"
            )
        return self


class EnvironmentSpec(_Strict):
    name: Annotated[str, Field(pattern=K8S_NAME)]
    order: Annotated[int, Field(ge=1, le=100)]
    upstream: str = ""
    namespace: Annotated[str, Field(pattern=K8S_NAME)]
    kube_context: str = ""
    container: str = ""
    require_digest: bool = False
    change_window: bool = False
    upstream_soak: Duration = "0s"
    gate_timeout: Duration = "24h"
    soak: Duration = "0s"
    auto_promote: bool = False
    approvals: ApprovalSpec = ApprovalSpec()
    gate: dict[str, float] = {}
    metrics: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")], MetricSpec] = {}
    rollout: RolloutSpec = RolloutSpec()

    @field_validator("gate")
    @classmethod
    def _known_thresholds(cls, gate: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(gate) - set(GATE_KEYS))
        if unknown:
            raise ValueError(f"unknown threshold {unknown[0]!r}; known: {', '.join(GATE_KEYS)}")
        return gate

    @model_validator(mode="after")
    def _metrics_resolve(self) -> EnvironmentSpec:
        named: list[tuple[str, str]] = [
            (f"rollout.background_analysis[{i}]", n)
            for i, n in enumerate(self.rollout.background_analysis)
        ]
        named += [
            (f"rollout.verification[{i}]", n) for i, n in enumerate(self.rollout.verification)
        ]
        for index, step in enumerate(self.rollout.steps):
            named += [(f"rollout.steps[{index}].analysis", n) for n in step.analysis or []]
        for where, name in named:
            if name not in self.metrics:
                known = ", ".join(sorted(self.metrics)) or "none"
                raise ValueError(f"{where} names unknown metric {name!r}; declared: {known}")
            metric = self.metrics[name]
            if where.startswith("rollout.verification") and metric.judge is not None:
                raise ValueError(
                    f"{where}: metric {name!r} has a judge, and after the full promotion "
                    "there is no canary to compare with its baseline"
                )
            if not where.startswith("rollout.background") and (
                metric.count == 0 and seconds(metric.interval) > 0
            ):
                raise ValueError(
                    f"{where}: metric {name!r} has an interval but no count; only background "
                    "analysis runs until the rollout ends"
                )
        return self

    def to_message(self, file: str) -> Environment:
        gate = Struct()
        gate.update(self.gate)
        return Environment(
            name=self.name, order=self.order, upstream=self.upstream, namespace=self.namespace,
            kube_context=self.kube_context, container=self.container, gate=gate,
            approvals=ApprovalRule(
                required=self.approvals.required, roles=self.approvals.roles,
                approvers=self.approvals.approvers,
            ),
            change_window=self.change_window, upstream_soak_seconds=seconds(self.upstream_soak),
            auto_promote=self.auto_promote, require_digest=self.require_digest, file=file,
            gate_timeout_seconds=seconds(self.gate_timeout), soak_seconds=seconds(self.soak),
            metrics=[_metric(name, spec) for name, spec in sorted(self.metrics.items())],
            strategy=RolloutStrategy(
                steps=[_step(step) for step in self.rollout.steps],
                background_analysis=self.rollout.background_analysis,
                verification=self.rollout.verification,
                max_surge=self.rollout.max_surge,
                progress_deadline_seconds=seconds(self.rollout.progress_deadline),
                decision_timeout_seconds=seconds(self.rollout.decision_timeout),
            ),
        )  # fmt: skip


def _metric(name: str, spec: MetricSpec) -> AnalysisMetric:
    return AnalysisMetric(
        name=name, query=spec.query, interval_seconds=seconds(spec.interval), count=spec.count,
        success_condition=spec.success_condition, failure_condition=spec.failure_condition,
        failure_limit=spec.failure_limit, inconclusive_limit=spec.inconclusive_limit,
        consecutive_error_limit=spec.consecutive_error_limit,
        initial_delay_seconds=seconds(spec.initial_delay), judge=_judge(spec.judge),
    )  # fmt: skip


def _judge(spec: JudgeSpec | None) -> AnalysisJudge | None:
    if spec is None:
        return None
    return AnalysisJudge(
        test=spec.test, direction=spec.direction, lookback_seconds=seconds(spec.lookback),
        step_seconds=seconds(spec.step), confidence=spec.confidence,
        effect_fraction=spec.effect_fraction, pass_score=spec.pass_score,
        marginal_score=spec.marginal_score,
    )  # fmt: skip


def _step(step: StepSpec) -> RolloutStep:
    if step.set_weight is not None:
        return RolloutStep(set_weight=SetWeightStep(weight=step.set_weight))
    if step.pause is not None:
        duration = seconds(step.pause.duration) if step.pause.duration else 0
        return RolloutStep(pause=PauseStep(duration_seconds=duration))
    return RolloutStep(analysis=AnalysisStep(metrics=step.analysis or []))


def load_environments(directory: Path = DEFAULT_DIR) -> dict[str, Environment]:
    """Every ``*.toml`` in ``directory``, validated alone and as a path (upstreams resolve,
    orders rise along it); every mistake names its file and field."""
    found: dict[str, Environment] = {}
    paths = sorted(directory.glob("*.toml"))
    if not paths:
        raise EnvironmentFileError(f"{directory}: no environments declared (*.toml)")
    for path in paths:
        spec = read_declared(path, EnvironmentSpec, EnvironmentFileError)
        if spec.name != path.stem:
            raise EnvironmentFileError(f"{path.name}: name: {spec.name!r} must match the file name")
        found[spec.name] = spec.to_message(path.name)
    for environment in found.values():
        if not environment.upstream:
            continue
        upstream = found.get(environment.upstream)
        if upstream is None:
            raise EnvironmentFileError(
                f"{environment.file}: upstream: no environment {environment.upstream!r}; "
                f"declared: {', '.join(sorted(found))}"
            )
        if upstream.order >= environment.order:
            raise EnvironmentFileError(
                f"{environment.file}: order: {environment.order} must be above its upstream "
                f"{upstream.name}'s {upstream.order}"
            )
    return found


@lru_cache(maxsize=8)
def environments(directory: Path = DEFAULT_DIR) -> dict[str, Environment]:
    """The loaded environments, read once per process."""
    return load_environments(directory)
