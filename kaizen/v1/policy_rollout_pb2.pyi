import datetime

from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from kaizen.v1 import common_pb2 as _common_pb2
from kaizen.v1 import run_pb2 as _run_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PolicyRolloutMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POLICY_ROLLOUT_MODE_UNSPECIFIED: _ClassVar[PolicyRolloutMode]
    POLICY_ROLLOUT_MODE_ROLLOUT: _ClassVar[PolicyRolloutMode]
    POLICY_ROLLOUT_MODE_ROLLBACK: _ClassVar[PolicyRolloutMode]
    POLICY_ROLLOUT_MODE_DRY_RUN: _ClassVar[PolicyRolloutMode]

class PolicyRolloutOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POLICY_ROLLOUT_OUTCOME_UNSPECIFIED: _ClassVar[PolicyRolloutOutcome]
    POLICY_ROLLOUT_OUTCOME_ACTIVATED: _ClassVar[PolicyRolloutOutcome]
    POLICY_ROLLOUT_OUTCOME_INVALID: _ClassVar[PolicyRolloutOutcome]
    POLICY_ROLLOUT_OUTCOME_STOPPED: _ClassVar[PolicyRolloutOutcome]
    POLICY_ROLLOUT_OUTCOME_REJECTED: _ClassVar[PolicyRolloutOutcome]
    POLICY_ROLLOUT_OUTCOME_ROLLED_BACK: _ClassVar[PolicyRolloutOutcome]
    POLICY_ROLLOUT_OUTCOME_ABORTED: _ClassVar[PolicyRolloutOutcome]
    POLICY_ROLLOUT_OUTCOME_CANCELLED: _ClassVar[PolicyRolloutOutcome]
    POLICY_ROLLOUT_OUTCOME_PREVIEWED: _ClassVar[PolicyRolloutOutcome]
POLICY_ROLLOUT_MODE_UNSPECIFIED: PolicyRolloutMode
POLICY_ROLLOUT_MODE_ROLLOUT: PolicyRolloutMode
POLICY_ROLLOUT_MODE_ROLLBACK: PolicyRolloutMode
POLICY_ROLLOUT_MODE_DRY_RUN: PolicyRolloutMode
POLICY_ROLLOUT_OUTCOME_UNSPECIFIED: PolicyRolloutOutcome
POLICY_ROLLOUT_OUTCOME_ACTIVATED: PolicyRolloutOutcome
POLICY_ROLLOUT_OUTCOME_INVALID: PolicyRolloutOutcome
POLICY_ROLLOUT_OUTCOME_STOPPED: PolicyRolloutOutcome
POLICY_ROLLOUT_OUTCOME_REJECTED: PolicyRolloutOutcome
POLICY_ROLLOUT_OUTCOME_ROLLED_BACK: PolicyRolloutOutcome
POLICY_ROLLOUT_OUTCOME_ABORTED: PolicyRolloutOutcome
POLICY_ROLLOUT_OUTCOME_CANCELLED: PolicyRolloutOutcome
POLICY_ROLLOUT_OUTCOME_PREVIEWED: PolicyRolloutOutcome

