import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ApprovalDecision(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPROVAL_DECISION_UNSPECIFIED: _ClassVar[ApprovalDecision]
    APPROVAL_DECISION_APPROVE: _ClassVar[ApprovalDecision]
    APPROVAL_DECISION_REJECT: _ClassVar[ApprovalDecision]

class ApprovalStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPROVAL_STATUS_UNSPECIFIED: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_NOT_REQUIRED: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_PENDING: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_APPROVED: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_REJECTED: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_TIMED_OUT: _ClassVar[ApprovalStatus]
    APPROVAL_STATUS_WITHDRAWN: _ClassVar[ApprovalStatus]
APPROVAL_DECISION_UNSPECIFIED: ApprovalDecision
APPROVAL_DECISION_APPROVE: ApprovalDecision
APPROVAL_DECISION_REJECT: ApprovalDecision
APPROVAL_STATUS_UNSPECIFIED: ApprovalStatus
APPROVAL_STATUS_NOT_REQUIRED: ApprovalStatus
APPROVAL_STATUS_PENDING: ApprovalStatus
APPROVAL_STATUS_APPROVED: ApprovalStatus
APPROVAL_STATUS_REJECTED: ApprovalStatus
APPROVAL_STATUS_TIMED_OUT: ApprovalStatus
APPROVAL_STATUS_WITHDRAWN: ApprovalStatus

class ApprovalVote(_message.Message):
    __slots__ = ("approver", "decision", "comment", "approver_roles", "source", "vote_id")
    APPROVER_FIELD_NUMBER: _ClassVar[int]
    DECISION_FIELD_NUMBER: _ClassVar[int]
    COMMENT_FIELD_NUMBER: _ClassVar[int]
    APPROVER_ROLES_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    VOTE_ID_FIELD_NUMBER: _ClassVar[int]
    approver: str
    decision: ApprovalDecision
    comment: str
    approver_roles: _containers.RepeatedScalarFieldContainer[str]
    source: str
    vote_id: str
    def __init__(self, approver: _Optional[str] = ..., decision: _Optional[_Union[ApprovalDecision, str]] = ..., comment: _Optional[str] = ..., approver_roles: _Optional[_Iterable[str]] = ..., source: _Optional[str] = ..., vote_id: _Optional[str] = ...) -> None: ...

class RecordedVote(_message.Message):
    __slots__ = ("vote", "at")
    VOTE_FIELD_NUMBER: _ClassVar[int]
    AT_FIELD_NUMBER: _ClassVar[int]
    vote: ApprovalVote
    at: _timestamp_pb2.Timestamp
    def __init__(self, vote: _Optional[_Union[ApprovalVote, _Mapping]] = ..., at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ApprovalState(_message.Message):
    __slots__ = ("status", "required", "approvals", "rejections", "votes", "allowed_approvers", "allowed_roles", "requested_by", "deadline", "summary")
    STATUS_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_FIELD_NUMBER: _ClassVar[int]
    APPROVALS_FIELD_NUMBER: _ClassVar[int]
    REJECTIONS_FIELD_NUMBER: _ClassVar[int]
    VOTES_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_APPROVERS_FIELD_NUMBER: _ClassVar[int]
    ALLOWED_ROLES_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_BY_FIELD_NUMBER: _ClassVar[int]
    DEADLINE_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    status: ApprovalStatus
    required: int
    approvals: int
    rejections: int
    votes: _containers.RepeatedCompositeFieldContainer[RecordedVote]
    allowed_approvers: _containers.RepeatedScalarFieldContainer[str]
    allowed_roles: _containers.RepeatedScalarFieldContainer[str]
    requested_by: str
    deadline: _timestamp_pb2.Timestamp
    summary: str
    def __init__(self, status: _Optional[_Union[ApprovalStatus, str]] = ..., required: _Optional[int] = ..., approvals: _Optional[int] = ..., rejections: _Optional[int] = ..., votes: _Optional[_Iterable[_Union[RecordedVote, _Mapping]]] = ..., allowed_approvers: _Optional[_Iterable[str]] = ..., allowed_roles: _Optional[_Iterable[str]] = ..., requested_by: _Optional[str] = ..., deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[str] = ...) -> None: ...
