"""The review of an RCA: who may touch it, its edits, comments, change requests, ratings.

Validators (``check_*``) run in the Update validators: they change nothing, and a refused
request leaves no trace in the run's history. Mutators (``apply_*``) run in the Update
handlers. Approvals themselves go through the shared ApprovalGate (N-of-M, one vote per
person, not the requester); requesting changes withdraws the gate until an edit answers
it, so an approval of a document with open change requests is refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from temporalio.exceptions import ApplicationError

from activities.rca.evidence import timestamp
from kaizen.v1.rca_pb2 import (
    RcaChangeRequest,
    RcaChangeRequestRecord,
    RcaComment,
    RcaCommentRecord,
    RcaDocument,
    RcaEdit,
    RcaEditRecord,
    RcaRating,
    RcaRatingRecord,
    RcaReview,
    RcaReviewPlan,
)

# Refusals by type, never by message text (the API maps them to 403/409/422).
NOT_A_REVIEWER: Final = "NotAReviewer"
NOT_IN_REVIEW: Final = "NotInReview"
RCA_FINAL: Final = "RcaFinal"
VERSION_CONFLICT: Final = "VersionConflict"
UNKNOWN_SECTION: Final = "UnknownSection"
INVALID_REVIEW: Final = "InvalidReview"
MAX_TEXT: Final = 20_000
IN_REVIEW: Final = "in_review"
CHANGES_REQUESTED: Final = "changes_requested"
FINAL: Final = "final"
ABANDONED: Final = "abandoned"


def _refuse(message: str, kind: str) -> ApplicationError:
    return ApplicationError(message, type=kind, non_retryable=True)


class ReviewBoard:
    """The document under review and everything reviewers did to it."""

    def __init__(self, *, requested_by: str) -> None:
        self.document = RcaDocument(status="draft", version=0)
        self.review = RcaReview()
        self.requested_by = requested_by
        self.changes = 0
        """Bumped by every accepted request; the run saves when it moves."""

    @property
    def status(self) -> str:
        return self.document.status

    def open(self, document: RcaDocument, plan: RcaReviewPlan, deadline: datetime) -> None:
        self.document.CopyFrom(document)
        self.document.status = IN_REVIEW
        self.review.plan.CopyFrom(plan)
        self.review.deadline.CopyFrom(timestamp(deadline))

    def snapshot(self) -> RcaReview:
        review = RcaReview()
        review.CopyFrom(self.review)
        review.status, review.version = self.document.status, self.document.version
        return review

    # -- validators ----------------------------------------------------------------------------

    def check_reviewer(self, who: str) -> None:
        if not who:
            raise _refuse("a reviewer is required", INVALID_REVIEW)
        reviewers = list(self.review.plan.reviewers)
        if reviewers and who not in reviewers:
            raise _refuse(
                f"{who} is not among this RCA's reviewers ({', '.join(reviewers)})",
                NOT_A_REVIEWER,
            )

    def check_open(self) -> None:
        if self.status == FINAL:
            raise _refuse("this RCA is final and can no longer change", RCA_FINAL)
        if self.status not in (IN_REVIEW, CHANGES_REQUESTED):
            raise _refuse(f"this RCA is not in review (it is {self.status})", NOT_IN_REVIEW)

    def check_edit(self, edit: RcaEdit) -> None:
        self.check_open()
        self.check_reviewer(edit.editor)
        if edit.section not in {s.key for s in self.document.sections}:
            known = ", ".join(s.key for s in self.document.sections)
            raise _refuse(f"no section {edit.section!r}; sections: {known}", UNKNOWN_SECTION)
        if not edit.text.strip() or len(edit.text) > MAX_TEXT:
            raise _refuse(f"text must be 1 to {MAX_TEXT} characters", INVALID_REVIEW)
        if edit.base_version != self.document.version:
            raise _refuse(
                f"the edit was made against version {edit.base_version}; the document is at "
                f"version {self.document.version}: reload and edit again",
                VERSION_CONFLICT,
            )

    def check_comment(self, comment: RcaComment) -> None:
        self.check_open()
        self.check_reviewer(comment.author)
        if not comment.text.strip() or len(comment.text) > MAX_TEXT:
            raise _refuse(f"text must be 1 to {MAX_TEXT} characters", INVALID_REVIEW)

    def check_change_request(self, request: RcaChangeRequest) -> None:
        self.check_open()
        self.check_reviewer(request.reviewer)
        if not request.reason.strip():
            raise _refuse("say what should change", INVALID_REVIEW)

    def check_rating(self, rating: RcaRating) -> None:
        self.check_open()
        self.check_reviewer(rating.reviewer)
        if not 1 <= rating.score <= 5:
            raise _refuse("a rating is 1 to 5", INVALID_REVIEW)

    # -- mutators ------------------------------------------------------------------------------

    def apply_edit(self, edit: RcaEdit, at: datetime) -> bool:
        """Apply an edit; True when it answers open change requests (the gate reopens)."""
        section = next(s for s in self.document.sections if s.key == edit.section)
        before = section.text or "\n".join(c.text for c in section.claims)
        section.text, section.edited_by = edit.text, edit.editor
        self.document.version += 1
        self.review.edits.append(
            RcaEditRecord(edit=edit, at=timestamp(at), before=before, version=self.document.version)
        )
        self.changes += 1
        reopened = self.status == CHANGES_REQUESTED
        self.document.status = IN_REVIEW
        return reopened

    def apply_comment(self, comment: RcaComment, at: datetime) -> None:
        self.review.comments.append(RcaCommentRecord(comment=comment, at=timestamp(at)))
        self.changes += 1

    def apply_change_request(self, request: RcaChangeRequest, at: datetime) -> None:
        self.review.change_requests.append(
            RcaChangeRequestRecord(request=request, at=timestamp(at))
        )
        self.document.status = CHANGES_REQUESTED
        self.changes += 1

    def apply_rating(self, rating: RcaRating, at: datetime) -> None:
        kept = [r for r in self.review.ratings if r.rating.reviewer != rating.reviewer]
        del self.review.ratings[:]
        self.review.ratings.extend(kept)
        self.review.ratings.append(RcaRatingRecord(rating=rating, at=timestamp(at)))
        self.changes += 1

    def finalize(self, at: datetime) -> None:
        self.document.status = FINAL
        self.review.final_at.CopyFrom(timestamp(at))
        self.changes += 1

    def abandon(self) -> None:
        if self.status != FINAL:
            self.document.status = ABANDONED
            self.changes += 1
