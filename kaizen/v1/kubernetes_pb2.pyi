from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WorkloadRef(_message.Message):
    __slots__ = ("namespace", "name", "context")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    context: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., context: _Optional[str] = ...) -> None: ...

class KubeActionRequest(_message.Message):
    __slots__ = ("workload", "action", "parameters", "dry_run")
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    ACTION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    workload: WorkloadRef
    action: str
    parameters: _struct_pb2.Struct
    dry_run: bool
    def __init__(self, workload: _Optional[_Union[WorkloadRef, _Mapping]] = ..., action: _Optional[str] = ..., parameters: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class KubeActionResult(_message.Message):
    __slots__ = ("action", "applied", "dry_run", "already_applied", "op_id", "generation", "resource_version", "summary", "before", "after")
    ACTION_FIELD_NUMBER: _ClassVar[int]
    APPLIED_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    ALREADY_APPLIED_FIELD_NUMBER: _ClassVar[int]
    OP_ID_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    RESOURCE_VERSION_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    action: str
    applied: bool
    dry_run: bool
    already_applied: bool
    op_id: str
    generation: int
    resource_version: str
    summary: str
    before: _struct_pb2.Struct
    after: _struct_pb2.Struct
    def __init__(self, action: _Optional[str] = ..., applied: _Optional[bool] = ..., dry_run: _Optional[bool] = ..., already_applied: _Optional[bool] = ..., op_id: _Optional[str] = ..., generation: _Optional[int] = ..., resource_version: _Optional[str] = ..., summary: _Optional[str] = ..., before: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., after: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class WorkloadHealth(_message.Message):
    __slots__ = ("workload", "desired_replicas", "updated_replicas", "ready_replicas", "available_replicas", "rollout_complete", "generation", "observed_generation", "revision", "restarts", "healthy", "summary", "crash_looping", "below_minimum_availability", "progress_deadline_exceeded")
    WORKLOAD_FIELD_NUMBER: _ClassVar[int]
    DESIRED_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    UPDATED_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    READY_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    AVAILABLE_REPLICAS_FIELD_NUMBER: _ClassVar[int]
    ROLLOUT_COMPLETE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    OBSERVED_GENERATION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    RESTARTS_FIELD_NUMBER: _ClassVar[int]
    HEALTHY_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    CRASH_LOOPING_FIELD_NUMBER: _ClassVar[int]
    BELOW_MINIMUM_AVAILABILITY_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_DEADLINE_EXCEEDED_FIELD_NUMBER: _ClassVar[int]
    workload: WorkloadRef
    desired_replicas: int
    updated_replicas: int
    ready_replicas: int
    available_replicas: int
    rollout_complete: bool
    generation: int
    observed_generation: int
    revision: str
    restarts: int
    healthy: bool
    summary: str
    crash_looping: int
    below_minimum_availability: bool
    progress_deadline_exceeded: bool
    def __init__(self, workload: _Optional[_Union[WorkloadRef, _Mapping]] = ..., desired_replicas: _Optional[int] = ..., updated_replicas: _Optional[int] = ..., ready_replicas: _Optional[int] = ..., available_replicas: _Optional[int] = ..., rollout_complete: _Optional[bool] = ..., generation: _Optional[int] = ..., observed_generation: _Optional[int] = ..., revision: _Optional[str] = ..., restarts: _Optional[int] = ..., healthy: _Optional[bool] = ..., summary: _Optional[str] = ..., crash_looping: _Optional[int] = ..., below_minimum_availability: _Optional[bool] = ..., progress_deadline_exceeded: _Optional[bool] = ...) -> None: ...

class WorkloadSelector(_message.Message):
    __slots__ = ("namespace", "label_selector", "limit")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    LABEL_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    label_selector: str
    limit: int
    def __init__(self, namespace: _Optional[str] = ..., label_selector: _Optional[str] = ..., limit: _Optional[int] = ...) -> None: ...

class WorkloadHealthList(_message.Message):
    __slots__ = ("workloads", "truncated")
    WORKLOADS_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    workloads: _containers.RepeatedCompositeFieldContainer[WorkloadHealth]
    truncated: bool
    def __init__(self, workloads: _Optional[_Iterable[_Union[WorkloadHealth, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...
