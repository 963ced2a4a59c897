"""Which build runs where: every promotion's release, newest first per environment."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel, col, select

from kaizen.contract.timestamps import to_timestamp
from kaizen.v1.promotion_pb2 import Release

LIVE = "live"
REPLACED = "replaced"
ROLLED_BACK = "rolled_back"


class ReleaseRow(SQLModel, table=True):
    __tablename__ = "releases"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(index=True)
    environment: str = Field(index=True)
    service: str = Field(index=True)
    build_id: str = Field(index=True)
    version: str
    image: str
    live_since: datetime
    verified_at: datetime | None = None
    run_id: str = Field(unique=True)
    """One row per run: a retried recording activity finds its own row."""
    state: str = LIVE

    def to_message(self) -> Release:
        message = Release(
            environment=self.environment, service=self.service, build_id=self.build_id,
            version=self.version, image=self.image, live_since=to_timestamp(self.live_since),
            run_id=self.run_id, state=self.state,
        )  # fmt: skip
        if self.verified_at is not None:
            message.verified_at.CopyFrom(to_timestamp(self.verified_at))
        return message


def _aware(value: datetime) -> datetime:
    # SQLite hands datetimes back naive; every value Kaizen stores is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def record_release(session: Session, tenant: str, release: Release) -> ReleaseRow:
    """Record ``release`` as live (and the one it replaces as replaced); idempotent per run."""
    existing = session.exec(select(ReleaseRow).where(ReleaseRow.run_id == release.run_id)).first()
    if existing is not None:
        return existing
    for previous in live_rows(session, tenant, release.environment, release.service):
        previous.state = REPLACED
        session.add(previous)
    row = ReleaseRow(
        tenant=tenant, environment=release.environment, service=release.service,
        build_id=release.build_id, version=release.version, image=release.image,
        live_since=release.live_since.ToDatetime(tzinfo=UTC), run_id=release.run_id,
        verified_at=(
            release.verified_at.ToDatetime(tzinfo=UTC) if release.HasField("verified_at") else None
        ),
        state=release.state or LIVE,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row


def live_rows(session: Session, tenant: str, environment: str, service: str) -> list[ReleaseRow]:
    return list(
        session.exec(
            select(ReleaseRow).where(
                ReleaseRow.tenant == tenant, ReleaseRow.environment == environment,
                ReleaseRow.service == service, ReleaseRow.state == LIVE,
            )
        )
    )  # fmt: skip


def live_release(
    session: Session, tenant: str, environment: str, service: str
) -> ReleaseRow | None:
    rows = live_rows(session, tenant, environment, service)
    return max(rows, key=lambda r: r.id or 0) if rows else None


def release_of_build(
    session: Session, tenant: str, environment: str, build_id: str
) -> ReleaseRow | None:
    """The newest release of ``build_id`` in ``environment`` (live or since replaced)."""
    return session.exec(
        select(ReleaseRow)
        .where(
            ReleaseRow.tenant == tenant, ReleaseRow.environment == environment,
            ReleaseRow.build_id == build_id,
        )
        .order_by(col(ReleaseRow.id).desc())
    ).first()  # fmt: skip


def environment_history(
    session: Session, tenant: str, environment: str, limit: int = 100
) -> list[ReleaseRow]:
    return list(
        session.exec(
            select(ReleaseRow)
            .where(ReleaseRow.tenant == tenant, ReleaseRow.environment == environment)
            .order_by(col(ReleaseRow.id).desc())
            .limit(limit)
        )
    )


def live_in(session: Session, tenant: str, environment: str) -> list[ReleaseRow]:
    rows = session.exec(
        select(ReleaseRow)
        .where(
            ReleaseRow.tenant == tenant, ReleaseRow.environment == environment,
            ReleaseRow.state == LIVE,
        )
        .order_by(col(ReleaseRow.service))
    )  # fmt: skip
    return list(rows)


def verified_for(row: ReleaseRow) -> datetime | None:
    return _aware(row.verified_at) if row.verified_at is not None else None


def live_since(row: ReleaseRow) -> datetime:
    return _aware(row.live_since)
