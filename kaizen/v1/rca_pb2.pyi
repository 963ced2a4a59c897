import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kaizen.v1 import approval_pb2 as _approval_pb2
from kaizen.v1 import common_pb2 as _common_pb2
from kaizen.v1 import run_pb2 as _run_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class RcaOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RCA_OUTCOME_UNSPECIFIED: _ClassVar[RcaOutcome]
    RCA_OUTCOME_FINAL: _ClassVar[RcaOutcome]
    RCA_OUTCOME_ABANDONED: _ClassVar[RcaOutcome]
RCA_OUTCOME_UNSPECIFIED: RcaOutcome
RCA_OUTCOME_FINAL: RcaOutcome
RCA_OUTCOME_ABANDONED: RcaOutcome

class IncidentAlert(_message.Message):
    __slots__ = ("id", "name", "labels", "starts_at", "ends_at", "status", "severity", "source", "link", "fingerprint")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    STARTS_AT_FIELD_NUMBER: _ClassVar[int]
    ENDS_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    labels: _struct_pb2.Struct
    starts_at: _timestamp_pb2.Timestamp
    ends_at: _timestamp_pb2.Timestamp
    status: str
    severity: str
    source: str
    link: str
    fingerprint: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., labels: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., starts_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., ends_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ..., severity: _Optional[str] = ..., source: _Optional[str] = ..., link: _Optional[str] = ..., fingerprint: _Optional[str] = ...) -> None: ...

class MetricSeries(_message.Message):
    __slots__ = ("id", "signal", "query", "labels", "start", "step_seconds", "values", "notation", "source", "truncated")
    ID_FIELD_NUMBER: _ClassVar[int]
    SIGNAL_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    STEP_SECONDS_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    NOTATION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    id: str
    signal: str
    query: str
    labels: _struct_pb2.Struct
    start: _timestamp_pb2.Timestamp
    step_seconds: int
    values: _containers.RepeatedScalarFieldContainer[float]
    notation: str
    source: str
    truncated: bool
    def __init__(self, id: _Optional[str] = ..., signal: _Optional[str] = ..., query: _Optional[str] = ..., labels: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., step_seconds: _Optional[int] = ..., values: _Optional[_Iterable[float]] = ..., notation: _Optional[str] = ..., source: _Optional[str] = ..., truncated: _Optional[bool] = ...) -> None: ...

class LogLine(_message.Message):
    __slots__ = ("id", "at", "pod", "container", "line", "source", "service", "link")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    POD_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_FIELD_NUMBER: _ClassVar[int]
    LINE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    id: str
    at: _timestamp_pb2.Timestamp
    pod: str
    container: str
    line: str
    source: str
    service: str
    link: str
    def __init__(self, id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pod: _Optional[str] = ..., container: _Optional[str] = ..., line: _Optional[str] = ..., source: _Optional[str] = ..., service: _Optional[str] = ..., link: _Optional[str] = ...) -> None: ...

class ChangeDiff(_message.Message):
    __slots__ = ("path", "before", "after")
    PATH_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    path: str
    before: str
    after: str
    def __init__(self, path: _Optional[str] = ..., before: _Optional[str] = ..., after: _Optional[str] = ...) -> None: ...

class ChangeRecord(_message.Message):
    __slots__ = ("id", "at", "until", "kind", "source", "author", "summary", "service", "namespace", "resource", "node", "diff", "revision", "link")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    id: str
    at: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    kind: str
    source: str
    author: str
    summary: str
    service: str
    namespace: str
    resource: str
    node: str
    diff: _containers.RepeatedCompositeFieldContainer[ChangeDiff]
    revision: str
    link: str
    def __init__(self, id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., kind: _Optional[str] = ..., source: _Optional[str] = ..., author: _Optional[str] = ..., summary: _Optional[str] = ..., service: _Optional[str] = ..., namespace: _Optional[str] = ..., resource: _Optional[str] = ..., node: _Optional[str] = ..., diff: _Optional[_Iterable[_Union[ChangeDiff, _Mapping]]] = ..., revision: _Optional[str] = ..., link: _Optional[str] = ...) -> None: ...

