"""Response models of the policy rollout API that protobuf's ``Value`` fields need by hand.

``kaizen.contract.models.response_model`` shows a ``google.protobuf.Value`` as an object;
a data value may be any JSON (a number, a list), so these fields are typed ``Any``.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from kaizen.contract.models import response_model
from kaizen.v1.policy_rollout_pb2 import PolicyFileChange


class DataChangeView(BaseModel):
    model_config = ConfigDict(extra="ignore")

    path: str | None = None
    change: str | None = None
    before: Any = None
    after: Any = None


class VersionDiffView(BaseModel):
    """What changes from one version to another."""

    model_config = ConfigDict(extra="ignore")

    from_version: str | None = None
    to_version: str | None = None
    files: list[response_model(PolicyFileChange)] = Field(default_factory=list)  # type: ignore[valid-type]
    data: list[DataChangeView] = Field(default_factory=list)
    roots_added: list[str] = Field(default_factory=list)
    roots_removed: list[str] = Field(default_factory=list)
