"""Fleets declared in files, reconciled into the fleet registry (``policy_nodes``).

Each declared node is registered or updated (fleet, bundle, URL, labels; what it is
served is kept, as for ``PUT /v1/policy-fleet/nodes/{node}``). A node that a file
declared before and no file declares now is marked removed, never deleted: a rollout
may be switching it, and a node that still runs must keep being served. Removed nodes
are left out of new rollouts' targets; an admin deletes one for good
(``DELETE /v1/policy-fleet/nodes/{node}``), and declaring it again brings it back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlmodel import Field, Session, SQLModel, select

from kaizen.catalog.policy_fleets import DeclaredFleet, FleetFileError
from kaizen.persistence.policy_fleet import (
    FleetConflict,
    get_node,
    record_event,
    register_node,
)


class PolicyNodeDeclarationRow(SQLModel, table=True):
    """Which file declares a node, and since when no file does."""

    __tablename__ = "policy_node_declarations"

    tenant: str = Field(primary_key=True)
    node: str = Field(primary_key=True)
    fleet: str
    file: str
    removed_at: datetime | None = None


@dataclass
class Reconciled:
    """What a reconciliation changed, by node name."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def reconcile(session: Session, tenant: str, fleets: Mapping[str, DeclaredFleet]) -> Reconciled:
    """Make the registry match the files; FleetFileError (file and field) on a conflict."""
    done = Reconciled()
    declared: set[str] = set()
    for fleet in fleets.values():
        for name, spec in sorted(fleet.spec.nodes.items()):
            declared.add(name)
            before = get_node(session, tenant, name)
            shape = None if before is None else _shape(before.fleet, before.bundle, before.url,
                                                       before.labels)  # fmt: skip
            try:
                row, created = register_node(
                    session, tenant=tenant, name=name, fleet=fleet.name,
                    bundle=fleet.spec.bundle, url=spec.url, labels=spec.labels,
                    principal=before.principal if before is not None else "",
                )  # fmt: skip
            except FleetConflict as conflict:
                raise FleetFileError(f"{fleet.file}: bundle: {conflict}") from conflict
            declaration = session.get(PolicyNodeDeclarationRow, (tenant, name))
            returned = declaration is not None and declaration.removed_at is not None
            if declaration is None:
                declaration = PolicyNodeDeclarationRow(
                    tenant=tenant, node=name, fleet=fleet.name, file=fleet.file
                )
            declaration.fleet, declaration.file, declaration.removed_at = (
                fleet.name, fleet.file, None,
            )  # fmt: skip
            session.add(declaration)
            if created:
                done.added.append(name)
            elif returned or shape != _shape(fleet.name, fleet.spec.bundle, spec.url, spec.labels):
                done.updated.append(name)
                record_event(session, row, "updated_from_file",
                             f"{name} as {fleet.file} declares it")  # fmt: skip
            else:
                done.unchanged.append(name)
    gone = session.exec(
        select(PolicyNodeDeclarationRow).where(PolicyNodeDeclarationRow.tenant == tenant)
    ).all()
    for declaration in gone:
        if declaration.node in declared or declaration.removed_at is not None:
            continue
        declaration.removed_at = datetime.now(UTC)
        session.add(declaration)
        done.removed.append(declaration.node)
        leaving = get_node(session, tenant, declaration.node)
        if leaving is not None:
            record_event(
                session, leaving, "removed_from_file",
                f"{declaration.node} is no longer declared in {declaration.file}: it keeps "
                "being served what it runs, is left out of new rollouts, and is deleted only "
                f"by an admin (DELETE /v1/policy-fleet/nodes/{declaration.node})",
            )  # fmt: skip
    session.flush()
    return done


def removed_nodes(session: Session, tenant: str) -> dict[str, str]:
    """Nodes a file declared and none declares now, with the file that did."""
    rows = session.exec(
        select(PolicyNodeDeclarationRow).where(PolicyNodeDeclarationRow.tenant == tenant)
    ).all()
    return {r.node: r.file for r in rows if r.removed_at is not None}


def declarations(session: Session, tenant: str) -> dict[str, PolicyNodeDeclarationRow]:
    rows = session.exec(
        select(PolicyNodeDeclarationRow).where(PolicyNodeDeclarationRow.tenant == tenant)
    ).all()
    return {r.node: r for r in rows}


def _shape(fleet: str, bundle: str, url: str, labels: Mapping[str, str]) -> tuple[object, ...]:
    return (fleet, bundle, url, tuple(sorted(labels.items())))
