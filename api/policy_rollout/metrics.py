"""Prometheus metrics of policy rollouts, exported on the API's /metrics.

Counters of what the API itself does (publishes, bundle requests, drift changes) are
counted where it happens. The fleet's state and how rollouts ended are read from the
database at scrape time, since workers in other processes write them: nodes by active
revision, drifted nodes, rollouts by outcome, convergence time, disagreement window
and preview flips.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from typing import Final

from prometheus_client import REGISTRY, Counter
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session, col, select

from kaizen.persistence.policy_fleet import PolicyNodeRow
from kaizen.persistence.policy_rollouts import PolicyRolloutRow

log = logging.getLogger("kaizen.api")

VERSIONS_PUBLISHED: Final = Counter(
    "kaizen_policy_versions_published_total", "Policy versions published, by bundle", ["bundle"]
)
NODE_REQUESTS: Final = Counter(
    "kaizen_policy_bundle_requests_total",
    "Bundle requests answered by the bundle server: bundle (200), not_modified (304), nothing",
    ["answer"],
)
DRIFT_EVENTS: Final = Counter(
    "kaizen_policy_drift_events_total",
    "Nodes found running another revision than desired (drifted), or back on it",
    ["change"],
)
MILLISECOND_BUCKETS: Final = (10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0,
                              10000.0, 30000.0)  # fmt: skip


class FleetCollector(Collector):
    """The fleet and its rollouts, read from the database of the newest app."""

    def __init__(self) -> None:
        self._sources: list[tuple[Engine, str]] = []

    def attach(self, engine: Engine, tenant: str) -> None:
        self._sources.append((engine, tenant))

    def detach(self, engine: Engine) -> None:
        self._sources = [(e, t) for e, t in self._sources if e is not engine]

    def describe(self) -> Iterator[Metric]:
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        families = _families()
        if self._sources:
            engine, tenant = self._sources[-1]
            try:
                with Session(engine) as session:
                    _read(session, tenant, *families)
            except SQLAlchemyError as error:
                log.warning("policy fleet metrics: cannot read the database: %s", error)
                families = _families()
        yield from families


def _families() -> tuple[
    GaugeMetricFamily,
    GaugeMetricFamily,
    CounterMetricFamily,
    HistogramMetricFamily,
    HistogramMetricFamily,
    CounterMetricFamily,
]:
    return (
        GaugeMetricFamily(
            "kaizen_policy_nodes", "Fleet nodes by the revision they report active",
            labels=["fleet", "revision"],
        ),
        GaugeMetricFamily(
            "kaizen_policy_nodes_drifted", "Nodes running another revision than desired",
            labels=["fleet"],
        ),
        CounterMetricFamily(
            "kaizen_policy_rollouts", "Policy rollouts by how they ended",
            labels=["fleet", "mode", "outcome"],
        ),
        HistogramMetricFamily(
            "kaizen_policy_rollout_convergence_ms",
            "Switch to every node active on the new revision, for activated rollouts",
            labels=["fleet"],
        ),
        HistogramMetricFamily(
            "kaizen_policy_rollout_disagreement_ms",
            "How long nodes of a fleet disagreed during a rollout (or its rollback)",
            labels=["fleet"],
        ),
        CounterMetricFamily(
            "kaizen_policy_preview_flips",
            "Recorded decisions a rollout's preview found the new version decides otherwise",
            labels=["fleet", "flip"],
        ),
    )  # fmt: skip


def _read(
    session: Session,
    tenant: str,
    nodes: GaugeMetricFamily,
    drifted: GaugeMetricFamily,
    rollouts: CounterMetricFamily,
    convergence: HistogramMetricFamily,
    disagreement: HistogramMetricFamily,
    flips: CounterMetricFamily,
) -> None:
    by_revision: dict[tuple[str, str], int] = {}
    drifting: dict[str, int] = {}
    for node in session.exec(select(PolicyNodeRow).where(PolicyNodeRow.tenant == tenant)):
        at = (node.fleet, node.active_revision)
        by_revision[at] = by_revision.get(at, 0) + 1
        drifting[node.fleet] = drifting.get(node.fleet, 0) + (1 if node.drift_since else 0)
    for (fleet, revision), count in sorted(by_revision.items()):
        nodes.add_metric([fleet, revision], float(count))
    for fleet, count in sorted(drifting.items()):
        drifted.add_metric([fleet], float(count))
    ended = list(
        session.exec(
            select(PolicyRolloutRow)
            .where(PolicyRolloutRow.tenant == tenant)
            .order_by(col(PolicyRolloutRow.id))
        )
    )
    outcomes: dict[tuple[str, str, str], int] = {}
    converged: dict[str, list[float]] = {}
    windows: dict[str, list[float]] = {}
    flipped: dict[tuple[str, str], int] = {}
    for row in ended:
        outcome = (row.fleet, row.mode, row.outcome)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if row.outcome == "activated":
            converged.setdefault(row.fleet, []).append(row.convergence_ms)
        if row.disagreement_ms > 0:
            windows.setdefault(row.fleet, []).append(row.disagreement_ms)
        for flip, count in (("allow_to_deny", row.preview_allow_to_deny),
                            ("deny_to_allow", row.preview_deny_to_allow),
                            ("changed", row.preview_changed)):  # fmt: skip
            flipped[(row.fleet, flip)] = flipped.get((row.fleet, flip), 0) + count
    for labels, count in sorted(outcomes.items()):
        rollouts.add_metric(list(labels), float(count))
    for fleet, values in sorted(converged.items()):
        _histogram(convergence, fleet, values)
    for fleet, values in sorted(windows.items()):
        _histogram(disagreement, fleet, values)
    for flip_labels, count in sorted(flipped.items()):
        flips.add_metric(list(flip_labels), float(count))


def _histogram(family: HistogramMetricFamily, fleet: str, values: Sequence[float]) -> None:
    buckets = [(str(b), float(sum(1 for v in values if v <= b))) for b in MILLISECOND_BUCKETS]
    family.add_metric([fleet], buckets + [("+Inf", float(len(values)))], float(sum(values)))


FLEET: Final = FleetCollector()
REGISTRY.register(FLEET)
