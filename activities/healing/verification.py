"""One verification check: the playbook's signal in Prometheus and the workload's health.

The workflow calls this repeatedly (durable timers between checks) until the
required passes arrive or the verification timeout ends; each call is a
single, side-effect-free read, so retries are harmless.
"""

from __future__ import annotations

import asyncio
import math

from temporalio import activity

from activities.kubernetes.actions import KubernetesActivities
from activities.prometheus.client import PrometheusClient, PrometheusQueryError
from kaizen.v1.healing_pb2 import VerificationCheck, VerificationRequest


class VerificationActivities:
    def __init__(
        self, kube: KubernetesActivities | None, prometheus: PrometheusClient | None
    ) -> None:
        self._kube = kube
        self._prometheus = prometheus

    @activity.defn
    async def verify_fix(self, request: VerificationRequest) -> VerificationCheck:
        """Pass when the rollout is complete and healthy and the signal is below its bound."""
        check = VerificationCheck(method="workload_health")
        problems: list[str] = []
        if self._kube is not None:
            health = await asyncio.to_thread(self._kube.health, request.workload)
            check.health.CopyFrom(health)
            if not health.healthy:
                problems.append(f"workload not healthy: {health.summary}")
        if request.spec.query and self._prometheus is not None:
            check.method = "prometheus"
            check.query = request.spec.query
            problems.extend(await self._signal(request, check))
        elif self._kube is None:
            problems.append("neither a cluster nor Prometheus is configured: nothing to verify")
        check.passed = not problems
        check.summary = "; ".join(problems) if problems else _healthy(request, check)
        return check

    async def _signal(self, request: VerificationRequest, check: VerificationCheck) -> list[str]:
        assert self._prometheus is not None
        try:
            samples = await self._prometheus.query(request.spec.query)
        except PrometheusQueryError as error:
            if error.retryable:
                raise
            return [f"verification query failed: {error}"]
        values = [s.value for s in samples if not math.isnan(s.value)]
        if not values:
            return ["the verification query returned no data"]
        check.has_value = True
        check.value = max(values)
        if check.value >= request.spec.healthy_below:
            return [f"signal {check.value:.3g} is not below {request.spec.healthy_below:g}"]
        return []


def _healthy(request: VerificationRequest, check: VerificationCheck) -> str:
    parts = []
    if check.HasField("health"):
        parts.append(check.health.summary)
    if check.has_value:
        parts.append(f"signal {check.value:.3g} < {request.spec.healthy_below:g}")
    return "healthy: " + ", ".join(parts)