class KubeEvent(_message.Message):
    __slots__ = ("id", "at", "reason", "object", "message", "count", "type", "node", "source", "service")
    ID_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    id: str
    at: _timestamp_pb2.Timestamp
    reason: str
    object: str
    message: str
    count: int
    type: str
    node: str
    source: str
    service: str
    def __init__(self, id: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., object: _Optional[str] = ..., message: _Optional[str] = ..., count: _Optional[int] = ..., type: _Optional[str] = ..., node: _Optional[str] = ..., source: _Optional[str] = ..., service: _Optional[str] = ...) -> None: ...

class Topology(_message.Message):
    __slots__ = ("dependencies", "placement")
    DEPENDENCIES_FIELD_NUMBER: _ClassVar[int]
    PLACEMENT_FIELD_NUMBER: _ClassVar[int]
    dependencies: _containers.RepeatedScalarFieldContainer[str]
    placement: _struct_pb2.Struct
    def __init__(self, dependencies: _Optional[_Iterable[str]] = ..., placement: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class MissingSource(_message.Message):
    __slots__ = ("source", "reason")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    source: str
    reason: str
    def __init__(self, source: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class EvidenceBundle(_message.Message):
    __slots__ = ("alerts", "metrics", "logs", "changes", "events", "topology", "missing")
    ALERTS_FIELD_NUMBER: _ClassVar[int]
    METRICS_FIELD_NUMBER: _ClassVar[int]
    LOGS_FIELD_NUMBER: _ClassVar[int]
    CHANGES_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    TOPOLOGY_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    alerts: _containers.RepeatedCompositeFieldContainer[IncidentAlert]
    metrics: _containers.RepeatedCompositeFieldContainer[MetricSeries]
    logs: _containers.RepeatedCompositeFieldContainer[LogLine]
    changes: _containers.RepeatedCompositeFieldContainer[ChangeRecord]
    events: _containers.RepeatedCompositeFieldContainer[KubeEvent]
    topology: Topology
    missing: _containers.RepeatedCompositeFieldContainer[MissingSource]
    def __init__(self, alerts: _Optional[_Iterable[_Union[IncidentAlert, _Mapping]]] = ..., metrics: _Optional[_Iterable[_Union[MetricSeries, _Mapping]]] = ..., logs: _Optional[_Iterable[_Union[LogLine, _Mapping]]] = ..., changes: _Optional[_Iterable[_Union[ChangeRecord, _Mapping]]] = ..., events: _Optional[_Iterable[_Union[KubeEvent, _Mapping]]] = ..., topology: _Optional[_Union[Topology, _Mapping]] = ..., missing: _Optional[_Iterable[_Union[MissingSource, _Mapping]]] = ...) -> None: ...

class EvidenceItem(_message.Message):
    __slots__ = ("id", "kind", "source", "at", "summary", "link", "observation", "derived_from")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    LINK_FIELD_NUMBER: _ClassVar[int]
    OBSERVATION_FIELD_NUMBER: _ClassVar[int]
    DERIVED_FROM_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    source: str
    at: _timestamp_pb2.Timestamp
    summary: str
    link: str
    observation: _struct_pb2.Struct
    derived_from: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., source: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[str] = ..., link: _Optional[str] = ..., observation: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., derived_from: _Optional[_Iterable[str]] = ...) -> None: ...

class Hypothesis(_message.Message):
    __slots__ = ("category", "subject", "score", "confidence", "statement", "supports", "contradicts", "missing", "rule_id", "rule_version", "trigger_id")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    CONFIDENCE_FIELD_NUMBER: _ClassVar[int]
    STATEMENT_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_FIELD_NUMBER: _ClassVar[int]
    CONTRADICTS_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    RULE_ID_FIELD_NUMBER: _ClassVar[int]
    RULE_VERSION_FIELD_NUMBER: _ClassVar[int]
    TRIGGER_ID_FIELD_NUMBER: _ClassVar[int]
    category: str
    subject: str
    score: float
    confidence: str
    statement: str
    supports: _containers.RepeatedScalarFieldContainer[str]
    contradicts: _containers.RepeatedScalarFieldContainer[str]
    missing: _containers.RepeatedScalarFieldContainer[str]
    rule_id: str
    rule_version: int
    trigger_id: str
    def __init__(self, category: _Optional[str] = ..., subject: _Optional[str] = ..., score: _Optional[float] = ..., confidence: _Optional[str] = ..., statement: _Optional[str] = ..., supports: _Optional[_Iterable[str]] = ..., contradicts: _Optional[_Iterable[str]] = ..., missing: _Optional[_Iterable[str]] = ..., rule_id: _Optional[str] = ..., rule_version: _Optional[int] = ..., trigger_id: _Optional[str] = ...) -> None: ...

class RuledOut(_message.Message):
    __slots__ = ("subject", "reason", "evidence_ids")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    subject: str
    reason: str
    evidence_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, subject: _Optional[str] = ..., reason: _Optional[str] = ..., evidence_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class Claim(_message.Message):
    __slots__ = ("text", "type", "evidence_ids", "unsupported", "flag")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    UNSUPPORTED_FIELD_NUMBER: _ClassVar[int]
    FLAG_FIELD_NUMBER: _ClassVar[int]
    text: str
    type: str
    evidence_ids: _containers.RepeatedScalarFieldContainer[str]
    unsupported: bool
    flag: str
    def __init__(self, text: _Optional[str] = ..., type: _Optional[str] = ..., evidence_ids: _Optional[_Iterable[str]] = ..., unsupported: _Optional[bool] = ..., flag: _Optional[str] = ...) -> None: ...

class RcaSection(_message.Message):
    __slots__ = ("key", "title", "claims", "text", "edited_by")
    KEY_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    EDITED_BY_FIELD_NUMBER: _ClassVar[int]
    key: str
    title: str
    claims: _containers.RepeatedCompositeFieldContainer[Claim]
    text: str
    edited_by: str
    def __init__(self, key: _Optional[str] = ..., title: _Optional[str] = ..., claims: _Optional[_Iterable[_Union[Claim, _Mapping]]] = ..., text: _Optional[str] = ..., edited_by: _Optional[str] = ...) -> None: ...

class ActionItem(_message.Message):
    __slots__ = ("text", "type", "owner", "evidence_ids")
    TEXT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_IDS_FIELD_NUMBER: _ClassVar[int]
    text: str
    type: str
    owner: str
    evidence_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, text: _Optional[str] = ..., type: _Optional[str] = ..., owner: _Optional[str] = ..., evidence_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SimilarIncident(_message.Message):
    __slots__ = ("rca_id", "title", "service", "category", "score", "matched_terms", "status")
    RCA_ID_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    MATCHED_TERMS_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    rca_id: str
    title: str
    service: str
    category: str
    score: float
    matched_terms: _containers.RepeatedScalarFieldContainer[str]
    status: str
    def __init__(self, rca_id: _Optional[str] = ..., title: _Optional[str] = ..., service: _Optional[str] = ..., category: _Optional[str] = ..., score: _Optional[float] = ..., matched_terms: _Optional[_Iterable[str]] = ..., status: _Optional[str] = ...) -> None: ...

class LlmUsage(_message.Message):
    __slots__ = ("model", "base_url_host", "prompt_version", "prompt_tokens", "completion_tokens", "total_tokens", "latency_ms", "verdict", "fallback_reason", "cost_usd", "rejected", "attempts", "redacted")
    MODEL_FIELD_NUMBER: _ClassVar[int]
    BASE_URL_HOST_FIELD_NUMBER: _ClassVar[int]
    PROMPT_VERSION_FIELD_NUMBER: _ClassVar[int]
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_REASON_FIELD_NUMBER: _ClassVar[int]
    COST_USD_FIELD_NUMBER: _ClassVar[int]
    REJECTED_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    REDACTED_FIELD_NUMBER: _ClassVar[int]
    model: str
    base_url_host: str
    prompt_version: str
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    latency_ms: int
    verdict: str
    fallback_reason: str
    cost_usd: float
    rejected: _containers.RepeatedCompositeFieldContainer[Claim]
    attempts: _containers.RepeatedCompositeFieldContainer[LlmAttempt]
    redacted: int
    def __init__(self, model: _Optional[str] = ..., base_url_host: _Optional[str] = ..., prompt_version: _Optional[str] = ..., prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., total_tokens: _Optional[int] = ..., latency_ms: _Optional[int] = ..., verdict: _Optional[str] = ..., fallback_reason: _Optional[str] = ..., cost_usd: _Optional[float] = ..., rejected: _Optional[_Iterable[_Union[Claim, _Mapping]]] = ..., attempts: _Optional[_Iterable[_Union[LlmAttempt, _Mapping]]] = ..., redacted: _Optional[int] = ...) -> None: ...

class LlmAttempt(_message.Message):
    __slots__ = ("prompt_tokens", "completion_tokens", "total_tokens", "latency_ms", "problem")
    PROMPT_TOKENS_FIELD_NUMBER: _ClassVar[int]
    COMPLETION_TOKENS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TOKENS_FIELD_NUMBER: _ClassVar[int]
    LATENCY_MS_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_FIELD_NUMBER: _ClassVar[int]
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    latency_ms: int
    problem: str
    def __init__(self, prompt_tokens: _Optional[int] = ..., completion_tokens: _Optional[int] = ..., total_tokens: _Optional[int] = ..., latency_ms: _Optional[int] = ..., problem: _Optional[str] = ...) -> None: ...

class RcaDocument(_message.Message):
    __slots__ = ("title", "incident_key", "service", "namespace", "severity", "status", "version", "sections", "hypotheses", "ruled_out", "evidence", "missing", "similar", "action_items", "analyzer", "analyzer_version", "bundle_hash", "undetermined", "llm", "window_start", "window_end", "onset", "claims", "unsupported_claims")
    TITLE_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_KEY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SECTIONS_FIELD_NUMBER: _ClassVar[int]
    HYPOTHESES_FIELD_NUMBER: _ClassVar[int]
    RULED_OUT_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    SIMILAR_FIELD_NUMBER: _ClassVar[int]
    ACTION_ITEMS_FIELD_NUMBER: _ClassVar[int]
    ANALYZER_FIELD_NUMBER: _ClassVar[int]
    ANALYZER_VERSION_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_HASH_FIELD_NUMBER: _ClassVar[int]
    UNDETERMINED_FIELD_NUMBER: _ClassVar[int]
    LLM_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    ONSET_FIELD_NUMBER: _ClassVar[int]
    CLAIMS_FIELD_NUMBER: _ClassVar[int]
    UNSUPPORTED_CLAIMS_FIELD_NUMBER: _ClassVar[int]
    title: str
    incident_key: str
    service: str
    namespace: str
    severity: _common_pb2.Severity
    status: str
    version: int
    sections: _containers.RepeatedCompositeFieldContainer[RcaSection]
    hypotheses: _containers.RepeatedCompositeFieldContainer[Hypothesis]
    ruled_out: _containers.RepeatedCompositeFieldContainer[RuledOut]
    evidence: _containers.RepeatedCompositeFieldContainer[EvidenceItem]
    missing: _containers.RepeatedCompositeFieldContainer[MissingSource]
    similar: _containers.RepeatedCompositeFieldContainer[SimilarIncident]
    action_items: _containers.RepeatedCompositeFieldContainer[ActionItem]
    analyzer: str
    analyzer_version: str
    bundle_hash: str
    undetermined: bool
    llm: LlmUsage
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    onset: _timestamp_pb2.Timestamp
    claims: int
    unsupported_claims: int
    def __init__(self, title: _Optional[str] = ..., incident_key: _Optional[str] = ..., service: _Optional[str] = ..., namespace: _Optional[str] = ..., severity: _Optional[_Union[_common_pb2.Severity, str]] = ..., status: _Optional[str] = ..., version: _Optional[int] = ..., sections: _Optional[_Iterable[_Union[RcaSection, _Mapping]]] = ..., hypotheses: _Optional[_Iterable[_Union[Hypothesis, _Mapping]]] = ..., ruled_out: _Optional[_Iterable[_Union[RuledOut, _Mapping]]] = ..., evidence: _Optional[_Iterable[_Union[EvidenceItem, _Mapping]]] = ..., missing: _Optional[_Iterable[_Union[MissingSource, _Mapping]]] = ..., similar: _Optional[_Iterable[_Union[SimilarIncident, _Mapping]]] = ..., action_items: _Optional[_Iterable[_Union[ActionItem, _Mapping]]] = ..., analyzer: _Optional[str] = ..., analyzer_version: _Optional[str] = ..., bundle_hash: _Optional[str] = ..., undetermined: _Optional[bool] = ..., llm: _Optional[_Union[LlmUsage, _Mapping]] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., onset: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., claims: _Optional[int] = ..., unsupported_claims: _Optional[int] = ...) -> None: ...

class RcaRequest(_message.Message):
    __slots__ = ("service", "namespace", "incident_key", "severity", "window_start", "window_end", "alert_fingerprint", "healing_run", "evidence", "tenant", "requested_by", "source", "limits", "title", "inline_only")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    INCIDENT_KEY_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    ALERT_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    HEALING_RUN_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    TITLE_FIELD_NUMBER: _ClassVar[int]
    INLINE_ONLY_FIELD_NUMBER: _ClassVar[int]
    service: str
    namespace: str
    incident_key: str
    severity: _common_pb2.Severity
    window_start: _timestamp_pb2.Timestamp
    window_end: _timestamp_pb2.Timestamp
    alert_fingerprint: str
    healing_run: str
    evidence: EvidenceBundle
    tenant: str
    requested_by: str
    source: str
    limits: _common_pb2.RunLimits
    title: str
    inline_only: bool
    def __init__(self, service: _Optional[str] = ..., namespace: _Optional[str] = ..., incident_key: _Optional[str] = ..., severity: _Optional[_Union[_common_pb2.Severity, str]] = ..., window_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., alert_fingerprint: _Optional[str] = ..., healing_run: _Optional[str] = ..., evidence: _Optional[_Union[EvidenceBundle, _Mapping]] = ..., tenant: _Optional[str] = ..., requested_by: _Optional[str] = ..., source: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ..., title: _Optional[str] = ..., inline_only: _Optional[bool] = ...) -> None: ...

class RcaTrigger(_message.Message):
    __slots__ = ("source", "requested_by", "alert_fingerprint", "note")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    ALERT_FINGERPRINT_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    source: str
    requested_by: str
    alert_fingerprint: str
    note: str
    def __init__(self, source: _Optional[str] = ..., requested_by: _Optional[str] = ..., alert_fingerprint: _Optional[str] = ..., note: _Optional[str] = ...) -> None: ...

class RcaReviewPlan(_message.Message):
    __slots__ = ("reviewers", "assignee", "approvals_required", "deadline_seconds", "escalate_to", "reasons")
    REVIEWERS_FIELD_NUMBER: _ClassVar[int]
    ASSIGNEE_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ESCALATE_TO_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    reviewers: _containers.RepeatedScalarFieldContainer[str]
    assignee: str
    approvals_required: int
    deadline_seconds: int
    escalate_to: str
    reasons: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, reviewers: _Optional[_Iterable[str]] = ..., assignee: _Optional[str] = ..., approvals_required: _Optional[int] = ..., deadline_seconds: _Optional[int] = ..., escalate_to: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ...) -> None: ...

