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

class RunEvent(_message.Message):
    __slots__ = ("seq", "at", "type", "message", "data")
    SEQ_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    seq: int
    at: _timestamp_pb2.Timestamp
    type: str
    message: str
    data: _struct_pb2.Struct
    def __init__(self, seq: _Optional[int] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., type: _Optional[str] = ..., message: _Optional[str] = ..., data: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class RunStatus(_message.Message):
    __slots__ = ("kind", "phase", "pending_approval", "steps_done", "events", "service", "namespace", "tenant", "risk")
    KIND_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    PENDING_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    STEPS_DONE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    kind: str
    phase: str
    pending_approval: _approval_pb2.ApprovalState
    steps_done: _containers.RepeatedScalarFieldContainer[str]
    events: _containers.RepeatedCompositeFieldContainer[RunEvent]
    service: str
    namespace: str
    tenant: str
    risk: str
    def __init__(self, kind: _Optional[str] = ..., phase: _Optional[str] = ..., pending_approval: _Optional[_Union[_approval_pb2.ApprovalState, _Mapping]] = ..., steps_done: _Optional[_Iterable[str]] = ..., events: _Optional[_Iterable[_Union[RunEvent, _Mapping]]] = ..., service: _Optional[str] = ..., namespace: _Optional[str] = ..., tenant: _Optional[str] = ..., risk: _Optional[str] = ...) -> None: ...

class RunRecord(_message.Message):
    __slots__ = ("id", "kind", "status", "phase", "service", "namespace", "tenant", "risk", "started_at", "closed_at", "pending_approval", "steps_done", "events", "result", "error", "joined", "run_id", "web_ui_url")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PHASE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    RISK_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    PENDING_APPROVAL_FIELD_NUMBER: _ClassVar[int]
    STEPS_DONE_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    JOINED_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    WEB_UI_URL_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: str
    status: str
    phase: str
    service: str
    namespace: str
    tenant: str
    risk: str
    started_at: _timestamp_pb2.Timestamp
    closed_at: _timestamp_pb2.Timestamp
    pending_approval: _approval_pb2.ApprovalState
    steps_done: _containers.RepeatedScalarFieldContainer[str]
    events: _containers.RepeatedCompositeFieldContainer[RunEvent]
    result: _struct_pb2.Struct
    error: str
    joined: bool
    run_id: str
    web_ui_url: str
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[str] = ..., status: _Optional[str] = ..., phase: _Optional[str] = ..., service: _Optional[str] = ..., namespace: _Optional[str] = ..., tenant: _Optional[str] = ..., risk: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., pending_approval: _Optional[_Union[_approval_pb2.ApprovalState, _Mapping]] = ..., steps_done: _Optional[_Iterable[str]] = ..., events: _Optional[_Iterable[_Union[RunEvent, _Mapping]]] = ..., result: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., error: _Optional[str] = ..., joined: _Optional[bool] = ..., run_id: _Optional[str] = ..., web_ui_url: _Optional[str] = ...) -> None: ...
