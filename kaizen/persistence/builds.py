"""Builds and their evidence: a build never changes; evidence is only ever appended."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from google.protobuf.json_format import MessageToJson, Parse
from sqlalchemy import UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from kaizen.contract.timestamps import to_timestamp
from kaizen.v1.promotion_pb2 import Build, Evidence, EvidenceRecord


class BuildRow(SQLModel, table=True):
    __tablename__ = "builds"
    __table_args__ = (UniqueConstraint("tenant", "service", "version", name="uq_build_version"),)

    id: str = Field(primary_key=True)
    tenant: str = Field(index=True)
    service: str = Field(index=True)
    image: str
    version: str
    commit: str = ""
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    created_by: str


class EvidenceRow(SQLModel, table=True):
    __tablename__ = "build_evidence"

    seq: int | None = Field(default=None, primary_key=True)
    build_id: str = Field(index=True, foreign_key="builds.id")
    evidence_json: str
    submitted_by: str
    submitted_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def to_message(self) -> EvidenceRecord:
        return EvidenceRecord(
            seq=self.seq or 0,
            evidence=Parse(self.evidence_json, Evidence()),
            submitted_by=self.submitted_by,
            submitted_at=to_timestamp(self.submitted_at),
        )


class BuildConflict(ValueError):
    """The service already has a different build of that version (builds are immutable)."""


def _is_empty(evidence: Evidence) -> bool:
    return evidence.ByteSize() == 0


def create_build(
    session: Session,
    *,
    tenant: str,
    service: str,
    image: str,
    version: str,
    commit: str,
    evidence: Evidence,
    by: str,
) -> tuple[BuildRow, bool]:
    """The build, and whether it was created now; the same build sent again is returned as
    it is (CI retries), a different one under a registered version is a BuildConflict."""
    existing = session.exec(
        select(BuildRow).where(
            BuildRow.tenant == tenant, BuildRow.service == service, BuildRow.version == version
        )
    ).first()
    if existing is not None:
        if existing.image != image or existing.commit != commit:
            raise BuildConflict(
                f"{service} {version} is registered as {existing.id} with image "
                f"{existing.image}; builds are immutable, register a new version"
            )
        return existing, False
    row = BuildRow(
        id=f"bld-{uuid.uuid4().hex[:12]}", tenant=tenant, service=service, image=image,
        version=version, commit=commit, created_by=by,
    )  # fmt: skip
    session.add(row)
    session.flush()
    if not _is_empty(evidence):
        append_evidence(session, row, evidence, by=by)
    return row, True


def append_evidence(
    session: Session, build: BuildRow, evidence: Evidence, *, by: str
) -> EvidenceRow:
    row = EvidenceRow(
        build_id=build.id,
        evidence_json=MessageToJson(evidence, preserving_proto_field_name=True, indent=None),
        submitted_by=by,
    )
    session.add(row)
    session.flush()
    return row


def get_build(session: Session, tenant: str, build_id: str) -> BuildRow | None:
    row = session.get(BuildRow, build_id)
    return row if row is not None and row.tenant == tenant else None


def build_message(session: Session, build: BuildRow) -> Build:
    """The build with every piece of evidence, oldest first."""
    records = session.exec(
        select(EvidenceRow).where(EvidenceRow.build_id == build.id).order_by(col(EvidenceRow.seq))
    ).all()
    return Build(
        id=build.id, service=build.service, image=build.image, version=build.version,
        commit=build.commit, created_at=to_timestamp(build.created_at),
        created_by=build.created_by, evidence=[r.to_message() for r in records],
    )  # fmt: skip


def latest_evidence(build: Build) -> Evidence:
    """Each kind of evidence as its newest record has it (links accumulate)."""
    latest = Evidence()
    for record in build.evidence:
        for part in ("tests", "security", "performance", "carbon"):
            if record.evidence.HasField(part):
                getattr(latest, part).CopyFrom(getattr(record.evidence, part))
        latest.links.extend(record.evidence.links)
    return latest
