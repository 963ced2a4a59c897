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
from kaizen.v1.healing_pb2 import VerificationCheck, VerificationRequest, VerificationSpec


def nothing_to_verify_with(
    kube: KubernetesActivities | None, prometheus: PrometheusClient | None, spec: VerificationSpec
) -> str:
    """Why no check of ``spec`` could ever pass on this worker; empty when one can.

    The workload's health needs a cluster; the playbook's signal needs Prometheus and a
    query. Planning asks this up front, so a run never waits out a verification that
    cannot succeed.
    """
    if kube is not None or (spec.query and prometheus is not None):
        return ""
    if prometheus is None:
        return "neither a cluster nor Prometheus is configured: nothing to verify with"
    return (
        "no cluster is configured and the diagnosis has no Prometheus signal: "
        "nothing to verify with"
    )


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
            problems.append(nothing_to_verify_with(self._kube, self._prometheus, request.spec))
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
