"""Who is calling: the authenticated principal behind a bearer key."""

from __future__ import annotations

from dataclasses import dataclass

from kaizen.persistence.api_keys import Role


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role

    def has(self, role: Role) -> bool:
        return self.role >= role

    @property
    def roles(self) -> list[str]:
        """Every role this principal holds (roles include those below them)."""
        return self.role.names_at_or_below()
