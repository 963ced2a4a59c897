"""The OPA fleet: each node's desired revision (what Kaizen serves it) and what it reports.

Desired state lives here, not in a process: a restarted API serves every node what it
was serving, and a node that comes back after an outage converges on the revision the
last rollout decided. Status comes from the nodes' own status pushes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from sqlmodel import Field, Session, SQLModel, col, select

from kaizen.contract.timestamps import to_timestamp
from kaizen.v1.policy_rollout_pb2 import PolicyNode, PolicyNodeLabel, PolicyNodeTarget

DRIFT_GRACE: Final = timedelta(seconds=10)
"""How long after its desired revision changed a node may still report another one
(downloading, activating) before that counts as drift."""


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; every value Kaizen stores is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class PolicyNodeRow(SQLModel, table=True):
    __tablename__ = "policy_nodes"

    tenant: str = Field(primary_key=True)
    name: str = Field(primary_key=True)
    fleet: str = Field(index=True)
    bundle: str
    url: str = ""
    labels_json: str = "{}"
    principal: str = ""
    """The API key (by name) the node authenticates with."""
    desired_version: str = ""
    desired_revision: str = ""
    desired_at: datetime | None = None
    active_revision: str = ""
    status_code: str = ""
    status_message: str = ""
    status_errors_json: str = "[]"
    status_at: datetime | None = None
    reported_at: datetime | None = None
    """The node's own time of the bundle request its last status is about (OPA's clock):
    an older status arriving late is ignored."""
    activated_at: datetime | None = None
    requested_at: datetime | None = None
    sent_revision: str = ""
    sent_at: datetime | None = None
    drift_since: datetime | None = None
    registered_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @property
    def labels(self) -> dict[str, str]:
        return {str(k): str(v) for k, v in json.loads(self.labels_json).items()}

    def to_message(self) -> PolicyNode:
        node = PolicyNode(
            name=self.name, fleet=self.fleet, bundle=self.bundle, url=self.url,
            labels=[PolicyNodeLabel(key=k, value=v) for k, v in sorted(self.labels.items())],
            desired_version=self.desired_version, desired_revision=self.desired_revision,
            active_revision=self.active_revision, status_code=self.status_code,
            status_message=self.status_message,
            status_errors=[str(e) for e in json.loads(self.status_errors_json)],
            sent_revision=self.sent_revision, drifted=self.drift_since is not None,
            registered_at=to_timestamp(self.registered_at),
        )  # fmt: skip
        for name in ("desired_at", "status_at", "activated_at", "requested_at", "sent_at"):
            value = getattr(self, name)
            if value is not None:
                getattr(node, name).CopyFrom(to_timestamp(value))
        return node


class PolicyFleetEventRow(SQLModel, table=True):
    """What happened to a node outside a run: registered, drifted, drift resolved."""

    __tablename__ = "policy_fleet_events"

    id: int | None = Field(default=None, primary_key=True)
    tenant: str = Field(index=True)
    fleet: str = Field(index=True)
    node: str
    kind: str
    message: str
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))


class FleetConflict(ValueError):
    """A node cannot join a fleet that serves another bundle."""


def get_node(session: Session, tenant: str, name: str) -> PolicyNodeRow | None:
    return session.get(PolicyNodeRow, (tenant, name))


def list_nodes(session: Session, tenant: str, fleet: str | None = None) -> list[PolicyNodeRow]:
    query = select(PolicyNodeRow).where(PolicyNodeRow.tenant == tenant)
    if fleet:
        query = query.where(PolicyNodeRow.fleet == fleet)
    return list(session.exec(query.order_by(col(PolicyNodeRow.fleet), col(PolicyNodeRow.name))))


def fleet_bundle(session: Session, tenant: str, fleet: str) -> str | None:
    """The bundle a fleet serves (that of its nodes), None for a fleet with no node."""
    row = session.exec(
        select(PolicyNodeRow.bundle).where(
            PolicyNodeRow.tenant == tenant, PolicyNodeRow.fleet == fleet
        )
    ).first()
    return str(row) if row is not None else None


def register_node(
    session: Session,
    *,
    tenant: str,
    name: str,
    fleet: str,
    bundle: str,
    url: str,
    labels: Mapping[str, str],
    principal: str,
) -> tuple[PolicyNodeRow, bool]:
    """Create or update a node (its desired revision is kept); True when created."""
    served = fleet_bundle(session, tenant, fleet)
    if served is not None and served != bundle:
        others = [n.name for n in list_nodes(session, tenant, fleet) if n.name != name]
        if others:
            raise FleetConflict(
                f"fleet {fleet!r} serves bundle {served!r} (nodes {', '.join(others)}); "
                f"a fleet serves one bundle"
            )
    row = get_node(session, tenant, name)
    created = row is None
    if row is None:
        row = PolicyNodeRow(tenant=tenant, name=name, fleet=fleet, bundle=bundle)
        # A node joining a fleet is served what the fleet runs (the most common desired).
        row.desired_version, row.desired_revision = fleet_desired(session, tenant, fleet)
        row.desired_at = datetime.now(UTC) if row.desired_version else None
    row.fleet, row.bundle, row.url = fleet, bundle, url
    row.labels_json = json.dumps(dict(sorted(labels.items())))
    row.principal = principal
    session.add(row)
    if created:
        record_event(session, row, "registered", f"{name} joined fleet {fleet}")
    session.flush()
    return row, created


def fleet_desired(session: Session, tenant: str, fleet: str) -> tuple[str, str]:
    """The (version, revision) most of the fleet's nodes are served; empty when none."""
    counts: dict[tuple[str, str], int] = {}
    for node in list_nodes(session, tenant, fleet):
        if node.desired_version:
            key = (node.desired_version, node.desired_revision)
            counts[key] = counts.get(key, 0) + 1
    if not counts:
        return "", ""
    return max(counts, key=lambda k: counts[k])


