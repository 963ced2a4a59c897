import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kaizen.v1 import common_pb2 as _common_pb2
from kaizen.v1 import kubernetes_pb2 as _kubernetes_pb2
from kaizen.v1 import run_pb2 as _run_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PromotionOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PROMOTION_OUTCOME_UNSPECIFIED: _ClassVar[PromotionOutcome]
    PROMOTION_OUTCOME_PROMOTED: _ClassVar[PromotionOutcome]
    PROMOTION_OUTCOME_BLOCKED: _ClassVar[PromotionOutcome]
    PROMOTION_OUTCOME_REJECTED: _ClassVar[PromotionOutcome]
    PROMOTION_OUTCOME_ROLLED_BACK: _ClassVar[PromotionOutcome]
    PROMOTION_OUTCOME_ABORTED: _ClassVar[PromotionOutcome]
    PROMOTION_OUTCOME_CANCELLED: _ClassVar[PromotionOutcome]
PROMOTION_OUTCOME_UNSPECIFIED: PromotionOutcome
PROMOTION_OUTCOME_PROMOTED: PromotionOutcome
PROMOTION_OUTCOME_BLOCKED: PromotionOutcome
PROMOTION_OUTCOME_REJECTED: PromotionOutcome
PROMOTION_OUTCOME_ROLLED_BACK: PromotionOutcome
PROMOTION_OUTCOME_ABORTED: PromotionOutcome
PROMOTION_OUTCOME_CANCELLED: PromotionOutcome

class ApprovalRule(_message.Message):
    __slots__ = ("required", "roles", "approvers")
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    required: int
    roles: _containers.RepeatedScalarFieldContainer[str]
    approvers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, required: _Optional[int] = ..., roles: _Optional[_Iterable[str]] = ..., approvers: _Optional[_Iterable[str]] = ...) -> None: ...

class AnalysisMetric(_message.Message):
    __slots__ = ("name", "query", "interval_seconds", "count", "success_condition", "failure_condition", "failure_limit", "inconclusive_limit", "consecutive_error_limit", "initial_delay_seconds", "judge")
    NAME_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    SUCCESS_CONDITION_FIELD_NUMBER: _ClassVar[int]
    FAILURE_CONDITION_FIELD_NUMBER: _ClassVar[int]
    FAILURE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    INCONCLUSIVE_LIMIT_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_ERROR_LIMIT_FIELD_NUMBER: _ClassVar[int]
    INITIAL_DELAY_SECONDS_FIELD_NUMBER: _ClassVar[int]
    JUDGE_FIELD_NUMBER: _ClassVar[int]
    name: str
    query: str
    interval_seconds: int
    count: int
    success_condition: str
    failure_condition: str
    failure_limit: int
    inconclusive_limit: int
    consecutive_error_limit: int
    initial_delay_seconds: int
    judge: AnalysisJudge
    def __init__(self, name: _Optional[str] = ..., query: _Optional[str] = ..., interval_seconds: _Optional[int] = ..., count: _Optional[int] = ..., success_condition: _Optional[str] = ..., failure_condition: _Optional[str] = ..., failure_limit: _Optional[int] = ..., inconclusive_limit: _Optional[int] = ..., consecutive_error_limit: _Optional[int] = ..., initial_delay_seconds: _Optional[int] = ..., judge: _Optional[_Union[AnalysisJudge, _Mapping]] = ...) -> None: ...

class AnalysisJudge(_message.Message):
    __slots__ = ("test", "direction", "lookback_seconds", "step_seconds", "confidence", "effect_fraction", "pass_score", "marginal_score")
    TEST_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    LOOKBACK_SECONDS_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    EFFECT_FRACTION_FIELD_NUMBER: _ClassVar[int]
    PASS_SCORE_FIELD_NUMBER: _ClassVar[int]
    MARGINAL_SCORE_FIELD_NUMBER: _ClassVar[int]
    test: str
    direction: str
    lookback_seconds: int
    step_seconds: int
    confidence: float
    effect_fraction: float
    pass_score: float
    marginal_score: float
    def __init__(self, test: _Optional[str] = ..., direction: _Optional[str] = ..., lookback_seconds: _Optional[int] = ..., step_seconds: _Optional[int] = ..., confidence: _Optional[float] = ..., effect_fraction: _Optional[float] = ..., pass_score: _Optional[float] = ..., marginal_score: _Optional[float] = ...) -> None: ...

