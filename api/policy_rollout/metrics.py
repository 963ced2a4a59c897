"""Prometheus metrics of policy rollouts, exported on the API's /metrics."""

from __future__ import annotations

from typing import Final

from prometheus_client import Counter

VERSIONS_PUBLISHED: Final = Counter(
    "kaizen_policy_versions_published_total", "Policy versions published, by bundle", ["bundle"]
)
