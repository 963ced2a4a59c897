"""Prometheus metrics of promotions, exported on the API's /metrics.

Counted where the event happens in the API (builds, evidence, starts, controls); the
outcome of each run and the gate's denials by reason are counted when the API reads
an ended promotion (GET /v1/promotions/{id}) — once per run — see api/promotion/outcomes.py.
"""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter

BUILDS_REGISTERED: Final = Counter("kaizen_builds_registered_total", "Builds registered by CI")
EVIDENCE_ITEMS: Final = Counter(
    "kaizen_build_evidence_total", "Evidence appended to builds, by part", ["part"]
)
PROMOTIONS_STARTED: Final = Counter(
    "kaizen_promotions_started_total",
    "Promotions started or joined, by environment",
    ["environment", "joined"],
)
PROMOTION_CONTROLS: Final = Counter(
    "kaizen_promotion_controls_total",
    "Operator controls sent to running promotions, by action and outcome",
    ["action", "outcome"],
)