class SetWeightStep(_message.Message):
    __slots__ = ("weight",)
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    weight: int
    def __init__(self, weight: _Optional[int] = ...) -> None: ...

class PauseStep(_message.Message):
    __slots__ = ("duration_seconds",)
    DURATION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    duration_seconds: int
    def __init__(self, duration_seconds: _Optional[int] = ...) -> None: ...

class AnalysisStep(_message.Message):
    __slots__ = ("metrics",)
    METRICS_FIELD_NUMBER: _ClassVar[int]
    metrics: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, metrics: _Optional[_Iterable[str]] = ...) -> None: ...

class RolloutStep(_message.Message):
    __slots__ = ("set_weight", "pause", "analysis")
    SET_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PAUSE_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    set_weight: SetWeightStep
    pause: PauseStep
    analysis: AnalysisStep
    def __init__(self, set_weight: _Optional[_Union[SetWeightStep, _Mapping]] = ..., pause: _Optional[_Union[PauseStep, _Mapping]] = ..., analysis: _Optional[_Union[AnalysisStep, _Mapping]] = ...) -> None: ...

class RolloutStrategy(_message.Message):
    __slots__ = ("steps", "background_analysis", "verification", "max_surge", "progress_deadline_seconds", "decision_timeout_seconds")
    STEPS_FIELD_NUMBER: _ClassVar[int]
    BACKGROUND_ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    MAX_SURGE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_DEADLINE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    DECISION_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    steps: _containers.RepeatedCompositeFieldContainer[RolloutStep]
    background_analysis: _containers.RepeatedScalarFieldContainer[str]
    verification: _containers.RepeatedScalarFieldContainer[str]
    max_surge: int
    progress_deadline_seconds: int
    decision_timeout_seconds: int
    def __init__(self, steps: _Optional[_Iterable[_Union[RolloutStep, _Mapping]]] = ..., background_analysis: _Optional[_Iterable[str]] = ..., verification: _Optional[_Iterable[str]] = ..., max_surge: _Optional[int] = ..., progress_deadline_seconds: _Optional[int] = ..., decision_timeout_seconds: _Optional[int] = ...) -> None: ...

class Environment(_message.Message):
    __slots__ = ("name", "order", "upstream", "namespace", "kube_context", "gate", "strategy", "approvals", "change_window", "upstream_soak_seconds", "auto_promote", "require_digest", "file", "gate_timeout_seconds", "soak_seconds", "metrics", "container")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ORDER_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    KUBE_CONTEXT_FIELD_NUMBER: _ClassVar[int]
    GATE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_WINDOW_FIELD_NUMBER: _ClassVar[int]
    UPSTREAM_SOAK_SECONDS_FIELD_NUMBER: _ClassVar[int]
    AUTO_PROMOTE_FIELD_NUMBER: _ClassVar[int]
    REQUIRE_DIGEST_FIELD_NUMBER: _ClassVar[int]
    FILE_FIELD_NUMBER: _ClassVar[int]
    GATE_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SOAK_SECONDS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    name: str
    order: int
    upstream: str
    namespace: str
    kube_context: str
    gate: _struct_pb2.Struct
    strategy: RolloutStrategy
    approvals: ApprovalRule
    change_window: bool
    upstream_soak_seconds: int
    auto_promote: bool
    require_digest: bool
    file: str
    gate_timeout_seconds: int
    soak_seconds: int
    metrics: _containers.RepeatedCompositeFieldContainer[AnalysisMetric]
    container: str
    def __init__(self, name: _Optional[str] = ..., order: _Optional[int] = ..., upstream: _Optional[str] = ..., namespace: _Optional[str] = ..., kube_context: _Optional[str] = ..., gate: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., strategy: _Optional[_Union[RolloutStrategy, _Mapping]] = ..., approvals: _Optional[_Union[ApprovalRule, _Mapping]] = ..., change_window: _Optional[bool] = ..., upstream_soak_seconds: _Optional[int] = ..., auto_promote: _Optional[bool] = ..., require_digest: _Optional[bool] = ..., file: _Optional[str] = ..., gate_timeout_seconds: _Optional[int] = ..., soak_seconds: _Optional[int] = ..., metrics: _Optional[_Iterable[_Union[AnalysisMetric, _Mapping]]] = ..., container: _Optional[str] = ...) -> None: ...

