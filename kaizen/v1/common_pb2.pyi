from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_LOW: _ClassVar[Severity]
    SEVERITY_MEDIUM: _ClassVar[Severity]
    SEVERITY_HIGH: _ClassVar[Severity]
    SEVERITY_CRITICAL: _ClassVar[Severity]
SEVERITY_UNSPECIFIED: Severity
SEVERITY_LOW: Severity
SEVERITY_MEDIUM: Severity
SEVERITY_HIGH: Severity
SEVERITY_CRITICAL: Severity

class RunLimits(_message.Message):
    __slots__ = ("run_timeout_seconds", "approval_timeout_seconds", "window_recheck_seconds", "alert_resolution_seconds")
    RUN_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    APPROVAL_TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    WINDOW_RECHECK_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ALERT_RESOLUTION_SECONDS_FIELD_NUMBER: _ClassVar[int]
    run_timeout_seconds: int
    approval_timeout_seconds: int
    window_recheck_seconds: int
    alert_resolution_seconds: int
    def __init__(self, run_timeout_seconds: _Optional[int] = ..., approval_timeout_seconds: _Optional[int] = ..., window_recheck_seconds: _Optional[int] = ..., alert_resolution_seconds: _Optional[int] = ...) -> None: ...
