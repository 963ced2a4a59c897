"""API keys: stored only as hashes, each with a role."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from enum import IntEnum

from sqlmodel import Field, Session, SQLModel, select

KEY_PREFIX = "kz_"


class Role(IntEnum):
    """Roles are ordered: each includes the rights of those below it."""

    viewer = 1
    operator = 2
    approver = 3
    admin = 4

    @classmethod
    def parse(cls, name: str) -> Role:
        try:
            return cls[name]
        except KeyError:
            raise ValueError(
                f"unknown role {name!r}; expected one of {', '.join(r.name for r in cls)}"
            ) from None

    def names_at_or_below(self) -> list[str]:
        return [role.name for role in Role if role <= self]


class ApiKey(SQLModel, table=True):
    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    role: str
    key_hash: str = Field(index=True, unique=True)
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    revoked_at: datetime | None = None


class ApiKeyError(Exception):
    """A key operation that cannot be done (duplicate name, unknown name)."""


def hash_key(raw_key: str) -> str:
    # Keys are 256-bit random tokens, so a plain SHA-256 is enough: there is nothing
    # to brute-force, and a fast hash keeps authentication off the request's hot path.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_key(session: Session, *, name: str, role: Role) -> str:
    """Create a key and return it; only its hash is stored, so this is the one chance to see it."""
    if not name or len(name) > 64:
        raise ApiKeyError("name must be 1-64 characters")
    if session.exec(select(ApiKey).where(ApiKey.name == name)).first() is not None:
        raise ApiKeyError(f"a key named {name!r} already exists")
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiKey(name=name, role=role.name, key_hash=hash_key(raw_key)))
    session.flush()
    return raw_key


def authenticate(session: Session, raw_key: str) -> ApiKey | None:
    row = session.exec(select(ApiKey).where(ApiKey.key_hash == hash_key(raw_key))).first()
    if row is None or row.revoked_at is not None:
        return None
    return row


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.exec(select(ApiKey).order_by(ApiKey.name)))


def revoke_key(session: Session, name: str) -> ApiKey:
    row = session.exec(select(ApiKey).where(ApiKey.name == name)).first()
    if row is None:
        raise ApiKeyError(f"no key named {name!r}")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        session.add(row)
    return row
