"""Each service's healing mode, as set by an admin.

The database row is the durable record; OPA holds the same map as policy data
(``data.kaizen.healing_modes``), which is what governance decides from. OPA's
pushed data does not survive an OPA restart, so whoever finds it missing
pushes this table again (see ``activities.opa.modes``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from sqlmodel import Field, Session, SQLModel, select

MODES: Final = ("observe", "approval", "autonomous")
DEFAULT_MODE: Final = "observe"


class HealingMode(SQLModel, table=True):
    __tablename__ = "healing_modes"

    namespace: str = Field(primary_key=True)
    service: str = Field(primary_key=True)
    mode: str
    set_by: str
    set_at: datetime = Field(default_factory=lambda: datetime.now(UTC))


def mode_key(namespace: str, service: str) -> str:
    """The key in policy data: ``namespace/service``."""
    return f"{namespace}/{service}"


def set_mode(session: Session, *, namespace: str, service: str, mode: str, by: str) -> HealingMode:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    row = session.get(HealingMode, (namespace, service))
    if row is None:
        row = HealingMode(namespace=namespace, service=service, mode=mode, set_by=by)
    else:
        row.mode, row.set_by, row.set_at = mode, by, datetime.now(UTC)
    session.add(row)
    return row


def all_modes(session: Session) -> list[HealingMode]:
    return list(
        session.exec(select(HealingMode).order_by(HealingMode.namespace, HealingMode.service))
    )


def as_policy_data(modes: list[HealingMode]) -> dict[str, str]:
    return {mode_key(m.namespace, m.service): m.mode for m in modes}
