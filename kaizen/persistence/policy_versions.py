"""Policy versions (immutable signed bundles) and the public halves of Kaizen's signing keys.

A version is its source (the policy directory as published, tests included) and the
signed bundle built from it; neither ever changes, so a rollback is a pointer move and
never a rebuild. Both live in the database, so the API that serves bundles and the
workers that validate them need no shared disk. Private signing keys never enter the
database: they stay 0600 under KAIZEN_HOME of the API that publishes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint, func
from sqlalchemy.orm import defer
from sqlmodel import Field, Session, SQLModel, col, select

from kaizen.contract.timestamps import to_timestamp
from kaizen.v1.policy_rollout_pb2 import PolicyFile, PolicyVersion


class PolicyVersionRow(SQLModel, table=True):
    __tablename__ = "policy_versions"
    __table_args__ = (
        UniqueConstraint("tenant", "bundle", "seq", name="uq_policy_version_seq"),
        UniqueConstraint("tenant", "bundle", "content_sha256", name="uq_policy_version_content"),
    )

    id: str = Field(primary_key=True)
    tenant: str = Field(index=True)
    bundle: str = Field(index=True)
    seq: int
    revision: str
    roots_json: str
    content_sha256: str
    files_json: str
    source: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    """The policy directory as a normalised tar.gz (tests included): what validate checks."""
    artifact: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    """The signed bundle nodes are served."""
    artifact_sha256: str
    artifact_size: int = 0
    signing_key_id: str
    description: str = ""
    created_by: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def roots(self) -> list[str]:
        return [str(r) for r in json.loads(self.roots_json)]

    def to_message(self) -> PolicyVersion:
        return PolicyVersion(
            id=self.id, bundle=self.bundle, seq=self.seq, revision=self.revision,
            roots=self.roots, content_sha256=self.content_sha256,
            artifact_sha256=self.artifact_sha256, artifact_size=self.artifact_size,
            signing_key_id=self.signing_key_id,
            files=[PolicyFile(**f) for f in json.loads(self.files_json)],
            created_by=self.created_by, created_at=to_timestamp(self.created_at),
            description=self.description,
        )  # fmt: skip


class PolicySigningKeyRow(SQLModel, table=True):
    __tablename__ = "policy_signing_keys"

    id: str = Field(primary_key=True)
    """The key id nodes know it by (``keys:`` in their config, ``keyid`` in the signature)."""
    algorithm: str = "ES256"
    public_pem: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    signing: bool = True
    """New versions are signed with the newest signing key; older keys stay trusted until
    retired, so nodes configured before a rotation keep verifying what they run."""
    retired_at: datetime | None = None


def version_id_for(content_sha256: str) -> str:
    return f"pv-{content_sha256[:12]}"


def get_version(session: Session, tenant: str, version_id: str) -> PolicyVersionRow | None:
    row = session.get(PolicyVersionRow, version_id)
    return row if row is not None and row.tenant == tenant else None


def find_by_content(
    session: Session, tenant: str, bundle: str, content_sha256: str
) -> PolicyVersionRow | None:
    return session.exec(
        select(PolicyVersionRow).where(
            PolicyVersionRow.tenant == tenant,
            PolicyVersionRow.bundle == bundle,
            PolicyVersionRow.content_sha256 == content_sha256,
        )
    ).first()


def next_seq(session: Session, tenant: str, bundle: str) -> int:
    found = session.exec(
        select(func.max(PolicyVersionRow.seq)).where(
            PolicyVersionRow.tenant == tenant, PolicyVersionRow.bundle == bundle
        )
    ).one()
    return int(found or 0) + 1


def list_versions(session: Session, tenant: str, bundle: str | None = None) -> list[PolicyVersion]:
    """Newest first; the stored bytes are not read."""
    query = (
        select(PolicyVersionRow)
        .options(defer(PolicyVersionRow.source), defer(PolicyVersionRow.artifact))  # type: ignore[arg-type]
        .where(PolicyVersionRow.tenant == tenant)
    )
    if bundle:
        query = query.where(PolicyVersionRow.bundle == bundle)
    rows = session.exec(query.order_by(col(PolicyVersionRow.seq).desc()))
    return [row.to_message() for row in rows]


def trusted_keys(session: Session) -> list[PolicySigningKeyRow]:
    """Every key nodes must trust now, newest first (the signing key among them)."""
    return list(
        session.exec(
            select(PolicySigningKeyRow)
            .where(col(PolicySigningKeyRow.retired_at).is_(None))
            .order_by(col(PolicySigningKeyRow.created_at).desc())
        )
    )


def signing_key(session: Session) -> PolicySigningKeyRow | None:
    for key in trusted_keys(session):
        if key.signing:
            return key
    return None


def public_key(session: Session, key_id: str) -> PolicySigningKeyRow | None:
    return session.get(PolicySigningKeyRow, key_id)