class TestEvidence(_message.Message):
    __slots__ = ("passed", "failed", "coverage_percent")
    PASSED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    COVERAGE_PERCENT_FIELD_NUMBER: _ClassVar[int]
    passed: int
    failed: int
    coverage_percent: float
    def __init__(self, passed: _Optional[int] = ..., failed: _Optional[int] = ..., coverage_percent: _Optional[float] = ...) -> None: ...

class SecurityEvidence(_message.Message):
    __slots__ = ("critical", "high", "medium", "low", "scanner")
    CRITICAL_FIELD_NUMBER: _ClassVar[int]
    HIGH_FIELD_NUMBER: _ClassVar[int]
    MEDIUM_FIELD_NUMBER: _ClassVar[int]
    LOW_FIELD_NUMBER: _ClassVar[int]
    SCANNER_FIELD_NUMBER: _ClassVar[int]
    critical: int
    high: int
    medium: int
    low: int
    scanner: str
    def __init__(self, critical: _Optional[int] = ..., high: _Optional[int] = ..., medium: _Optional[int] = ..., low: _Optional[int] = ..., scanner: _Optional[str] = ...) -> None: ...

class PerformanceEvidence(_message.Message):
    __slots__ = ("latency_p95_ms", "memory_mb", "cpu_percent")
    LATENCY_P95_MS_FIELD_NUMBER: _ClassVar[int]
    MEMORY_MB_FIELD_NUMBER: _ClassVar[int]
    CPU_PERCENT_FIELD_NUMBER: _ClassVar[int]
    latency_p95_ms: float
    memory_mb: float
    cpu_percent: float
    def __init__(self, latency_p95_ms: _Optional[float] = ..., memory_mb: _Optional[float] = ..., cpu_percent: _Optional[float] = ...) -> None: ...

class CarbonEvidence(_message.Message):
    __slots__ = ("grams_per_request",)
    GRAMS_PER_REQUEST_FIELD_NUMBER: _ClassVar[int]
    grams_per_request: float
    def __init__(self, grams_per_request: _Optional[float] = ...) -> None: ...

class EvidenceLink(_message.Message):
    __slots__ = ("title", "url")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    title: str
    url: str
    def __init__(self, title: _Optional[str] = ..., url: _Optional[str] = ...) -> None: ...

class Evidence(_message.Message):
    __slots__ = ("tests", "security", "performance", "carbon", "links")
    TESTS_FIELD_NUMBER: _ClassVar[int]
    SECURITY_FIELD_NUMBER: _ClassVar[int]
    PERFORMANCE_FIELD_NUMBER: _ClassVar[int]
    CARBON_FIELD_NUMBER: _ClassVar[int]
    LINKS_FIELD_NUMBER: _ClassVar[int]
    tests: TestEvidence
    security: SecurityEvidence
    performance: PerformanceEvidence
    carbon: CarbonEvidence
    links: _containers.RepeatedCompositeFieldContainer[EvidenceLink]
    def __init__(self, tests: _Optional[_Union[TestEvidence, _Mapping]] = ..., security: _Optional[_Union[SecurityEvidence, _Mapping]] = ..., performance: _Optional[_Union[PerformanceEvidence, _Mapping]] = ..., carbon: _Optional[_Union[CarbonEvidence, _Mapping]] = ..., links: _Optional[_Iterable[_Union[EvidenceLink, _Mapping]]] = ...) -> None: ...

