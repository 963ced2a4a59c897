"""Bodies of the review actions (the start body is derived from the contract: kinds/rca)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

SECTION = r"^[a-z_]{1,40}$"


class RcaEditBody(BaseModel):
    """Replace a section's text; made against the version you read."""

    model_config = ConfigDict(extra="forbid")
    section: str = Field(pattern=SECTION, description="summary, impact, root_cause, …")
    text: str = Field(min_length=1, max_length=20_000)
    base_version: int = Field(ge=0, le=2**31 - 1, description="The document version you edited")


class RcaCommentBody(BaseModel):
    """A comment on the draft, or on one section."""

    model_config = ConfigDict(extra="forbid")
    section: str = Field(default="", pattern=r"^([a-z_]{1,40})?$")
    text: str = Field(min_length=1, max_length=4000)


class RcaChangesBody(BaseModel):
    """Ask for changes: approvals are refused until an edit answers it."""

    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class RcaApprovalBody(BaseModel):
    """Approve the RCA; with a rating (1-5) of the machine's draft, if you like."""

    model_config = ConfigDict(extra="forbid")
    comment: str = Field(default="", max_length=2000)
    rating: int | None = Field(default=None, ge=1, le=5)
