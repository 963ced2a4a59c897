from google.protobuf import struct_pb2 as _struct_pb2
from kaizen.v1 import common_pb2 as _common_pb2
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
HEALING_OUTCOME_UNSPECIFIED: HealingOutcome
HEALING_OUTCOME_PROPOSED: HealingOutcome
HEALING_OUTCOME_FIXED: HealingOutcome
HEALING_OUTCOME_REJECTED: HealingOutcome
HEALING_OUTCOME_DENIED: HealingOutcome
HEALING_OUTCOME_ROLLED_BACK: HealingOutcome
HEALING_OUTCOME_ABORTED: HealingOutcome
HEALING_OUTCOME_CANCELLED: HealingOutcome

class HealingRequest(_message.Message):
    __slots__ = ("service", "namespace", "symptom", "severity", "tenant", "requested_by", "limits")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SYMPTOM_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    service: str
    namespace: str
    symptom: str
    severity: _common_pb2.Severity
    tenant: str
    requested_by: str
    limits: _common_pb2.RunLimits
    def __init__(self, service: _Optional[str] = ..., namespace: _Optional[str] = ..., symptom: _Optional[str] = ..., severity: _Optional[_Union[_common_pb2.Severity, str]] = ..., tenant: _Optional[str] = ..., requested_by: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ...) -> None: ...

class Diagnosis(_message.Message):
    __slots__ = ("summary", "category", "evidence")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    summary: str
    category: str
    evidence: _struct_pb2.Struct
    def __init__(self, summary: _Optional[str] = ..., category: _Optional[str] = ..., evidence: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class PolicyDecision(_message.Message):
    __slots__ = ("allowed", "risk", "needs_change_window", "approvals_required", "approver_roles", "approvers", "autonomy", "reasons", "decision_id")
    ALLOWED_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    NEEDS_CHANGE_WINDOW_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    APPROVER_ROLES_FIELD_NUMBER: _ClassVar[int]
    APPROVERS_FIELD_NUMBER: _ClassVar[int]
    AUTONOMY_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    allowed: bool
    risk: str
    needs_change_window: bool
    approvals_required: int
    approver_roles: _containers.RepeatedScalarFieldContainer[str]
    approvers: _containers.RepeatedScalarFieldContainer[str]
    autonomy: str
    reasons: _containers.RepeatedScalarFieldContainer[str]
    decision_id: str
    def __init__(self, allowed: _Optional[bool] = ..., risk: _Optional[str] = ..., needs_change_window: _Optional[bool] = ..., approvals_required: _Optional[int] = ..., approver_roles: _Optional[_Iterable[str]] = ..., approvers: _Optional[_Iterable[str]] = ..., autonomy: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ..., decision_id: _Optional[str] = ...) -> None: ...

class ProposedAction(_message.Message):
    __slots__ = ("playbook", "action", "parameters", "summary")
    PLAYBOOK_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    playbook: str
    action: str
    parameters: _struct_pb2.Struct
    summary: str
    def __init__(self, playbook: _Optional[str] = ..., action: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., summary: _Optional[str] = ...) -> None: ...

class HealingResult(_message.Message):
    __slots__ = ("outcome", "reason", "diagnosis", "action", "policy", "verified", "events")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    POLICY_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    outcome: HealingOutcome
    reason: str
    diagnosis: Diagnosis
    action: ProposedAction
    policy: PolicyDecision
    verified: bool
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    def __init__(self, outcome: _Optional[_Union[HealingOutcome, str]] = ..., reason: _Optional[str] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ..., action: _Optional[_Union[ProposedAction, _Mapping]] = ..., policy: _Optional[_Union[PolicyDecision, _Mapping]] = ..., verified: _Optional[bool] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ...) -> None: ...

class HealingPolicyInput(_message.Message):
    __slots__ = ("request", "diagnosis", "action")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    DIAGNOSIS_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    request: HealingRequest
    diagnosis: Diagnosis
    action: ProposedAction
    def __init__(self, request: _Optional[_Union[HealingRequest, _Mapping]] = ..., diagnosis: _Optional[_Union[Diagnosis, _Mapping]] = ..., action: _Optional[_Union[ProposedAction, _Mapping]] = ...) -> None: ...

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