class EvidenceRecord(_message.Message):
    __slots__ = ("seq", "evidence", "submitted_by", "submitted_at")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_AT_FIELD_NUMBER: _ClassVar[int]
    seq: int
    evidence: Evidence
    submitted_by: str
    submitted_at: _timestamp_pb2.Timestamp
    def __init__(self, seq: _Optional[int] = ..., evidence: _Optional[_Union[Evidence, _Mapping]] = ..., submitted_by: _Optional[str] = ..., submitted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Build(_message.Message):
    __slots__ = ("id", "service", "image", "version", "commit", "created_at", "created_by", "evidence")
    ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    id: str
    service: str
    image: str
    version: str
    commit: str
    created_at: _timestamp_pb2.Timestamp
    created_by: str
    evidence: _containers.RepeatedCompositeFieldContainer[EvidenceRecord]
    def __init__(self, id: _Optional[str] = ..., service: _Optional[str] = ..., image: _Optional[str] = ..., version: _Optional[str] = ..., commit: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., created_by: _Optional[str] = ..., evidence: _Optional[_Iterable[_Union[EvidenceRecord, _Mapping]]] = ...) -> None: ...

class CreateBuildRequest(_message.Message):
    __slots__ = ("service", "image", "version", "commit", "evidence")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    COMMIT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    service: str
    image: str
    version: str
    commit: str
    evidence: Evidence
    def __init__(self, service: _Optional[str] = ..., image: _Optional[str] = ..., version: _Optional[str] = ..., commit: _Optional[str] = ..., evidence: _Optional[_Union[Evidence, _Mapping]] = ...) -> None: ...

class EvidenceNotice(_message.Message):
    __slots__ = ("build_id", "seq", "submitted_by")
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    SUBMITTED_BY_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    seq: int
    submitted_by: str
    def __init__(self, build_id: _Optional[str] = ..., seq: _Optional[int] = ..., submitted_by: _Optional[str] = ...) -> None: ...

class Release(_message.Message):
    __slots__ = ("environment", "service", "build_id", "version", "image", "live_since", "verified_at", "run_id", "state")
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    LIVE_SINCE_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_AT_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    environment: str
    service: str
    build_id: str
    version: str
    image: str
    live_since: _timestamp_pb2.Timestamp
    verified_at: _timestamp_pb2.Timestamp
    run_id: str
    state: str
    def __init__(self, environment: _Optional[str] = ..., service: _Optional[str] = ..., build_id: _Optional[str] = ..., version: _Optional[str] = ..., image: _Optional[str] = ..., live_since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., verified_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., run_id: _Optional[str] = ..., state: _Optional[str] = ...) -> None: ...

class EnvironmentBoard(_message.Message):
    __slots__ = ("environment", "live", "history", "auto_promotion")
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    LIVE_FIELD_NUMBER: _ClassVar[int]
    HISTORY_FIELD_NUMBER: _ClassVar[int]
    AUTO_PROMOTION_FIELD_NUMBER: _ClassVar[int]
    environment: Environment
    live: _containers.RepeatedCompositeFieldContainer[Release]
    history: _containers.RepeatedCompositeFieldContainer[Release]
    auto_promotion: AutoPromotion
    def __init__(self, environment: _Optional[_Union[Environment, _Mapping]] = ..., live: _Optional[_Iterable[_Union[Release, _Mapping]]] = ..., history: _Optional[_Iterable[_Union[Release, _Mapping]]] = ..., auto_promotion: _Optional[_Union[AutoPromotion, _Mapping]] = ...) -> None: ...

class AutoPromotion(_message.Message):
    __slots__ = ("enabled", "declared", "set_by", "set_at", "reason")
    ENABLED_FIELD_NUMBER: _ClassVar[int]
    DECLARED_FIELD_NUMBER: _ClassVar[int]
    SET_BY_FIELD_NUMBER: _ClassVar[int]
    SET_AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    enabled: bool
    declared: bool
    set_by: str
    set_at: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, enabled: _Optional[bool] = ..., declared: _Optional[bool] = ..., set_by: _Optional[str] = ..., set_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class AutoPromotionPlan(_message.Message):
    __slots__ = ("requests", "skipped")
    REQUESTS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    requests: _containers.RepeatedCompositeFieldContainer[PromotionRequest]
    skipped: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, requests: _Optional[_Iterable[_Union[PromotionRequest, _Mapping]]] = ..., skipped: _Optional[_Iterable[str]] = ...) -> None: ...

