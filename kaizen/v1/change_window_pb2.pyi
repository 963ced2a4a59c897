import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChangeWindow(_message.Message):
    __slots__ = ("id", "scope", "reason", "opens_at", "closes_at", "source", "opened_by", "closed_at", "closed_by", "open")
    ID_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    OPENS_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSES_AT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    OPENED_BY_FIELD_NUMBER: _ClassVar[int]
    CLOSED_AT_FIELD_NUMBER: _ClassVar[int]
    CLOSED_BY_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    id: str
    scope: str
    reason: str
    opens_at: _timestamp_pb2.Timestamp
    closes_at: _timestamp_pb2.Timestamp
    source: str
    opened_by: str
    closed_at: _timestamp_pb2.Timestamp
    closed_by: str
    open: bool
    def __init__(self, id: _Optional[str] = ..., scope: _Optional[str] = ..., reason: _Optional[str] = ..., opens_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closes_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., source: _Optional[str] = ..., opened_by: _Optional[str] = ..., closed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., closed_by: _Optional[str] = ..., open: _Optional[bool] = ...) -> None: ...

class ChangeWindowSignal(_message.Message):
    __slots__ = ("action", "window", "by")
    class Action(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        ACTION_UNSPECIFIED: _ClassVar[ChangeWindowSignal.Action]
        ACTION_OPEN: _ClassVar[ChangeWindowSignal.Action]
        ACTION_CLOSE: _ClassVar[ChangeWindowSignal.Action]
    ACTION_UNSPECIFIED: ChangeWindowSignal.Action
    ACTION_OPEN: ChangeWindowSignal.Action
    ACTION_CLOSE: ChangeWindowSignal.Action
    ACTION_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    BY_FIELD_NUMBER: _ClassVar[int]
    action: ChangeWindowSignal.Action
    window: ChangeWindow
    by: str
    def __init__(self, action: _Optional[_Union[ChangeWindowSignal.Action, str]] = ..., window: _Optional[_Union[ChangeWindow, _Mapping]] = ..., by: _Optional[str] = ...) -> None: ...

class WindowCheckRequest(_message.Message):
    __slots__ = ("service", "namespace")
    SERVICE_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    service: str
    namespace: str
    def __init__(self, service: _Optional[str] = ..., namespace: _Optional[str] = ...) -> None: ...

class WindowCheck(_message.Message):
    __slots__ = ("open", "window", "next_opens_at")
    OPEN_FIELD_NUMBER: _ClassVar[int]
    WINDOW_FIELD_NUMBER: _ClassVar[int]
    NEXT_OPENS_AT_FIELD_NUMBER: _ClassVar[int]
    open: bool
    window: ChangeWindow
    next_opens_at: _timestamp_pb2.Timestamp
    def __init__(self, open: _Optional[bool] = ..., window: _Optional[_Union[ChangeWindow, _Mapping]] = ..., next_opens_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class OpenChangeWindowRequest(_message.Message):
    __slots__ = ("scope", "duration_minutes", "reason")
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    scope: str
    duration_minutes: int
    reason: str
    def __init__(self, scope: _Optional[str] = ..., duration_minutes: _Optional[int] = ..., reason: _Optional[str] = ...) -> None: ...
