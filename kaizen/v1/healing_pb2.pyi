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

class HealingOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HEALING_OUTCOME_UNSPECIFIED: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_PROPOSED: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_FIXED: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_REJECTED: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_DENIED: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_ROLLED_BACK: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_ABORTED: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_CANCELLED: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_OBSERVED: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_RESOLVED_BEFORE_ACTION: _ClassVar[HealingOutcome]
    HEALING_OUTCOME_NOTHING_TO_DO: _ClassVar[HealingOutcome]
HEALING_OUTCOME_UNSPECIFIED: HealingOutcome
HEALING_OUTCOME_PROPOSED: HealingOutcome
HEALING_OUTCOME_FIXED: HealingOutcome
HEALING_OUTCOME_REJECTED: HealingOutcome
HEALING_OUTCOME_DENIED: HealingOutcome
HEALING_OUTCOME_ROLLED_BACK: HealingOutcome
HEALING_OUTCOME_ABORTED: HealingOutcome
HEALING_OUTCOME_CANCELLED: HealingOutcome
HEALING_OUTCOME_OBSERVED: HealingOutcome
HEALING_OUTCOME_RESOLVED_BEFORE_ACTION: HealingOutcome
HEALING_OUTCOME_NOTHING_TO_DO: HealingOutcome

class HealingRequest(_message.Message):
    __slots__ = ("service", "namespace", "symptom", "severity", "tenant", "requested_by", "limits", "playbook", "parameters", "dry_run", "evidence", "source")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SYMPTOM_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    PLAYBOOK_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    service: str
    namespace: str
    symptom: str
    severity: _common_pb2.Severity
    tenant: str
    requested_by: str
    limits: _common_pb2.RunLimits
    playbook: str
    parameters: _struct_pb2.Struct
    dry_run: bool
    evidence: _struct_pb2.Struct
    source: str
    def __init__(self, service: _Optional[str] = ..., namespace: _Optional[str] = ..., symptom: _Optional[str] = ..., severity: _Optional[_Union[_common_pb2.Severity, str]] = ..., tenant: _Optional[str] = ..., requested_by: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ..., playbook: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., dry_run: _Optional[bool] = ..., evidence: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class Diagnosis(_message.Message):
    __slots__ = ("summary", "category", "evidence", "sources", "workload", "metrics")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    SOURCES_FIELD_NUMBER: _ClassVar[int]
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    summary: str
    category: str
    evidence: _struct_pb2.Struct
    sources: _containers.RepeatedScalarFieldContainer[str]
    workload: _kubernetes_pb2.WorkloadHealth
    metrics: _containers.RepeatedCompositeFieldContainer[MetricReading]
    def __init__(self, summary: _Optional[str] = ..., category: _Optional[str] = ..., evidence: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., sources: _Optional[_Iterable[str]] = ..., workload: _Optional[_Union[_kubernetes_pb2.WorkloadHealth, _Mapping]] = ..., metrics: _Optional[_Iterable[_Union[MetricReading, _Mapping]]] = ...) -> None: ...

class MetricReading(_message.Message):
    __slots__ = ("signal", "query", "value", "present", "healthy_below", "breached", "error")
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    PRESENT_FIELD_NUMBER: _ClassVar[int]
    HEALTHY_BELOW_FIELD_NUMBER: _ClassVar[int]
    BREACHED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    signal: str
    query: str
    value: float
    present: bool
    healthy_below: float
    breached: bool
    error: str
    def __init__(self, signal: _Optional[str] = ..., query: _Optional[str] = ..., value: _Optional[float] = ..., present: _Optional[bool] = ..., healthy_below: _Optional[float] = ..., breached: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class PolicyDecision(_message.Message):
    __slots__ = ("allowed", "risk", "needs_change_window", "approvals_required", "approver_roles", "approvers", "autonomy", "reasons", "decision_id", "mode", "preview_only", "window_open", "autonomy_reason")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    NEEDS_CHANGE_WINDOW_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    APPROVER_ROLES_FIELD_NUMBER: _ClassVar[int]
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    AUTONOMY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_ONLY_FIELD_NUMBER: _ClassVar[int]
    WINDOW_OPEN_FIELD_NUMBER: _ClassVar[int]
    AUTONOMY_REASON_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    risk: str
    needs_change_window: bool
    approvals_required: int
    approver_roles: _containers.RepeatedScalarFieldContainer[str]
    approvers: _containers.RepeatedScalarFieldContainer[str]
    autonomy: str
    reasons: _containers.RepeatedScalarFieldContainer[str]
    decision_id: str
    mode: str
    preview_only: bool
    window_open: bool
    autonomy_reason: str
    def __init__(self, allowed: _Optional[bool] = ..., risk: _Optional[str] = ..., needs_change_window: _Optional[bool] = ..., approvals_required: _Optional[int] = ..., approver_roles: _Optional[_Iterable[str]] = ..., approvers: _Optional[_Iterable[str]] = ..., autonomy: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ..., decision_id: _Optional[str] = ..., mode: _Optional[str] = ..., preview_only: _Optional[bool] = ..., window_open: _Optional[bool] = ..., autonomy_reason: _Optional[str] = ...) -> None: ...

class PlaybookStats(_message.Message):
    __slots__ = ("successes", "failures")
    SUCCESSES_FIELD_NUMBER: _ClassVar[int]
    FAILURES_FIELD_NUMBER: _ClassVar[int]
    successes: int
    failures: int
    def __init__(self, successes: _Optional[int] = ..., failures: _Optional[int] = ...) -> None: ...

class PlaybookCandidate(_message.Message):
    __slots__ = ("playbook", "version", "risk", "stats", "mean", "sample", "static_rank")
    PLAYBOOK_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    MEAN_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    STATIC_RANK_FIELD_NUMBER: _ClassVar[int]
    playbook: str
    version: int
    risk: str
    stats: PlaybookStats
    mean: float
    sample: float
    static_rank: int
    def __init__(self, playbook: _Optional[str] = ..., version: _Optional[int] = ..., risk: _Optional[str] = ..., stats: _Optional[_Union[PlaybookStats, _Mapping]] = ..., mean: _Optional[float] = ..., sample: _Optional[float] = ..., static_rank: _Optional[int] = ...) -> None: ...

class PlaybookRanking(_message.Message):
    __slots__ = ("strategy", "reason", "candidates", "chosen")
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_FIELD_NUMBER: _ClassVar[int]
    CHOSEN_FIELD_NUMBER: _ClassVar[int]
    strategy: str
    reason: str
    candidates: _containers.RepeatedCompositeFieldContainer[PlaybookCandidate]
    chosen: str
    def __init__(self, strategy: _Optional[str] = ..., reason: _Optional[str] = ..., candidates: _Optional[_Iterable[_Union[PlaybookCandidate, _Mapping]]] = ..., chosen: _Optional[str] = ...) -> None: ...

class VerificationSpec(_message.Message):
    __slots__ = ("query", "healthy_below", "timeout_seconds", "interval_seconds", "settle_seconds", "passes_required")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    HEALTHY_BELOW_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SETTLE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PASSES_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    query: str
    healthy_below: float
    timeout_seconds: int
    interval_seconds: int
    settle_seconds: int
    passes_required: int
    def __init__(self, query: _Optional[str] = ..., healthy_below: _Optional[float] = ..., timeout_seconds: _Optional[int] = ..., interval_seconds: _Optional[int] = ..., settle_seconds: _Optional[int] = ..., passes_required: _Optional[int] = ...) -> None: ...

class ProposedAction(_message.Message):
    __slots__ = ("playbook", "action", "parameters", "summary", "playbook_version", "risk", "steps", "rollback", "verification", "why")
    PLAYBOOK_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PLAYBOOK_VERSION_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    STEPS_FIELD_NUMBER: _ClassVar[int]
    ROLLBACK_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    WHY_FIELD_NUMBER: _ClassVar[int]
    playbook: str
    action: str
    parameters: _struct_pb2.Struct
    summary: str
    playbook_version: int
    risk: str
    steps: _containers.RepeatedCompositeFieldContainer[_kubernetes_pb2.KubeActionRequest]
    rollback: _containers.RepeatedCompositeFieldContainer[_kubernetes_pb2.KubeActionRequest]
    verification: VerificationSpec
    why: str
    def __init__(self, playbook: _Optional[str] = ..., action: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., summary: _Optional[str] = ..., playbook_version: _Optional[int] = ..., risk: _Optional[str] = ..., steps: _Optional[_Iterable[_Union[_kubernetes_pb2.KubeActionRequest, _Mapping]]] = ..., rollback: _Optional[_Iterable[_Union[_kubernetes_pb2.KubeActionRequest, _Mapping]]] = ..., verification: _Optional[_Union[VerificationSpec, _Mapping]] = ..., why: _Optional[str] = ...) -> None: ...

class HealingResult(_message.Message):
    __slots__ = ("outcome", "reason", "diagnosis", "action", "policy", "verified", "events", "ranking", "executed", "verification", "rolled_back", "alerts", "still_firing")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    RANKING_FIELD_NUMBER: _ClassVar[int]
    EXECUTED_FIELD_NUMBER: _ClassVar[int]
    VERIFICATION_FIELD_NUMBER: _ClassVar[int]
    ROLLED_BACK_FIELD_NUMBER: _ClassVar[int]
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    STILL_FIRING_FIELD_NUMBER: _ClassVar[int]
    outcome: HealingOutcome
    reason: str
    diagnosis: Diagnosis
    action: ProposedAction
    policy: PolicyDecision
    verified: bool
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    ranking: PlaybookRanking
    executed: _containers.RepeatedCompositeFieldContainer[_kubernetes_pb2.KubeActionResult]
    verification: Verification
    rolled_back: _containers.RepeatedCompositeFieldContainer[_kubernetes_pb2.KubeActionResult]
    alerts: _containers.RepeatedCompositeFieldContainer[AlertNotice]
    still_firing: _containers.RepeatedCompositeFieldContainer[AlertNotice]
    def __init__(self, outcome: _Optional[_Union[HealingOutcome, str]] = ..., reason: _Optional[str] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ..., action: _Optional[_Union[ProposedAction, _Mapping]] = ..., policy: _Optional[_Union[PolicyDecision, _Mapping]] = ..., verified: _Optional[bool] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ..., ranking: _Optional[_Union[PlaybookRanking, _Mapping]] = ..., executed: _Optional[_Iterable[_Union[_kubernetes_pb2.KubeActionResult, _Mapping]]] = ..., verification: _Optional[_Union[Verification, _Mapping]] = ..., rolled_back: _Optional[_Iterable[_Union[_kubernetes_pb2.KubeActionResult, _Mapping]]] = ..., alerts: _Optional[_Iterable[_Union[AlertNotice, _Mapping]]] = ..., still_firing: _Optional[_Iterable[_Union[AlertNotice, _Mapping]]] = ...) -> None: ...

class VerificationCheck(_message.Message):
    __slots__ = ("passed", "method", "query", "value", "has_value", "summary", "health")
    PASSED_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    HAS_VALUE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    passed: bool
    method: str
    query: str
    value: float
    has_value: bool
    summary: str
    health: _kubernetes_pb2.WorkloadHealth
    def __init__(self, passed: _Optional[bool] = ..., method: _Optional[str] = ..., query: _Optional[str] = ..., value: _Optional[float] = ..., has_value: _Optional[bool] = ..., summary: _Optional[str] = ..., health: _Optional[_Union[_kubernetes_pb2.WorkloadHealth, _Mapping]] = ...) -> None: ...

class Verification(_message.Message):
    __slots__ = ("passed", "checks", "last", "reason")
    PASSED_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    LAST_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    passed: bool
    checks: int
    last: VerificationCheck
    reason: str
    def __init__(self, passed: _Optional[bool] = ..., checks: _Optional[int] = ..., last: _Optional[_Union[VerificationCheck, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class VerificationRequest(_message.Message):
    __slots__ = ("workload", "spec")
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    workload: _kubernetes_pb2.WorkloadRef
    spec: VerificationSpec
    def __init__(self, workload: _Optional[_Union[_kubernetes_pb2.WorkloadRef, _Mapping]] = ..., spec: _Optional[_Union[VerificationSpec, _Mapping]] = ...) -> None: ...

class AlertNotice(_message.Message):
    __slots__ = ("status", "fingerprint", "alertname", "starts_at", "ends_at", "generator_url", "labels", "source")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    ALERTNAME_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    GENERATOR_URL_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    status: str
    fingerprint: str
    alertname: str
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    generator_url: str
    labels: _struct_pb2.Struct
    source: str
    def __init__(self, status: _Optional[str] = ..., fingerprint: _Optional[str] = ..., alertname: _Optional[str] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., generator_url: _Optional[str] = ..., labels: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class PlanRequest(_message.Message):
    __slots__ = ("request", "diagnosis")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    request: HealingRequest
    diagnosis: Diagnosis
    def __init__(self, request: _Optional[_Union[HealingRequest, _Mapping]] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ...) -> None: ...

class HealingPlan(_message.Message):
    __slots__ = ("ranking", "action", "stats", "nothing_to_do")
    RANKING_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    NOTHING_TO_DO_FIELD_NUMBER: _ClassVar[int]
    ranking: PlaybookRanking
    action: ProposedAction
    stats: PlaybookStats
    nothing_to_do: str
    def __init__(self, ranking: _Optional[_Union[PlaybookRanking, _Mapping]] = ..., action: _Optional[_Union[ProposedAction, _Mapping]] = ..., stats: _Optional[_Union[PlaybookStats, _Mapping]] = ..., nothing_to_do: _Optional[str] = ...) -> None: ...

class ResolveRequest(_message.Message):
    __slots__ = ("request", "action", "diagnosis")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    request: HealingRequest
    action: ProposedAction
    diagnosis: str
    def __init__(self, request: _Optional[_Union[HealingRequest, _Mapping]] = ..., action: _Optional[_Union[ProposedAction, _Mapping]] = ..., diagnosis: _Optional[str] = ...) -> None: ...

class LearningEvent(_message.Message):
    __slots__ = ("run_id", "event", "tenant", "namespace", "service", "diagnosis", "playbook", "playbook_version", "detail", "seconds", "risk", "severity")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    PLAYBOOK_FIELD_NUMBER: _ClassVar[int]
    PLAYBOOK_VERSION_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    event: str
    tenant: str
    namespace: str
    service: str
    diagnosis: str
    playbook: str
    playbook_version: int
    detail: str
    seconds: float
    risk: str
    severity: str
    def __init__(self, run_id: _Optional[str] = ..., event: _Optional[str] = ..., tenant: _Optional[str] = ..., namespace: _Optional[str] = ..., service: _Optional[str] = ..., diagnosis: _Optional[str] = ..., playbook: _Optional[str] = ..., playbook_version: _Optional[int] = ..., detail: _Optional[str] = ..., seconds: _Optional[float] = ..., risk: _Optional[str] = ..., severity: _Optional[str] = ...) -> None: ...

class HealingPolicyInput(_message.Message):
    __slots__ = ("request", "diagnosis", "action", "stats", "window_open")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_OPEN_FIELD_NUMBER: _ClassVar[int]
    request: HealingRequest
    diagnosis: Diagnosis
    action: ProposedAction
    stats: PlaybookStats
    window_open: bool
    def __init__(self, request: _Optional[_Union[HealingRequest, _Mapping]] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ..., action: _Optional[_Union[ProposedAction, _Mapping]] = ..., stats: _Optional[_Union[PlaybookStats, _Mapping]] = ..., window_open: _Optional[bool] = ...) -> None: ...

class ActionRecord(_message.Message):
    __slots__ = ("run_id", "request", "action", "policy")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    request: HealingRequest
    action: ProposedAction
    policy: PolicyDecision
    def __init__(self, run_id: _Optional[str] = ..., request: _Optional[_Union[HealingRequest, _Mapping]] = ..., action: _Optional[_Union[ProposedAction, _Mapping]] = ..., policy: _Optional[_Union[PolicyDecision, _Mapping]] = ...) -> None: ...

class ActionReceipt(_message.Message):
    __slots__ = ("idempotency_key", "applied", "detail")
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    idempotency_key: str
    applied: bool
    detail: str
    def __init__(self, idempotency_key: _Optional[str] = ..., applied: _Optional[bool] = ..., detail: _Optional[str] = ...) -> None: ...

class HealingSweepRequest(_message.Message):
    __slots__ = ("namespace", "label_selector", "severity", "tenant", "requested_by", "source", "limits")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: str
    severity: _common_pb2.Severity
    tenant: str
    requested_by: str
    source: str
    limits: _common_pb2.RunLimits
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[str] = ..., severity: _Optional[_Union[_common_pb2.Severity, str]] = ..., tenant: _Optional[str] = ..., requested_by: _Optional[str] = ..., source: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ...) -> None: ...

class HealingSweepTrigger(_message.Message):
    __slots__ = ("requested_by", "source")
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    requested_by: str
    source: str
    def __init__(self, requested_by: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class SweptWorkload(_message.Message):
    __slots__ = ("health", "distressed", "symptom", "why", "decision", "workflow_id", "run_id", "error")
    HEALTH_FIELD_NUMBER: _ClassVar[int]
    DISTRESSED_FIELD_NUMBER: _ClassVar[int]
    SYMPTOM_FIELD_NUMBER: _ClassVar[int]
    WHY_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    health: _kubernetes_pb2.WorkloadHealth
    distressed: bool
    symptom: str
    why: str
    decision: str
    workflow_id: str
    run_id: str
    error: str
    def __init__(self, health: _Optional[_Union[_kubernetes_pb2.WorkloadHealth, _Mapping]] = ..., distressed: _Optional[bool] = ..., symptom: _Optional[str] = ..., why: _Optional[str] = ..., decision: _Optional[str] = ..., workflow_id: _Optional[str] = ..., run_id: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...

class HealingSweepResult(_message.Message):
    __slots__ = ("workloads", "checked", "distressed", "started", "joined", "held_back", "failed", "truncated", "summary", "events")
    WORKLOADS_FIELD_NUMBER: _ClassVar[int]
    CHECKED_FIELD_NUMBER: _ClassVar[int]
    DISTRESSED_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    JOINED_FIELD_NUMBER: _ClassVar[int]
    HELD_BACK_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    workloads: _containers.RepeatedCompositeFieldContainer[SweptWorkload]
    checked: int
    distressed: int
    started: int
    joined: int
    held_back: int
    failed: int
    truncated: bool
    summary: str
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    def __init__(self, workloads: _Optional[_Iterable[_Union[SweptWorkload, _Mapping]]] = ..., checked: _Optional[int] = ..., distressed: _Optional[int] = ..., started: _Optional[int] = ..., joined: _Optional[int] = ..., held_back: _Optional[int] = ..., failed: _Optional[int] = ..., truncated: _Optional[bool] = ..., summary: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ...) -> None: ...

class HealingTrigger(_message.Message):
    __slots__ = ("request", "notice", "source")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    NOTICE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    request: HealingRequest
    notice: AlertNotice
    source: str
    def __init__(self, request: _Optional[_Union[HealingRequest, _Mapping]] = ..., notice: _Optional[_Union[AlertNotice, _Mapping]] = ..., source: _Optional[str] = ...) -> None: ...

class HealingTriggerResult(_message.Message):
    __slots__ = ("decision", "workflow_id", "run_id")
    DECISION_FIELD_NUMBER: _ClassVar[int]
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    decision: str
    workflow_id: str
    run_id: str
    def __init__(self, decision: _Optional[str] = ..., workflow_id: _Optional[str] = ..., run_id: _Optional[str] = ...) -> None: ...