class PromotionRequest(_message.Message):
    __slots__ = ("build_id", "environment", "service", "tenant", "requested_by", "limits", "source", "reason", "target", "build")
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    BUILD_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    environment: str
    service: str
    tenant: str
    requested_by: str
    limits: _common_pb2.RunLimits
    source: str
    reason: str
    target: Environment
    build: Build
    def __init__(self, build_id: _Optional[str] = ..., environment: _Optional[str] = ..., service: _Optional[str] = ..., tenant: _Optional[str] = ..., requested_by: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ..., source: _Optional[str] = ..., reason: _Optional[str] = ..., target: _Optional[_Union[Environment, _Mapping]] = ..., build: _Optional[_Union[Build, _Mapping]] = ...) -> None: ...

class PromotionNotice(_message.Message):
    __slots__ = ("build_id", "requested_by", "source")
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    build_id: str
    requested_by: str
    source: str
    def __init__(self, build_id: _Optional[str] = ..., requested_by: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class GateInput(_message.Message):
    __slots__ = ("request", "approvals", "approvers")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    request: PromotionRequest
    approvals: int
    approvers: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, request: _Optional[_Union[PromotionRequest, _Mapping]] = ..., approvals: _Optional[int] = ..., approvers: _Optional[_Iterable[str]] = ...) -> None: ...

class GateDecision(_message.Message):
    __slots__ = ("allow", "deny", "required_actions", "decision_id", "approvals_required", "approvals_missing", "evidence_ready", "facts", "decided_at", "deny_codes")
    ALLOW_FIELD_NUMBER: _ClassVar[int]
    DENY_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_MISSING_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_READY_FIELD_NUMBER: _ClassVar[int]
    FACTS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_AT_FIELD_NUMBER: _ClassVar[int]
    DENY_CODES_FIELD_NUMBER: _ClassVar[int]
    allow: bool
    deny: _containers.RepeatedScalarFieldContainer[str]
    required_actions: _containers.RepeatedScalarFieldContainer[str]
    decision_id: str
    approvals_required: int
    approvals_missing: int
    evidence_ready: bool
    facts: _struct_pb2.Struct
    decided_at: _timestamp_pb2.Timestamp
    deny_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, allow: _Optional[bool] = ..., deny: _Optional[_Iterable[str]] = ..., required_actions: _Optional[_Iterable[str]] = ..., decision_id: _Optional[str] = ..., approvals_required: _Optional[int] = ..., approvals_missing: _Optional[int] = ..., evidence_ready: _Optional[bool] = ..., facts: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., decided_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deny_codes: _Optional[_Iterable[str]] = ...) -> None: ...

class WorkloadSnapshot(_message.Message):
    __slots__ = ("workload", "spec", "replicas", "image", "container", "resource_version", "canary_existed")
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    CANARY_EXISTED_FIELD_NUMBER: _ClassVar[int]
    workload: _kubernetes_pb2.WorkloadRef
    spec: _struct_pb2.Struct
    replicas: int
    image: str
    container: str
    resource_version: str
    canary_existed: bool
    def __init__(self, workload: _Optional[_Union[_kubernetes_pb2.WorkloadRef, _Mapping]] = ..., spec: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., replicas: _Optional[int] = ..., image: _Optional[str] = ..., container: _Optional[str] = ..., resource_version: _Optional[str] = ..., canary_existed: _Optional[bool] = ...) -> None: ...

