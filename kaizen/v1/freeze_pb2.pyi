import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Freeze(_message.Message):
    __slots__ = ("id", "scope", "target", "reason", "created_by", "created_at", "until", "lifted_at", "lifted_by", "exempt_runs", "active")
    ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    LIFTED_AT_FIELD_NUMBER: _ClassVar[int]
    LIFTED_BY_FIELD_NUMBER: _ClassVar[int]
    EXEMPT_RUNS_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    id: str
    scope: str
    target: str
    reason: str
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    until: _timestamp_pb2.Timestamp
    lifted_at: _timestamp_pb2.Timestamp
    lifted_by: str
    exempt_runs: _containers.RepeatedScalarFieldContainer[str]
    active: bool
    def __init__(self, id: _Optional[str] = ..., scope: _Optional[str] = ..., target: _Optional[str] = ..., reason: _Optional[str] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lifted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lifted_by: _Optional[str] = ..., exempt_runs: _Optional[_Iterable[str]] = ..., active: _Optional[bool] = ...) -> None: ...

class CreateFreezeRequest(_message.Message):
    __slots__ = ("scope", "target", "reason", "until")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    scope: str
    target: str
    reason: str
    until: _timestamp_pb2.Timestamp
    def __init__(self, scope: _Optional[str] = ..., target: _Optional[str] = ..., reason: _Optional[str] = ..., until: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FreezeCheckRequest(_message.Message):
    __slots__ = ("workflow_id", "service", "environment")
    WORKFLOW_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    ENVIRONMENT_FIELD_NUMBER: _ClassVar[int]
    workflow_id: str
    service: str
    environment: str
    def __init__(self, workflow_id: _Optional[str] = ..., service: _Optional[str] = ..., environment: _Optional[str] = ...) -> None: ...

class FreezeCheck(_message.Message):
    __slots__ = ("frozen", "freezes", "next_lift_at")
    FROZEN_FIELD_NUMBER: _ClassVar[int]
    FREEZES_FIELD_NUMBER: _ClassVar[int]
    NEXT_LIFT_AT_FIELD_NUMBER: _ClassVar[int]
    frozen: bool
    freezes: _containers.RepeatedCompositeFieldContainer[Freeze]
    next_lift_at: _timestamp_pb2.Timestamp
    def __init__(self, frozen: _Optional[bool] = ..., freezes: _Optional[_Iterable[_Union[Freeze, _Mapping]]] = ..., next_lift_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class FreezeSignal(_message.Message):
    __slots__ = ("freeze", "change", "by")
    FREEZE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    freeze: Freeze
    change: str
    by: str
    def __init__(self, freeze: _Optional[_Union[Freeze, _Mapping]] = ..., change: _Optional[str] = ..., by: _Optional[str] = ...) -> None: ...
