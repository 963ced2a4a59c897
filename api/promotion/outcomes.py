"""Promotion outcomes as Prometheus metrics, read from the outcomes table at scrape time.

Workers in any process write one row per ended promotion (``record_promotion_outcome``);
counting in the API process would miss them, so every scrape reads the table, as the
healing metrics read the learning log. The collector registers once per process and
reads the database of the most recently started app.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from typing import Final

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from kaizen.persistence.promotion_outcomes import outcomes

log = logging.getLogger("kaizen.api")


class PromotionOutcomesCollector(Collector):
    """Promotions by outcome, gate denials by reason, analyses by result; per environment."""

    def __init__(self) -> None:
        self._sources: list[tuple[Engine, str]] = []

    def attach(self, engine: Engine, tenant: str) -> None:
        self._sources.append((engine, tenant))

    def detach(self, engine: Engine) -> None:
        self._sources = [(e, t) for e, t in self._sources if e is not engine]

    def describe(self) -> Iterator[Metric]:
        yield from _families()

    def collect(self) -> Iterator[Metric]:
        runs, denials, analyses = _families()
        if self._sources:
            engine, tenant = self._sources[-1]
            try:
                _read(engine, tenant, runs, denials, analyses)
            except SQLAlchemyError as error:
                log.warning("promotion metrics: cannot read the outcomes: %s", error)
                runs, denials, analyses = _families()
        yield from (runs, denials, analyses)


def _families() -> tuple[CounterMetricFamily, CounterMetricFamily, CounterMetricFamily]:
    return (
        CounterMetricFamily(
            "kaizen_promotions",
            "Ended promotions by environment and outcome (promoted, blocked, rejected, "
            "rolled_back, aborted, cancelled)",
            labels=["environment", "outcome"],
        ),
        CounterMetricFamily(
            "kaizen_promotion_gate_denials",
            "Promotions whose gate denied them for a reason at least once, by environment and "
            "reason (missing_evidence, latency, approvals, soak …)",
            labels=["environment", "reason"],
        ),
        CounterMetricFamily(
            "kaizen_promotion_analyses",
            "Analyses of ended promotions by environment, kind (step, background, "
            "verification) and result (successful, failed, inconclusive, error)",
            labels=["environment", "kind", "result"],
        ),
    )


def _read(
    engine: Engine,
    tenant: str,
    runs: CounterMetricFamily,
    denials: CounterMetricFamily,
    analyses: CounterMetricFamily,
) -> None:
    by_outcome: Counter[tuple[str, str]] = Counter()
    by_reason: Counter[tuple[str, str]] = Counter()
    by_result: Counter[tuple[str, str, str]] = Counter()
    with Session(engine) as session:
        for row in outcomes(session, tenant):
            by_outcome[(row.environment, row.outcome)] += 1
            for code in row.deny_codes():
                by_reason[(row.environment, code)] += 1
            for analysis in row.analyses():
                kind, _, result = analysis.partition(":")
                by_result[(row.environment, kind, result)] += 1
    for labels, total in sorted(by_outcome.items()):
        runs.add_metric(list(labels), float(total))
    for labels, total in sorted(by_reason.items()):
        denials.add_metric(list(labels), float(total))
    for result_labels, total in sorted(by_result.items()):
        analyses.add_metric(list(result_labels), float(total))


COLLECTOR: Final = PromotionOutcomesCollector()
REGISTRY.register(COLLECTOR)