class Measurement(_message.Message):
    __slots__ = ("phase", "values", "message", "at")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    phase: str
    values: _containers.RepeatedScalarFieldContainer[float]
    message: str
    at: _timestamp_pb2.Timestamp
    def __init__(self, phase: _Optional[str] = ..., values: _Optional[_Iterable[float]] = ..., message: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class MeasureRequest(_message.Message):
    __slots__ = ("metric", "query", "baseline_query")
    METRIC_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    BASELINE_QUERY_FIELD_NUMBER: _ClassVar[int]
    metric: AnalysisMetric
    query: str
    baseline_query: str
    def __init__(self, metric: _Optional[_Union[AnalysisMetric, _Mapping]] = ..., query: _Optional[str] = ..., baseline_query: _Optional[str] = ...) -> None: ...

class MetricResult(_message.Message):
    __slots__ = ("name", "phase", "measurements", "successful", "failed", "inconclusive", "errors", "consecutive_errors", "message", "query", "taken")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    MEASUREMENTS_FIELD_NUMBER: _ClassVar[int]
    SUCCESSFUL_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    INCONCLUSIVE_FIELD_NUMBER: _ClassVar[int]
    ERRORS_FIELD_NUMBER: _ClassVar[int]
    CONSECUTIVE_ERRORS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TAKEN_FIELD_NUMBER: _ClassVar[int]
    name: str
    phase: str
    measurements: _containers.RepeatedCompositeFieldContainer[Measurement]
    successful: int
    failed: int
    inconclusive: int
    errors: int
    consecutive_errors: int
    message: str
    query: str
    taken: int
    def __init__(self, name: _Optional[str] = ..., phase: _Optional[str] = ..., measurements: _Optional[_Iterable[_Union[Measurement, _Mapping]]] = ..., successful: _Optional[int] = ..., failed: _Optional[int] = ..., inconclusive: _Optional[int] = ..., errors: _Optional[int] = ..., consecutive_errors: _Optional[int] = ..., message: _Optional[str] = ..., query: _Optional[str] = ..., taken: _Optional[int] = ...) -> None: ...

class AnalysisRun(_message.Message):
    __slots__ = ("phase", "metrics", "message", "step_index", "kind")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STEP_INDEX_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    phase: str
    metrics: _containers.RepeatedCompositeFieldContainer[MetricResult]
    message: str
    step_index: int
    kind: str
    def __init__(self, phase: _Optional[str] = ..., metrics: _Optional[_Iterable[_Union[MetricResult, _Mapping]]] = ..., message: _Optional[str] = ..., step_index: _Optional[int] = ..., kind: _Optional[str] = ...) -> None: ...

class StepRecord(_message.Message):
    __slots__ = ("index", "kind", "status", "summary", "weight", "canary_replicas", "stable_replicas", "started_at", "finished_at", "analysis", "attempts")
    INDEX_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    CANARY_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    STABLE_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    FINISHED_AT_FIELD_NUMBER: _ClassVar[int]
    ANALYSIS_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    index: int
    kind: str
    status: str
    summary: str
    weight: int
    canary_replicas: int
    stable_replicas: int
    started_at: _timestamp_pb2.Timestamp
    finished_at: _timestamp_pb2.Timestamp
    analysis: AnalysisRun
    attempts: int
    def __init__(self, index: _Optional[int] = ..., kind: _Optional[str] = ..., status: _Optional[str] = ..., summary: _Optional[str] = ..., weight: _Optional[int] = ..., canary_replicas: _Optional[int] = ..., stable_replicas: _Optional[int] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finished_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., analysis: _Optional[_Union[AnalysisRun, _Mapping]] = ..., attempts: _Optional[int] = ...) -> None: ...

class PromotionControl(_message.Message):
    __slots__ = ("action", "by", "roles", "reason", "count")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    ROLES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    action: str
    by: str
    roles: _containers.RepeatedScalarFieldContainer[str]
    reason: str
    count: int
    def __init__(self, action: _Optional[str] = ..., by: _Optional[str] = ..., roles: _Optional[_Iterable[str]] = ..., reason: _Optional[str] = ..., count: _Optional[int] = ...) -> None: ...

class PromotionControlState(_message.Message):
    __slots__ = ("phase", "step_index", "paused", "awaiting", "allowed_actions", "weight")
    PHASE_FIELD_NUMBER: _ClassVar[int]
    STEP_INDEX_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    AWAITING_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_ACTIONS_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    phase: str
    step_index: int
    paused: bool
    awaiting: str
    allowed_actions: _containers.RepeatedScalarFieldContainer[str]
    weight: int
    def __init__(self, phase: _Optional[str] = ..., step_index: _Optional[int] = ..., paused: _Optional[bool] = ..., awaiting: _Optional[str] = ..., allowed_actions: _Optional[_Iterable[str]] = ..., weight: _Optional[int] = ...) -> None: ...

class PromotionResult(_message.Message):
    __slots__ = ("outcome", "reason", "build_id", "environment", "service", "version", "gate", "steps", "analyses", "snapshot", "restored", "release", "events", "changes", "controls")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    GATE_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    ANALYSES_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    RESTORED_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    CONTROLS_FIELD_NUMBER: _ClassVar[int]
    outcome: PromotionOutcome
    reason: str
    build_id: str
    environment: str
    service: str
    version: str
    gate: GateDecision
    steps: _containers.RepeatedCompositeFieldContainer[StepRecord]
    analyses: _containers.RepeatedCompositeFieldContainer[AnalysisRun]
    snapshot: WorkloadSnapshot
    restored: _containers.RepeatedCompositeFieldContainer[_kubernetes_pb2.KubeActionResult]
    release: Release
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    changes: _containers.RepeatedCompositeFieldContainer[_kubernetes_pb2.KubeActionResult]
    controls: _containers.RepeatedCompositeFieldContainer[PromotionControl]
    def __init__(self, outcome: _Optional[_Union[PromotionOutcome, str]] = ..., reason: _Optional[str] = ..., build_id: _Optional[str] = ..., environment: _Optional[str] = ..., service: _Optional[str] = ..., version: _Optional[str] = ..., gate: _Optional[_Union[GateDecision, _Mapping]] = ..., steps: _Optional[_Iterable[_Union[StepRecord, _Mapping]]] = ..., analyses: _Optional[_Iterable[_Union[AnalysisRun, _Mapping]]] = ..., snapshot: _Optional[_Union[WorkloadSnapshot, _Mapping]] = ..., restored: _Optional[_Iterable[_Union[_kubernetes_pb2.KubeActionResult, _Mapping]]] = ..., release: _Optional[_Union[Release, _Mapping]] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ..., changes: _Optional[_Iterable[_Union[_kubernetes_pb2.KubeActionResult, _Mapping]]] = ..., controls: _Optional[_Iterable[_Union[PromotionControl, _Mapping]]] = ...) -> None: ...

class ReleaseRecord(_message.Message):
    __slots__ = ("release", "tenant")
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    release: Release
    tenant: str
    def __init__(self, release: _Optional[_Union[Release, _Mapping]] = ..., tenant: _Optional[str] = ...) -> None: ...

class SnapshotRequest(_message.Message):
    __slots__ = ("stable", "canary", "container")
    STABLE_FIELD_NUMBER: _ClassVar[int]
    CANARY_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    stable: _kubernetes_pb2.WorkloadRef
    canary: str
    container: str
    def __init__(self, stable: _Optional[_Union[_kubernetes_pb2.WorkloadRef, _Mapping]] = ..., canary: _Optional[str] = ..., container: _Optional[str] = ...) -> None: ...

class AvailabilityRequest(_message.Message):
    __slots__ = ("workload", "replicas", "timeout_seconds")
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    REPLICAS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    workload: _kubernetes_pb2.WorkloadRef
    replicas: int
    timeout_seconds: int
    def __init__(self, workload: _Optional[_Union[_kubernetes_pb2.WorkloadRef, _Mapping]] = ..., replicas: _Optional[int] = ..., timeout_seconds: _Optional[int] = ...) -> None: ...

class PromotionOutcomeRecord(_message.Message):
    __slots__ = ("run_id", "tenant", "environment", "service", "build_id", "outcome", "deny", "analyses", "seconds", "deny_codes")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    BUILD_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    DENY_FIELD_NUMBER: _ClassVar[int]
    ANALYSES_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    DENY_CODES_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    tenant: str
    environment: str
    service: str
    build_id: str
    outcome: str
    deny: _containers.RepeatedScalarFieldContainer[str]
    analyses: _containers.RepeatedScalarFieldContainer[str]
    seconds: float
    deny_codes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, run_id: _Optional[str] = ..., tenant: _Optional[str] = ..., environment: _Optional[str] = ..., service: _Optional[str] = ..., build_id: _Optional[str] = ..., outcome: _Optional[str] = ..., deny: _Optional[_Iterable[str]] = ..., analyses: _Optional[_Iterable[str]] = ..., seconds: _Optional[float] = ..., deny_codes: _Optional[_Iterable[str]] = ...) -> None: ...