def set_desired(
    session: Session, tenant: str, targets: Iterable[PolicyNodeTarget], at: datetime
) -> list[str]:
    """Serve each target node its version from now on; the names of those that changed."""
    changed: list[str] = []
    for target in targets:
        row = get_node(session, tenant, target.node)
        if row is None:
            continue
        if (row.desired_version, row.desired_revision) == (target.version_id, target.revision):
            continue
        row.desired_version, row.desired_revision = target.version_id, target.revision
        row.desired_at = at
        row.drift_since = None
        session.add(row)
        changed.append(row.name)
    session.flush()
    return changed


def record_request(session: Session, row: PolicyNodeRow, at: datetime) -> None:
    row.requested_at = at
    session.add(row)


def record_sent(session: Session, row: PolicyNodeRow, revision: str, at: datetime) -> None:
    row.sent_revision, row.sent_at = revision, at
    session.add(row)


@dataclass(frozen=True)
class BundleStatus:
    """A node's report about its bundle, from OPA's status (``bundles.<name>``)."""

    active_revision: str
    code: str
    message: str
    errors: list[str]
    activated_at: datetime | None
    last_request: datetime | None

    @classmethod
    def parse(cls, status: Mapping[str, Any], bundle: str) -> BundleStatus:
        bundles = status.get("bundles")
        entry = bundles.get(bundle) if isinstance(bundles, Mapping) else None
        if not isinstance(entry, Mapping):
            return cls("", "", "", [], None, None)
        errors = entry.get("errors") or []
        return cls(
            active_revision=str(entry.get("active_revision") or ""),
            code=str(entry.get("code") or ""),
            message=str(entry.get("message") or ""),
            errors=[_error_text(e) for e in errors if e] if isinstance(errors, list) else [],
            activated_at=_rfc3339(entry.get("last_successful_activation")),
            last_request=_rfc3339(entry.get("last_request")),
        )


def _error_text(error: Any) -> str:
    if not isinstance(error, Mapping):
        return str(error)
    location = error.get("location") or {}
    where = ""
    if isinstance(location, Mapping) and location.get("file"):
        where = f"{location.get('file')}:{location.get('row', 0)}: "
    return f"{where}{error.get('code', 'error')}: {error.get('message', '')}"


def _rfc3339(value: Any) -> datetime | None:
    """OPA's timestamps carry nanoseconds; Python keeps microseconds."""
    if not isinstance(value, str) or not value or value.startswith("0001-"):
        return None
    text = value.rstrip("Z")
    if "." in text:
        whole, fraction = text.split(".", 1)
        text = f"{whole}.{fraction[:6]}"
    try:
        return datetime.fromisoformat(text).replace(tzinfo=UTC)
    except ValueError:
        return None