class RcaReviewPlanRequest(_message.Message):
    __slots__ = ("service", "namespace", "severity", "requested_by")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    service: str
    namespace: str
    severity: _common_pb2.Severity
    requested_by: str
    def __init__(self, service: _Optional[str] = ..., namespace: _Optional[str] = ..., severity: _Optional[_Union[_common_pb2.Severity, str]] = ..., requested_by: _Optional[str] = ...) -> None: ...

class RcaEdit(_message.Message):
    __slots__ = ("section", "text", "base_version", "editor")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    BASE_VERSION_FIELD_NUMBER: _ClassVar[int]
    EDITOR_FIELD_NUMBER: _ClassVar[int]
    section: str
    text: str
    base_version: int
    editor: str
    def __init__(self, section: _Optional[str] = ..., text: _Optional[str] = ..., base_version: _Optional[int] = ..., editor: _Optional[str] = ...) -> None: ...

class RcaComment(_message.Message):
    __slots__ = ("section", "text", "author")
    SECTION_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    section: str
    text: str
    author: str
    def __init__(self, section: _Optional[str] = ..., text: _Optional[str] = ..., author: _Optional[str] = ...) -> None: ...

class RcaChangeRequest(_message.Message):
    __slots__ = ("reviewer", "reason")
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    reviewer: str
    reason: str
    def __init__(self, reviewer: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class RcaRating(_message.Message):
    __slots__ = ("reviewer", "score", "note")
    REVIEWER_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    reviewer: str
    score: int
    note: str
    def __init__(self, reviewer: _Optional[str] = ..., score: _Optional[int] = ..., note: _Optional[str] = ...) -> None: ...

class RcaEditRecord(_message.Message):
    __slots__ = ("edit", "at", "before", "version")
    EDIT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    edit: RcaEdit
    at: _timestamp_pb2.Timestamp
    before: str
    version: int
    def __init__(self, edit: _Optional[_Union[RcaEdit, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., before: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class RcaCommentRecord(_message.Message):
    __slots__ = ("comment", "at")
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    comment: RcaComment
    at: _timestamp_pb2.Timestamp
    def __init__(self, comment: _Optional[_Union[RcaComment, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RcaChangeRequestRecord(_message.Message):
    __slots__ = ("request", "at")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    request: RcaChangeRequest
    at: _timestamp_pb2.Timestamp
    def __init__(self, request: _Optional[_Union[RcaChangeRequest, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RcaRatingRecord(_message.Message):
    __slots__ = ("rating", "at")
    RATING_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    rating: RcaRating
    at: _timestamp_pb2.Timestamp
    def __init__(self, rating: _Optional[_Union[RcaRating, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RcaEscalation(_message.Message):
    __slots__ = ("at", "to", "notified", "reason")
    AT_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    NOTIFIED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    at: _timestamp_pb2.Timestamp
    to: str
    notified: bool
    reason: str
    def __init__(self, at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., to: _Optional[str] = ..., notified: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class RcaReview(_message.Message):
    __slots__ = ("plan", "approval", "edits", "comments", "change_requests", "ratings", "escalations", "deadline", "final_at", "status", "version")
    PLAN_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_FIELD_NUMBER: _ClassVar[int]
    EDITS_FIELD_NUMBER: _ClassVar[int]
    COMMENTS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_REQUESTS_FIELD_NUMBER: _ClassVar[int]
    RATINGS_FIELD_NUMBER: _ClassVar[int]
    ESCALATIONS_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    FINAL_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    plan: RcaReviewPlan
    approval: _approval_pb2.ApprovalState
    edits: _containers.RepeatedCompositeFieldContainer[RcaEditRecord]
    comments: _containers.RepeatedCompositeFieldContainer[RcaCommentRecord]
    change_requests: _containers.RepeatedCompositeFieldContainer[RcaChangeRequestRecord]
    ratings: _containers.RepeatedCompositeFieldContainer[RcaRatingRecord]
    escalations: _containers.RepeatedCompositeFieldContainer[RcaEscalation]
    deadline: _timestamp_pb2.Timestamp
    final_at: _timestamp_pb2.Timestamp
    status: str
    version: int
    def __init__(self, plan: _Optional[_Union[RcaReviewPlan, _Mapping]] = ..., approval: _Optional[_Union[_approval_pb2.ApprovalState, _Mapping]] = ..., edits: _Optional[_Iterable[_Union[RcaEditRecord, _Mapping]]] = ..., comments: _Optional[_Iterable[_Union[RcaCommentRecord, _Mapping]]] = ..., change_requests: _Optional[_Iterable[_Union[RcaChangeRequestRecord, _Mapping]]] = ..., ratings: _Optional[_Iterable[_Union[RcaRatingRecord, _Mapping]]] = ..., escalations: _Optional[_Iterable[_Union[RcaEscalation, _Mapping]]] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., final_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[str] = ..., version: _Optional[int] = ...) -> None: ...

class EvidenceRequest(_message.Message):
    __slots__ = ("request",)
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    request: RcaRequest
    def __init__(self, request: _Optional[_Union[RcaRequest, _Mapping]] = ...) -> None: ...

class EvidenceBatch(_message.Message):
    __slots__ = ("source", "bundle", "missing")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    MISSING_FIELD_NUMBER: _ClassVar[int]
    source: str
    bundle: EvidenceBundle
    missing: _containers.RepeatedCompositeFieldContainer[MissingSource]
    def __init__(self, source: _Optional[str] = ..., bundle: _Optional[_Union[EvidenceBundle, _Mapping]] = ..., missing: _Optional[_Iterable[_Union[MissingSource, _Mapping]]] = ...) -> None: ...

class AnalysisRequest(_message.Message):
    __slots__ = ("request", "bundle", "baseline")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    request: RcaRequest
    bundle: EvidenceBundle
    baseline: RcaDocument
    def __init__(self, request: _Optional[_Union[RcaRequest, _Mapping]] = ..., bundle: _Optional[_Union[EvidenceBundle, _Mapping]] = ..., baseline: _Optional[_Union[RcaDocument, _Mapping]] = ...) -> None: ...

class SimilarQuery(_message.Message):
    __slots__ = ("tenant", "rca_id", "document", "limit")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    RCA_ID_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    rca_id: str
    document: RcaDocument
    limit: int
    def __init__(self, tenant: _Optional[str] = ..., rca_id: _Optional[str] = ..., document: _Optional[_Union[RcaDocument, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class SimilarIncidents(_message.Message):
    __slots__ = ("incidents",)
    INCIDENTS_FIELD_NUMBER: _ClassVar[int]
    incidents: _containers.RepeatedCompositeFieldContainer[SimilarIncident]
    def __init__(self, incidents: _Optional[_Iterable[_Union[SimilarIncident, _Mapping]]] = ...) -> None: ...

class RcaRecordWrite(_message.Message):
    __slots__ = ("rca_id", "run_id", "tenant", "document", "review")
    RCA_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    rca_id: str
    run_id: str
    tenant: str
    document: RcaDocument
    review: RcaReview
    def __init__(self, rca_id: _Optional[str] = ..., run_id: _Optional[str] = ..., tenant: _Optional[str] = ..., document: _Optional[_Union[RcaDocument, _Mapping]] = ..., review: _Optional[_Union[RcaReview, _Mapping]] = ...) -> None: ...

class RcaRecordAck(_message.Message):
    __slots__ = ("written",)
    WRITTEN_FIELD_NUMBER: _ClassVar[int]
    written: bool
    def __init__(self, written: _Optional[bool] = ...) -> None: ...

class RcaEscalationNotice(_message.Message):
    __slots__ = ("rca_id", "run_id", "service", "namespace", "to", "summary", "escalation")
    RCA_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ESCALATION_FIELD_NUMBER: _ClassVar[int]
    rca_id: str
    run_id: str
    service: str
    namespace: str
    to: str
    summary: str
    escalation: int
    def __init__(self, rca_id: _Optional[str] = ..., run_id: _Optional[str] = ..., service: _Optional[str] = ..., namespace: _Optional[str] = ..., to: _Optional[str] = ..., summary: _Optional[str] = ..., escalation: _Optional[int] = ...) -> None: ...

class RcaResult(_message.Message):
    __slots__ = ("outcome", "reason", "document", "review", "events", "triggers")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    REVIEW_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    TRIGGERS_FIELD_NUMBER: _ClassVar[int]
    outcome: RcaOutcome
    reason: str
    document: RcaDocument
    review: RcaReview
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    triggers: _containers.RepeatedCompositeFieldContainer[RcaTrigger]
    def __init__(self, outcome: _Optional[_Union[RcaOutcome, str]] = ..., reason: _Optional[str] = ..., document: _Optional[_Union[RcaDocument, _Mapping]] = ..., review: _Optional[_Union[RcaReview, _Mapping]] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ..., triggers: _Optional[_Iterable[_Union[RcaTrigger, _Mapping]]] = ...) -> None: ...

class RcaBacklogRequest(_message.Message):
    __slots__ = ("tenant", "lookback_seconds", "max_concurrent", "limit", "requested_by", "source", "limits")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    LOOKBACK_SECONDS_FIELD_NUMBER: _ClassVar[int]
    MAX_CONCURRENT_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    lookback_seconds: int
    max_concurrent: int
    limit: int
    requested_by: str
    source: str
    limits: _common_pb2.RunLimits
    def __init__(self, tenant: _Optional[str] = ..., lookback_seconds: _Optional[int] = ..., max_concurrent: _Optional[int] = ..., limit: _Optional[int] = ..., requested_by: _Optional[str] = ..., source: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ...) -> None: ...

class RcaBacklogResult(_message.Message):
    __slots__ = ("found", "started", "already", "failed", "rca_ids", "events")
    FOUND_FIELD_NUMBER: _ClassVar[int]
    STARTED_FIELD_NUMBER: _ClassVar[int]
    ALREADY_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    RCA_IDS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    found: int
    started: int
    already: int
    failed: int
    rca_ids: _containers.RepeatedScalarFieldContainer[str]
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    def __init__(self, found: _Optional[int] = ..., started: _Optional[int] = ..., already: _Optional[int] = ..., failed: _Optional[int] = ..., rca_ids: _Optional[_Iterable[str]] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ...) -> None: ...

class RcaBacklog(_message.Message):
    __slots__ = ("incidents",)
    INCIDENTS_FIELD_NUMBER: _ClassVar[int]
    incidents: _containers.RepeatedCompositeFieldContainer[RcaRequest]
    def __init__(self, incidents: _Optional[_Iterable[_Union[RcaRequest, _Mapping]]] = ...) -> None: ...

class RcaStarted(_message.Message):
    __slots__ = ("rca_id", "decision", "error")
    RCA_ID_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    rca_id: str
    decision: str
    error: str
    def __init__(self, rca_id: _Optional[str] = ..., decision: _Optional[str] = ..., error: _Optional[str] = ...) -> None: ...
