import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kaizen.v1 import approval_pb2 as _approval_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SlackApprovalRequest(_message.Message):
    __slots__ = ("workflow_id", "run_id", "gate_key", "service", "namespace", "risk", "summary", "why", "evidence", "deadline", "run_url", "required_approvals", "requested_by", "kind")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    GATE_KEY_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    WHY_FIELD_NUMBER: _ClassVar[int]
    EVIDENCE_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    RUN_URL_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_APPROVALS_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    run_id: str
    gate_key: str
    service: str
    namespace: str
    risk: str
    summary: str
    why: str
    evidence: _struct_pb2.Struct
    deadline: _timestamp_pb2.Timestamp
    run_url: str
    required_approvals: int
    requested_by: str
    kind: str
    def __init__(self, workflow_id: _Optional[str] = ..., run_id: _Optional[str] = ..., gate_key: _Optional[str] = ..., service: _Optional[str] = ..., namespace: _Optional[str] = ..., risk: _Optional[str] = ..., summary: _Optional[str] = ..., why: _Optional[str] = ..., evidence: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., run_url: _Optional[str] = ..., required_approvals: _Optional[int] = ..., requested_by: _Optional[str] = ..., kind: _Optional[str] = ...) -> None: ...

class SlackMessageRef(_message.Message):
    __slots__ = ("channel", "ts", "posted")
    CHANNEL_FIELD_NUMBER: _ClassVar[int]
    TS_FIELD_NUMBER: _ClassVar[int]
    POSTED_FIELD_NUMBER: _ClassVar[int]
    channel: str
    ts: str
    posted: bool
    def __init__(self, channel: _Optional[str] = ..., ts: _Optional[str] = ..., posted: _Optional[bool] = ...) -> None: ...

class SlackDecisionUpdate(_message.Message):
    __slots__ = ("workflow_id", "run_id", "gate_key", "status", "decided_by", "summary")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    GATE_KEY_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DECIDED_BY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    run_id: str
    gate_key: str
    status: _approval_pb2.ApprovalStatus
    decided_by: _containers.RepeatedScalarFieldContainer[str]
    summary: str
    def __init__(self, workflow_id: _Optional[str] = ..., run_id: _Optional[str] = ..., gate_key: _Optional[str] = ..., status: _Optional[_Union[_approval_pb2.ApprovalStatus, str]] = ..., decided_by: _Optional[_Iterable[str]] = ..., summary: _Optional[str] = ...) -> None: ...

class SlackOutcomeNote(_message.Message):
    __slots__ = ("workflow_id", "run_id", "gate_key", "outcome", "reason")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    GATE_KEY_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    run_id: str
    gate_key: str
    outcome: str
    reason: str
    def __init__(self, workflow_id: _Optional[str] = ..., run_id: _Optional[str] = ..., gate_key: _Optional[str] = ..., outcome: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...