def record_status(
    session: Session, row: PolicyNodeRow, status: BundleStatus, at: datetime
) -> str | None:
    """Store a node's status; returns "drifted" or "drift_resolved" when that changed. A
    status about an older request than the one stored (a late delivery) is ignored."""
    reported = aware(row.reported_at)
    if reported is not None and status.last_request is not None:
        if status.last_request < reported:
            return None
    if status.last_request is not None:
        row.reported_at = status.last_request
    row.active_revision = status.active_revision
    row.status_code, row.status_message = status.code, status.message
    row.status_errors_json = json.dumps(status.errors)
    row.status_at = at
    if status.activated_at is not None:
        row.activated_at = status.activated_at
    change: str | None = None
    desired_at = aware(row.desired_at)
    drifting = (
        bool(row.desired_revision)
        and bool(status.active_revision)
        and status.active_revision != row.desired_revision
        and not status.code
        and desired_at is not None
        and at - desired_at > DRIFT_GRACE
    )
    if drifting and row.drift_since is None:
        row.drift_since = at
        change = "drifted"
        record_event(
            session, row, change,
            f"{row.name} runs revision {status.active_revision} but is served "
            f"{row.desired_revision} (since {desired_at:%Y-%m-%d %H:%M:%S} UTC)",
        )  # fmt: skip
    elif (
        not drifting
        and row.drift_since is not None
        and status.active_revision == (row.desired_revision)
    ):
        row.drift_since = None
        change = "drift_resolved"
        record_event(session, row, change, f"{row.name} runs {status.active_revision} again")
    session.add(row)
    return change


def record_observed(
    session: Session, row: PolicyNodeRow, active: str, at: datetime, *, grace: timedelta
) -> str | None:
    """What a node runs, read from the node itself (a drift audit); returns "drifted" or
    "drift_resolved" when its drift state changed. A node that runs nothing yet, or whose
    desired revision changed less than ``grace`` ago, has not drifted."""
    desired_at = aware(row.desired_at)
    drifting = (
        bool(row.desired_revision)
        and bool(active)
        and active != row.desired_revision
        and desired_at is not None
        and at - desired_at > grace
    )
    change: str | None = None
    if drifting and row.drift_since is None:
        row.drift_since = at
        change = "drifted"
        record_event(session, row, change,
                     f"{row.name} runs revision {active} but is served {row.desired_revision} "
                     "(found by a drift audit)")  # fmt: skip
    elif not drifting and row.drift_since is not None and active == row.desired_revision:
        row.drift_since = None
        change = "drift_resolved"
        record_event(session, row, change, f"{row.name} runs {active} again")
    session.add(row)
    return change


def record_event(session: Session, row: PolicyNodeRow, kind: str, message: str) -> None:
    session.add(
        PolicyFleetEventRow(
            tenant=row.tenant, fleet=row.fleet, node=row.name, kind=kind, message=message
        )
    )


def events(session: Session, tenant: str, fleet: str | None = None) -> list[PolicyFleetEventRow]:
    query = select(PolicyFleetEventRow).where(PolicyFleetEventRow.tenant == tenant)
    if fleet:
        query = query.where(PolicyFleetEventRow.fleet == fleet)
    return list(session.exec(query.order_by(col(PolicyFleetEventRow.id))))


def desired_revisions(session: Session, tenant: str) -> dict[str, str]:
    """Every node's desired revision by name: what the bundle server watches for changes."""
    rows = session.exec(
        select(PolicyNodeRow.name, PolicyNodeRow.desired_revision).where(
            PolicyNodeRow.tenant == tenant
        )
    ).all()
    return {str(name): str(revision) for name, revision in rows}


def node_principal(name: str) -> str:
    """The API key name a node authenticates with."""
    return f"opa-node-{name}"


def issue_node_key(session: Session, row: PolicyNodeRow) -> str:
    """A new key for the node (any earlier one revoked); shown once, in its config."""
    from kaizen.persistence.api_keys import ApiKey, Role, create_key

    name = node_principal(row.name)
    existing = session.exec(select(ApiKey).where(ApiKey.name == name)).first()
    if existing is not None:
        session.delete(existing)
        session.flush()
    key = create_key(session, name=name, role=Role.viewer)
    row.principal = name
    session.add(row)
    return key