class PolicyFile(_message.Message):
    __slots__ = ("name", "sha256", "size")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    name: str
    sha256: str
    size: int
    def __init__(self, name: _Optional[str] = ..., sha256: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class PolicyVersion(_message.Message):
    __slots__ = ("id", "bundle", "seq", "revision", "roots", "content_sha256", "artifact_sha256", "artifact_size", "signing_key_id", "files", "created_by", "created_at", "description")
    ID_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    SEQ_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    ROOTS_FIELD_NUMBER: _ClassVar[int]
    CONTENT_SHA256_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_SHA256_FIELD_NUMBER: _ClassVar[int]
    ARTIFACT_SIZE_FIELD_NUMBER: _ClassVar[int]
    SIGNING_KEY_ID_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    CREATED_BY_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    id: str
    bundle: str
    seq: int
    revision: str
    roots: _containers.RepeatedScalarFieldContainer[str]
    content_sha256: str
    artifact_sha256: str
    artifact_size: int
    signing_key_id: str
    files: _containers.RepeatedCompositeFieldContainer[PolicyFile]
    created_by: str
    created_at: _timestamp_pb2.Timestamp
    description: str
    def __init__(self, id: _Optional[str] = ..., bundle: _Optional[str] = ..., seq: _Optional[int] = ..., revision: _Optional[str] = ..., roots: _Optional[_Iterable[str]] = ..., content_sha256: _Optional[str] = ..., artifact_sha256: _Optional[str] = ..., artifact_size: _Optional[int] = ..., signing_key_id: _Optional[str] = ..., files: _Optional[_Iterable[_Union[PolicyFile, _Mapping]]] = ..., created_by: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., description: _Optional[str] = ...) -> None: ...

class PolicyFileChange(_message.Message):
    __slots__ = ("name", "change", "diff")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    DIFF_FIELD_NUMBER: _ClassVar[int]
    name: str
    change: str
    diff: str
    def __init__(self, name: _Optional[str] = ..., change: _Optional[str] = ..., diff: _Optional[str] = ...) -> None: ...

class PolicyDataChange(_message.Message):
    __slots__ = ("path", "change", "before", "after")
    PATH_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    path: str
    change: str
    before: _struct_pb2.Value
    after: _struct_pb2.Value
    def __init__(self, path: _Optional[str] = ..., change: _Optional[str] = ..., before: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., after: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class PolicyVersionDiff(_message.Message):
    __slots__ = ("from_version", "to_version", "files", "data", "roots_added", "roots_removed")
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    TO_VERSION_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    ROOTS_ADDED_FIELD_NUMBER: _ClassVar[int]
    ROOTS_REMOVED_FIELD_NUMBER: _ClassVar[int]
    from_version: str
    to_version: str
    files: _containers.RepeatedCompositeFieldContainer[PolicyFileChange]
    data: _containers.RepeatedCompositeFieldContainer[PolicyDataChange]
    roots_added: _containers.RepeatedScalarFieldContainer[str]
    roots_removed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, from_version: _Optional[str] = ..., to_version: _Optional[str] = ..., files: _Optional[_Iterable[_Union[PolicyFileChange, _Mapping]]] = ..., data: _Optional[_Iterable[_Union[PolicyDataChange, _Mapping]]] = ..., roots_added: _Optional[_Iterable[str]] = ..., roots_removed: _Optional[_Iterable[str]] = ...) -> None: ...

class PolicyNodeLabel(_message.Message):
    __slots__ = ("key", "value")
    KEY_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    key: str
    value: str
    def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class PolicyNode(_message.Message):
    __slots__ = ("name", "fleet", "bundle", "url", "labels", "desired_version", "desired_revision", "desired_at", "active_revision", "status_code", "status_message", "status_errors", "status_at", "activated_at", "requested_at", "sent_revision", "sent_at", "drifted", "registered_at", "declared_in", "removed_from_file")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FLEET_FIELD_NUMBER: _ClassVar[int]
    BUNDLE_FIELD_NUMBER: _ClassVar[int]
    URL_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    DESIRED_VERSION_FIELD_NUMBER: _ClassVar[int]
    DESIRED_REVISION_FIELD_NUMBER: _ClassVar[int]
    DESIRED_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_REVISION_FIELD_NUMBER: _ClassVar[int]
    STATUS_CODE_FIELD_NUMBER: _ClassVar[int]
    STATUS_MESSAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_ERRORS_FIELD_NUMBER: _ClassVar[int]
    STATUS_AT_FIELD_NUMBER: _ClassVar[int]
    ACTIVATED_AT_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_AT_FIELD_NUMBER: _ClassVar[int]
    SENT_REVISION_FIELD_NUMBER: _ClassVar[int]
    SENT_AT_FIELD_NUMBER: _ClassVar[int]
    DRIFTED_FIELD_NUMBER: _ClassVar[int]
    REGISTERED_AT_FIELD_NUMBER: _ClassVar[int]
    DECLARED_IN_FIELD_NUMBER: _ClassVar[int]
    REMOVED_FROM_FILE_FIELD_NUMBER: _ClassVar[int]
    name: str
    fleet: str
    bundle: str
    url: str
    labels: _containers.RepeatedCompositeFieldContainer[PolicyNodeLabel]
    desired_version: str
    desired_revision: str
    desired_at: _timestamp_pb2.Timestamp
    active_revision: str
    status_code: str
    status_message: str
    status_errors: _containers.RepeatedScalarFieldContainer[str]
    status_at: _timestamp_pb2.Timestamp
    activated_at: _timestamp_pb2.Timestamp
    requested_at: _timestamp_pb2.Timestamp
    sent_revision: str
    sent_at: _timestamp_pb2.Timestamp
    drifted: bool
    registered_at: _timestamp_pb2.Timestamp
    declared_in: str
    removed_from_file: bool
    def __init__(self, name: _Optional[str] = ..., fleet: _Optional[str] = ..., bundle: _Optional[str] = ..., url: _Optional[str] = ..., labels: _Optional[_Iterable[_Union[PolicyNodeLabel, _Mapping]]] = ..., desired_version: _Optional[str] = ..., desired_revision: _Optional[str] = ..., desired_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., active_revision: _Optional[str] = ..., status_code: _Optional[str] = ..., status_message: _Optional[str] = ..., status_errors: _Optional[_Iterable[str]] = ..., status_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., activated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., requested_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_revision: _Optional[str] = ..., sent_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., drifted: _Optional[bool] = ..., registered_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., declared_in: _Optional[str] = ..., removed_from_file: _Optional[bool] = ...) -> None: ...

class PolicyFleetView(_message.Message):
    __slots__ = ("nodes", "by_active_revision")
    NODES_FIELD_NUMBER: _ClassVar[int]
    BY_ACTIVE_REVISION_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[PolicyNode]
    by_active_revision: _struct_pb2.Struct
    def __init__(self, nodes: _Optional[_Iterable[_Union[PolicyNode, _Mapping]]] = ..., by_active_revision: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ...) -> None: ...

class PolicyRolloutStrategy(_message.Message):
    __slots__ = ("canary_selector", "bake_seconds", "activation_deadline_seconds", "preview_hours", "preview_limit", "cutover")
    CANARY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    BAKE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_DEADLINE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_HOURS_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_LIMIT_FIELD_NUMBER: _ClassVar[int]
    CUTOVER_FIELD_NUMBER: _ClassVar[int]
    canary_selector: str
    bake_seconds: int
    activation_deadline_seconds: int
    preview_hours: int
    preview_limit: int
    cutover: PolicyCutoverStrategy
    def __init__(self, canary_selector: _Optional[str] = ..., bake_seconds: _Optional[int] = ..., activation_deadline_seconds: _Optional[int] = ..., preview_hours: _Optional[int] = ..., preview_limit: _Optional[int] = ..., cutover: _Optional[_Union[PolicyCutoverStrategy, _Mapping]] = ...) -> None: ...

class PolicyCutoverStrategy(_message.Message):
    __slots__ = ("in_seconds", "load_margin_seconds")
    IN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    LOAD_MARGIN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    in_seconds: int
    load_margin_seconds: int
    def __init__(self, in_seconds: _Optional[int] = ..., load_margin_seconds: _Optional[int] = ...) -> None: ...

class PolicyCutoverPlan(_message.Message):
    __slots__ = ("combined", "from_version", "from_revision", "at", "load_margin_seconds")
    COMBINED_FIELD_NUMBER: _ClassVar[int]
    FROM_VERSION_FIELD_NUMBER: _ClassVar[int]
    FROM_REVISION_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    LOAD_MARGIN_SECONDS_FIELD_NUMBER: _ClassVar[int]
    combined: PolicyVersion
    from_version: str
    from_revision: str
    at: _timestamp_pb2.Timestamp
    load_margin_seconds: float
    def __init__(self, combined: _Optional[_Union[PolicyVersion, _Mapping]] = ..., from_version: _Optional[str] = ..., from_revision: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., load_margin_seconds: _Optional[float] = ...) -> None: ...

class PolicyCutoverAbort(_message.Message):
    __slots__ = ("by", "reason")
    BY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    by: str
    reason: str
    def __init__(self, by: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PolicyCutoverAbortAnswer(_message.Message):
    __slots__ = ("accepted", "message")
    ACCEPTED_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    accepted: bool
    message: str
    def __init__(self, accepted: _Optional[bool] = ..., message: _Optional[str] = ...) -> None: ...

class PolicyCutoverProbeRequest(_message.Message):
    __slots__ = ("tenant", "nodes", "at", "lead_seconds", "timeout_seconds")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    LEAD_SECONDS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_SECONDS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    nodes: _containers.RepeatedScalarFieldContainer[str]
    at: _timestamp_pb2.Timestamp
    lead_seconds: float
    timeout_seconds: float
    def __init__(self, tenant: _Optional[str] = ..., nodes: _Optional[_Iterable[str]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., lead_seconds: _Optional[float] = ..., timeout_seconds: _Optional[float] = ...) -> None: ...

class PolicyCutoverNode(_message.Message):
    __slots__ = ("node", "first_new_at", "resolution_ms", "after_instant_ms", "switched", "error")
    NODE_FIELD_NUMBER: _ClassVar[int]
    FIRST_NEW_AT_FIELD_NUMBER: _ClassVar[int]
    RESOLUTION_MS_FIELD_NUMBER: _ClassVar[int]
    AFTER_INSTANT_MS_FIELD_NUMBER: _ClassVar[int]
    SWITCHED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    node: str
    first_new_at: _timestamp_pb2.Timestamp
    resolution_ms: float
    after_instant_ms: float
    switched: bool
    error: str
    def __init__(self, node: _Optional[str] = ..., first_new_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., resolution_ms: _Optional[float] = ..., after_instant_ms: _Optional[float] = ..., switched: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class PolicyCutoverReport(_message.Message):
    __slots__ = ("combined_version", "at", "nodes", "spread_ms", "loaded_before_ms", "aborted_by")
    COMBINED_VERSION_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    SPREAD_MS_FIELD_NUMBER: _ClassVar[int]
    LOADED_BEFORE_MS_FIELD_NUMBER: _ClassVar[int]
    ABORTED_BY_FIELD_NUMBER: _ClassVar[int]
    combined_version: str
    at: _timestamp_pb2.Timestamp
    nodes: _containers.RepeatedCompositeFieldContainer[PolicyCutoverNode]
    spread_ms: float
    loaded_before_ms: float
    aborted_by: str
    def __init__(self, combined_version: _Optional[str] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., nodes: _Optional[_Iterable[_Union[PolicyCutoverNode, _Mapping]]] = ..., spread_ms: _Optional[float] = ..., loaded_before_ms: _Optional[float] = ..., aborted_by: _Optional[str] = ...) -> None: ...

class PolicyRolloutRequest(_message.Message):
    __slots__ = ("tenant", "fleet", "version_id", "version", "selector", "nodes", "strategy", "mode", "requested_by", "source", "reason", "limits", "cutover")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLEET_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SELECTOR_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    CUTOVER_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    fleet: str
    version_id: str
    version: PolicyVersion
    selector: str
    nodes: _containers.RepeatedScalarFieldContainer[str]
    strategy: PolicyRolloutStrategy
    mode: PolicyRolloutMode
    requested_by: str
    source: str
    reason: str
    limits: _common_pb2.RunLimits
    cutover: PolicyCutoverPlan
    def __init__(self, tenant: _Optional[str] = ..., fleet: _Optional[str] = ..., version_id: _Optional[str] = ..., version: _Optional[_Union[PolicyVersion, _Mapping]] = ..., selector: _Optional[str] = ..., nodes: _Optional[_Iterable[str]] = ..., strategy: _Optional[_Union[PolicyRolloutStrategy, _Mapping]] = ..., mode: _Optional[_Union[PolicyRolloutMode, str]] = ..., requested_by: _Optional[str] = ..., source: _Optional[str] = ..., reason: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ..., cutover: _Optional[_Union[PolicyCutoverPlan, _Mapping]] = ...) -> None: ...

class PolicyRolloutNotice(_message.Message):
    __slots__ = ("version_id", "requested_by", "source")
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    version_id: str
    requested_by: str
    source: str
    def __init__(self, version_id: _Optional[str] = ..., requested_by: _Optional[str] = ..., source: _Optional[str] = ...) -> None: ...

class PolicyFleetQuery(_message.Message):
    __slots__ = ("tenant", "fleet", "nodes")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLEET_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    fleet: str
    nodes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant: _Optional[str] = ..., fleet: _Optional[str] = ..., nodes: _Optional[_Iterable[str]] = ...) -> None: ...

class PolicyFleetSnapshot(_message.Message):
    __slots__ = ("nodes",)
    NODES_FIELD_NUMBER: _ClassVar[int]
    nodes: _containers.RepeatedCompositeFieldContainer[PolicyNode]
    def __init__(self, nodes: _Optional[_Iterable[_Union[PolicyNode, _Mapping]]] = ...) -> None: ...

class PolicyValidationRequest(_message.Message):
    __slots__ = ("tenant", "version_id")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    version_id: str
    def __init__(self, tenant: _Optional[str] = ..., version_id: _Optional[str] = ...) -> None: ...

class PolicyValidationCheck(_message.Message):
    __slots__ = ("name", "ok", "output", "seconds")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OK_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    name: str
    ok: bool
    output: str
    seconds: float
    def __init__(self, name: _Optional[str] = ..., ok: _Optional[bool] = ..., output: _Optional[str] = ..., seconds: _Optional[float] = ...) -> None: ...

class PolicyValidationReport(_message.Message):
    __slots__ = ("ok", "checks", "summary")
    OK_FIELD_NUMBER: _ClassVar[int]
    CHECKS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    checks: _containers.RepeatedCompositeFieldContainer[PolicyValidationCheck]
    summary: str
    def __init__(self, ok: _Optional[bool] = ..., checks: _Optional[_Iterable[_Union[PolicyValidationCheck, _Mapping]]] = ..., summary: _Optional[str] = ...) -> None: ...

class PolicyPreviewRequest(_message.Message):
    __slots__ = ("tenant", "fleet", "candidate_version", "baseline_version", "hours", "limit", "nodes")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLEET_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    BASELINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    HOURS_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    fleet: str
    candidate_version: str
    baseline_version: str
    hours: int
    limit: int
    nodes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, tenant: _Optional[str] = ..., fleet: _Optional[str] = ..., candidate_version: _Optional[str] = ..., baseline_version: _Optional[str] = ..., hours: _Optional[int] = ..., limit: _Optional[int] = ..., nodes: _Optional[_Iterable[str]] = ...) -> None: ...

class PolicyFlipExample(_message.Message):
    __slots__ = ("decision_id", "node", "input", "before", "after")
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    BEFORE_FIELD_NUMBER: _ClassVar[int]
    AFTER_FIELD_NUMBER: _ClassVar[int]
    decision_id: str
    node: str
    input: _struct_pb2.Value
    before: _struct_pb2.Value
    after: _struct_pb2.Value
    def __init__(self, decision_id: _Optional[str] = ..., node: _Optional[str] = ..., input: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., before: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ..., after: _Optional[_Union[_struct_pb2.Value, _Mapping]] = ...) -> None: ...

class PolicyPathPreview(_message.Message):
    __slots__ = ("path", "replayed", "changed", "allow_to_deny", "deny_to_allow", "other_changes", "nondeterministic", "examples", "error")
    PATH_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    ALLOW_TO_DENY_FIELD_NUMBER: _ClassVar[int]
    DENY_TO_ALLOW_FIELD_NUMBER: _ClassVar[int]
    OTHER_CHANGES_FIELD_NUMBER: _ClassVar[int]
    NONDETERMINISTIC_FIELD_NUMBER: _ClassVar[int]
    EXAMPLES_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    path: str
    replayed: int
    changed: int
    allow_to_deny: int
    deny_to_allow: int
    other_changes: int
    nondeterministic: int
    examples: _containers.RepeatedCompositeFieldContainer[PolicyFlipExample]
    error: str
    def __init__(self, path: _Optional[str] = ..., replayed: _Optional[int] = ..., changed: _Optional[int] = ..., allow_to_deny: _Optional[int] = ..., deny_to_allow: _Optional[int] = ..., other_changes: _Optional[int] = ..., nondeterministic: _Optional[int] = ..., examples: _Optional[_Iterable[_Union[PolicyFlipExample, _Mapping]]] = ..., error: _Optional[str] = ...) -> None: ...

class PolicyPreviewReport(_message.Message):
    __slots__ = ("candidate_version", "baseline_version", "recorded", "replayed", "changed", "allow_to_deny", "deny_to_allow", "other_changes", "nondeterministic", "paths", "seconds", "since")
    CANDIDATE_VERSION_FIELD_NUMBER: _ClassVar[int]
    BASELINE_VERSION_FIELD_NUMBER: _ClassVar[int]
    RECORDED_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    ALLOW_TO_DENY_FIELD_NUMBER: _ClassVar[int]
    DENY_TO_ALLOW_FIELD_NUMBER: _ClassVar[int]
    OTHER_CHANGES_FIELD_NUMBER: _ClassVar[int]
    NONDETERMINISTIC_FIELD_NUMBER: _ClassVar[int]
    PATHS_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    candidate_version: str
    baseline_version: str
    recorded: int
    replayed: int
    changed: int
    allow_to_deny: int
    deny_to_allow: int
    other_changes: int
    nondeterministic: int
    paths: _containers.RepeatedCompositeFieldContainer[PolicyPathPreview]
    seconds: float
    since: _timestamp_pb2.Timestamp
    def __init__(self, candidate_version: _Optional[str] = ..., baseline_version: _Optional[str] = ..., recorded: _Optional[int] = ..., replayed: _Optional[int] = ..., changed: _Optional[int] = ..., allow_to_deny: _Optional[int] = ..., deny_to_allow: _Optional[int] = ..., other_changes: _Optional[int] = ..., nondeterministic: _Optional[int] = ..., paths: _Optional[_Iterable[_Union[PolicyPathPreview, _Mapping]]] = ..., seconds: _Optional[float] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PolicyRolloutGovernanceInput(_message.Message):
    __slots__ = ("request", "preview", "nodes", "canary_nodes")
    REQUEST_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    CANARY_NODES_FIELD_NUMBER: _ClassVar[int]
    request: PolicyRolloutRequest
    preview: PolicyPreviewReport
    nodes: int
    canary_nodes: int
    def __init__(self, request: _Optional[_Union[PolicyRolloutRequest, _Mapping]] = ..., preview: _Optional[_Union[PolicyPreviewReport, _Mapping]] = ..., nodes: _Optional[int] = ..., canary_nodes: _Optional[int] = ...) -> None: ...

class PolicyRolloutGovernance(_message.Message):
    __slots__ = ("verdict", "reasons", "approvals_required", "approver_roles", "needs_change_window", "decision_id", "canary_max_undefined_ratio", "canary_max_error_ratio", "canary_max_deny_rate_increase")
    VERDICT_FIELD_NUMBER: _ClassVar[int]
    REASONS_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_REQUIRED_FIELD_NUMBER: _ClassVar[int]
    APPROVER_ROLES_FIELD_NUMBER: _ClassVar[int]
    NEEDS_CHANGE_WINDOW_FIELD_NUMBER: _ClassVar[int]
    DECISION_ID_FIELD_NUMBER: _ClassVar[int]
    CANARY_MAX_UNDEFINED_RATIO_FIELD_NUMBER: _ClassVar[int]
    CANARY_MAX_ERROR_RATIO_FIELD_NUMBER: _ClassVar[int]
    CANARY_MAX_DENY_RATE_INCREASE_FIELD_NUMBER: _ClassVar[int]
    verdict: str
    reasons: _containers.RepeatedScalarFieldContainer[str]
    approvals_required: int
    approver_roles: _containers.RepeatedScalarFieldContainer[str]
    needs_change_window: bool
    decision_id: str
    canary_max_undefined_ratio: float
    canary_max_error_ratio: float
    canary_max_deny_rate_increase: float
    def __init__(self, verdict: _Optional[str] = ..., reasons: _Optional[_Iterable[str]] = ..., approvals_required: _Optional[int] = ..., approver_roles: _Optional[_Iterable[str]] = ..., needs_change_window: _Optional[bool] = ..., decision_id: _Optional[str] = ..., canary_max_undefined_ratio: _Optional[float] = ..., canary_max_error_ratio: _Optional[float] = ..., canary_max_deny_rate_increase: _Optional[float] = ...) -> None: ...

class PolicyNodeTarget(_message.Message):
    __slots__ = ("node", "version_id", "revision")
    NODE_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    node: str
    version_id: str
    revision: str
    def __init__(self, node: _Optional[str] = ..., version_id: _Optional[str] = ..., revision: _Optional[str] = ...) -> None: ...

class PolicyDesiredChange(_message.Message):
    __slots__ = ("tenant", "targets", "run_id", "reason")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    targets: _containers.RepeatedCompositeFieldContainer[PolicyNodeTarget]
    run_id: str
    reason: str
    def __init__(self, tenant: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[PolicyNodeTarget, _Mapping]]] = ..., run_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PolicyDesiredChanged(_message.Message):
    __slots__ = ("switched_at", "changed")
    SWITCHED_AT_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    switched_at: _timestamp_pb2.Timestamp
    changed: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, switched_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., changed: _Optional[_Iterable[str]] = ...) -> None: ...

class PolicyConvergenceRequest(_message.Message):
    __slots__ = ("tenant", "targets", "switched_at", "deadline_seconds", "fail_fast")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    TARGETS_FIELD_NUMBER: _ClassVar[int]
    SWITCHED_AT_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    FAIL_FAST_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    targets: _containers.RepeatedCompositeFieldContainer[PolicyNodeTarget]
    switched_at: _timestamp_pb2.Timestamp
    deadline_seconds: float
    fail_fast: bool
    def __init__(self, tenant: _Optional[str] = ..., targets: _Optional[_Iterable[_Union[PolicyNodeTarget, _Mapping]]] = ..., switched_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., deadline_seconds: _Optional[float] = ..., fail_fast: _Optional[bool] = ...) -> None: ...

class PolicyNodeConvergence(_message.Message):
    __slots__ = ("node", "target_revision", "active_revision", "converged", "error", "activated_at", "seen_at", "reached")
    NODE_FIELD_NUMBER: _ClassVar[int]
    TARGET_REVISION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_REVISION_FIELD_NUMBER: _ClassVar[int]
    CONVERGED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ACTIVATED_AT_FIELD_NUMBER: _ClassVar[int]
    SEEN_AT_FIELD_NUMBER: _ClassVar[int]
    REACHED_FIELD_NUMBER: _ClassVar[int]
    node: str
    target_revision: str
    active_revision: str
    converged: bool
    error: str
    activated_at: _timestamp_pb2.Timestamp
    seen_at: _timestamp_pb2.Timestamp
    reached: bool
    def __init__(self, node: _Optional[str] = ..., target_revision: _Optional[str] = ..., active_revision: _Optional[str] = ..., converged: _Optional[bool] = ..., error: _Optional[str] = ..., activated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., seen_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reached: _Optional[bool] = ...) -> None: ...

class PolicyConvergence(_message.Message):
    __slots__ = ("converged", "nodes", "reason", "convergence_ms", "spread_ms", "seconds")
    CONVERGED_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONVERGENCE_MS_FIELD_NUMBER: _ClassVar[int]
    SPREAD_MS_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    converged: bool
    nodes: _containers.RepeatedCompositeFieldContainer[PolicyNodeConvergence]
    reason: str
    convergence_ms: float
    spread_ms: float
    seconds: float
    def __init__(self, converged: _Optional[bool] = ..., nodes: _Optional[_Iterable[_Union[PolicyNodeConvergence, _Mapping]]] = ..., reason: _Optional[str] = ..., convergence_ms: _Optional[float] = ..., spread_ms: _Optional[float] = ..., seconds: _Optional[float] = ...) -> None: ...

class PolicyCanaryRequest(_message.Message):
    __slots__ = ("tenant", "fleet", "canary_nodes", "baseline_nodes", "candidate_revision", "since")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLEET_FIELD_NUMBER: _ClassVar[int]
    CANARY_NODES_FIELD_NUMBER: _ClassVar[int]
    BASELINE_NODES_FIELD_NUMBER: _ClassVar[int]
    CANDIDATE_REVISION_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    fleet: str
    canary_nodes: _containers.RepeatedScalarFieldContainer[str]
    baseline_nodes: _containers.RepeatedScalarFieldContainer[str]
    candidate_revision: str
    since: _timestamp_pb2.Timestamp
    def __init__(self, tenant: _Optional[str] = ..., fleet: _Optional[str] = ..., canary_nodes: _Optional[_Iterable[str]] = ..., baseline_nodes: _Optional[_Iterable[str]] = ..., candidate_revision: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PolicyCanaryReport(_message.Message):
    __slots__ = ("canary_decisions", "baseline_decisions", "canary_undefined_ratio", "canary_error_ratio", "canary_deny_ratio", "baseline_deny_ratio", "undefined_paths", "passed", "reason")
    CANARY_DECISIONS_FIELD_NUMBER: _ClassVar[int]
    BASELINE_DECISIONS_FIELD_NUMBER: _ClassVar[int]
    CANARY_UNDEFINED_RATIO_FIELD_NUMBER: _ClassVar[int]
    CANARY_ERROR_RATIO_FIELD_NUMBER: _ClassVar[int]
    CANARY_DENY_RATIO_FIELD_NUMBER: _ClassVar[int]
    BASELINE_DENY_RATIO_FIELD_NUMBER: _ClassVar[int]
    UNDEFINED_PATHS_FIELD_NUMBER: _ClassVar[int]
    PASSED_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    canary_decisions: int
    baseline_decisions: int
    canary_undefined_ratio: float
    canary_error_ratio: float
    canary_deny_ratio: float
    baseline_deny_ratio: float
    undefined_paths: _containers.RepeatedScalarFieldContainer[str]
    passed: bool
    reason: str
    def __init__(self, canary_decisions: _Optional[int] = ..., baseline_decisions: _Optional[int] = ..., canary_undefined_ratio: _Optional[float] = ..., canary_error_ratio: _Optional[float] = ..., canary_deny_ratio: _Optional[float] = ..., baseline_deny_ratio: _Optional[float] = ..., undefined_paths: _Optional[_Iterable[str]] = ..., passed: _Optional[bool] = ..., reason: _Optional[str] = ...) -> None: ...

class PolicyNodeOutcome(_message.Message):
    __slots__ = ("node", "revision", "version_id", "verified", "error")
    NODE_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    VERIFIED_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    node: str
    revision: str
    version_id: str
    verified: bool
    error: str
    def __init__(self, node: _Optional[str] = ..., revision: _Optional[str] = ..., version_id: _Optional[str] = ..., verified: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class PolicyRolloutResult(_message.Message):
    __slots__ = ("outcome", "reason", "fleet", "version_id", "revision", "previous", "validation", "preview", "governance", "canary", "canary_report", "activation", "rollback", "nodes", "fleet_state", "disagreement_ms", "convergence_ms", "events", "cutover")
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    FLEET_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_FIELD_NUMBER: _ClassVar[int]
    GOVERNANCE_FIELD_NUMBER: _ClassVar[int]
    CANARY_FIELD_NUMBER: _ClassVar[int]
    CANARY_REPORT_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_FIELD_NUMBER: _ClassVar[int]
    ROLLBACK_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    FLEET_STATE_FIELD_NUMBER: _ClassVar[int]
    DISAGREEMENT_MS_FIELD_NUMBER: _ClassVar[int]
    CONVERGENCE_MS_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    CUTOVER_FIELD_NUMBER: _ClassVar[int]
    outcome: PolicyRolloutOutcome
    reason: str
    fleet: str
    version_id: str
    revision: str
    previous: _containers.RepeatedCompositeFieldContainer[PolicyNodeTarget]
    validation: PolicyValidationReport
    preview: PolicyPreviewReport
    governance: PolicyRolloutGovernance
    canary: PolicyConvergence
    canary_report: PolicyCanaryReport
    activation: PolicyConvergence
    rollback: PolicyConvergence
    nodes: _containers.RepeatedCompositeFieldContainer[PolicyNodeOutcome]
    fleet_state: str
    disagreement_ms: float
    convergence_ms: float
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    cutover: PolicyCutoverReport
    def __init__(self, outcome: _Optional[_Union[PolicyRolloutOutcome, str]] = ..., reason: _Optional[str] = ..., fleet: _Optional[str] = ..., version_id: _Optional[str] = ..., revision: _Optional[str] = ..., previous: _Optional[_Iterable[_Union[PolicyNodeTarget, _Mapping]]] = ..., validation: _Optional[_Union[PolicyValidationReport, _Mapping]] = ..., preview: _Optional[_Union[PolicyPreviewReport, _Mapping]] = ..., governance: _Optional[_Union[PolicyRolloutGovernance, _Mapping]] = ..., canary: _Optional[_Union[PolicyConvergence, _Mapping]] = ..., canary_report: _Optional[_Union[PolicyCanaryReport, _Mapping]] = ..., activation: _Optional[_Union[PolicyConvergence, _Mapping]] = ..., rollback: _Optional[_Union[PolicyConvergence, _Mapping]] = ..., nodes: _Optional[_Iterable[_Union[PolicyNodeOutcome, _Mapping]]] = ..., fleet_state: _Optional[str] = ..., disagreement_ms: _Optional[float] = ..., convergence_ms: _Optional[float] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ..., cutover: _Optional[_Union[PolicyCutoverReport, _Mapping]] = ...) -> None: ...

class PolicyRolloutRecord(_message.Message):
    __slots__ = ("run_id", "tenant", "fleet", "version_id", "mode", "outcome", "reason", "nodes", "convergence_ms", "disagreement_ms", "preview_changed", "preview_allow_to_deny", "preview_deny_to_allow", "seconds")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLEET_FIELD_NUMBER: _ClassVar[int]
    VERSION_ID_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    CONVERGENCE_MS_FIELD_NUMBER: _ClassVar[int]
    DISAGREEMENT_MS_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_ALLOW_TO_DENY_FIELD_NUMBER: _ClassVar[int]
    PREVIEW_DENY_TO_ALLOW_FIELD_NUMBER: _ClassVar[int]
    SECONDS_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    tenant: str
    fleet: str
    version_id: str
    mode: str
    outcome: str
    reason: str
    nodes: int
    convergence_ms: float
    disagreement_ms: float
    preview_changed: int
    preview_allow_to_deny: int
    preview_deny_to_allow: int
    seconds: float
    def __init__(self, run_id: _Optional[str] = ..., tenant: _Optional[str] = ..., fleet: _Optional[str] = ..., version_id: _Optional[str] = ..., mode: _Optional[str] = ..., outcome: _Optional[str] = ..., reason: _Optional[str] = ..., nodes: _Optional[int] = ..., convergence_ms: _Optional[float] = ..., disagreement_ms: _Optional[float] = ..., preview_changed: _Optional[int] = ..., preview_allow_to_deny: _Optional[int] = ..., preview_deny_to_allow: _Optional[int] = ..., seconds: _Optional[float] = ...) -> None: ...

class PolicyDriftAuditRequest(_message.Message):
    __slots__ = ("tenant", "fleet", "requested_by", "source", "limits", "grace_seconds")
    TENANT_FIELD_NUMBER: _ClassVar[int]
    FLEET_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LIMITS_FIELD_NUMBER: _ClassVar[int]
    GRACE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    tenant: str
    fleet: str
    requested_by: str
    source: str
    limits: _common_pb2.RunLimits
    grace_seconds: int
    def __init__(self, tenant: _Optional[str] = ..., fleet: _Optional[str] = ..., requested_by: _Optional[str] = ..., source: _Optional[str] = ..., limits: _Optional[_Union[_common_pb2.RunLimits, _Mapping]] = ..., grace_seconds: _Optional[int] = ...) -> None: ...

class PolicyNodeDrift(_message.Message):
    __slots__ = ("node", "desired_revision", "active_revision", "drifted", "reachable", "error", "change")
    NODE_FIELD_NUMBER: _ClassVar[int]
    DESIRED_REVISION_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_REVISION_FIELD_NUMBER: _ClassVar[int]
    DRIFTED_FIELD_NUMBER: _ClassVar[int]
    REACHABLE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    node: str
    desired_revision: str
    active_revision: str
    drifted: bool
    reachable: bool
    error: str
    change: str
    def __init__(self, node: _Optional[str] = ..., desired_revision: _Optional[str] = ..., active_revision: _Optional[str] = ..., drifted: _Optional[bool] = ..., reachable: _Optional[bool] = ..., error: _Optional[str] = ..., change: _Optional[str] = ...) -> None: ...

class PolicyDriftAuditResult(_message.Message):
    __slots__ = ("fleet", "nodes", "drifted", "unreachable", "summary", "events")
    FLEET_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    DRIFTED_FIELD_NUMBER: _ClassVar[int]
    UNREACHABLE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    fleet: str
    nodes: _containers.RepeatedCompositeFieldContainer[PolicyNodeDrift]
    drifted: int
    unreachable: int
    summary: str
    events: _containers.RepeatedCompositeFieldContainer[_run_pb2.RunEvent]
    def __init__(self, fleet: _Optional[str] = ..., nodes: _Optional[_Iterable[_Union[PolicyNodeDrift, _Mapping]]] = ..., drifted: _Optional[int] = ..., unreachable: _Optional[int] = ..., summary: _Optional[str] = ..., events: _Optional[_Iterable[_Union[_run_pb2.RunEvent, _Mapping]]] = ...) -> None: ...
