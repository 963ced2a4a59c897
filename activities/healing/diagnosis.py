"""Diagnosis: what is wrong with the service, with the evidence for it.

Three sources, each optional beyond the first: the symptom the trigger named,
the workload's state in Kubernetes (availability, restarts, rollout), and the
service's signals in Prometheus (error rate, latency, saturation, memory). The
result always says which sources were consulted, and a source that could not
be read is recorded as such rather than silently skipped.
"""

from __future__ import annotations

import asyncio
import math
import re
from typing import Any, Final

from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.kubernetes.actions import KubernetesActivities
from activities.prometheus.client import PrometheusClient, PrometheusQueryError
from kaizen.catalog.playbooks import Catalog
from kaizen.v1.common_pb2 import Severity
from kaizen.v1.healing_pb2 import Diagnosis, HealingRequest, MetricReading
from kaizen.v1.kubernetes_pb2 import WorkloadHealth, WorkloadRef

# Ordered: the first pattern that matches the symptom names the category.
SYMPTOM_CATEGORIES: Final = (
    (re.compile(r"crash|backoff|restart", re.I), "crash_loop"),
    (re.compile(r"oom|memory", re.I), "memory_pressure"),
    (re.compile(r"cpu|throttl|saturat", re.I), "cpu_saturation"),
    (re.compile(r"latency|slow|p9\d", re.I), "latency"),
    (re.compile(r"error|5xx|fail", re.I), "error_rate"),
    (re.compile(r"deploy|rollout|version", re.I), "bad_rollout"),
    (re.compile(r"replica|unavailable|down", re.I), "unavailable"),
)
# A breached signal names the category when the symptom did not.
SIGNAL_CATEGORY: Final = {
    "error_rate": "error_rate",
    "latency": "latency",
    "saturation": "cpu_saturation",
    "memory": "memory_pressure",
}
CRASH_LOOP_RESTARTS: Final = 3


def classify(symptom: str) -> str:
    for pattern, category in SYMPTOM_CATEGORIES:
        if pattern.search(symptom):
            return category
    return "unknown"


def refine(category: str, health: WorkloadHealth | None, metrics: list[MetricReading]) -> str:
    """Let the workload's state and breached signals sharpen the symptom's category."""
    if health is not None:
        if health.restarts >= CRASH_LOOP_RESTARTS and category in (
            "unknown", "unavailable", "error_rate",
        ):  # fmt: skip
            return "crash_loop"
        if category == "unknown" and not health.rollout_complete:
            return "bad_rollout"
        if category == "unknown" and health.available_replicas < health.desired_replicas:
            return "unavailable"
    if category == "unknown":
        for reading in metrics:
            if reading.breached:
                return SIGNAL_CATEGORY.get(reading.signal, category)
    return category


class DiagnosisActivities:
    def __init__(
        self,
        catalog: Catalog,
        kube: KubernetesActivities | None,
        prometheus: PrometheusClient | None,
    ) -> None:
        self._catalog = catalog
        self._kube = kube
        self._prometheus = prometheus

    @activity.defn
    async def diagnose(self, request: HealingRequest) -> Diagnosis:
        """Classify the symptom and gather the evidence this deployment can reach."""
        ref = WorkloadRef(namespace=request.namespace, name=request.service)
        evidence: dict[str, Any] = {
            "symptom": request.symptom,
            "severity": Severity.Name(request.severity).removeprefix("SEVERITY_").lower(),
        }
        sources = ["symptom"]
        if request.HasField("evidence"):
            evidence["request"] = MessageToDict(request.evidence)
            sources.append("request")
        health = await self._workload(ref, evidence, sources)
        metrics = await self._signals(request, sources)
        category = refine(classify(request.symptom), health, metrics)
        struct = Struct()
        struct.update(evidence)
        diagnosis = Diagnosis(
            summary=_summary(request, category, health, metrics),
            category=category,
            evidence=struct,
            sources=sources,
            metrics=metrics,
        )
        if health is not None:
            diagnosis.workload.CopyFrom(health)
        return diagnosis

    async def _workload(
        self, ref: WorkloadRef, evidence: dict[str, Any], sources: list[str]
    ) -> WorkloadHealth | None:
        if self._kube is None:
            evidence["kubernetes"] = "no cluster configured"
            return None
        try:
            health = await asyncio.to_thread(self._kube.health, ref)
        except ApplicationError as error:
            if not error.non_retryable:
                raise  # transient: let Temporal retry the diagnosis
            evidence["kubernetes"] = f"could not read the workload: {error.message}"
            return None
        sources.append("kubernetes")
        return health

    async def _signals(self, request: HealingRequest, sources: list[str]) -> list[MetricReading]:
        if self._prometheus is None:
            return []
        readings = [
            await self._read(name, signal.for_workload(request.namespace, request.service),
                             signal.healthy_below)
            for name, signal in self._catalog.signals.items()
        ]  # fmt: skip
        sources.append("prometheus")
        return readings

    async def _read(self, name: str, query: str, healthy_below: float) -> MetricReading:
        assert self._prometheus is not None
        reading = MetricReading(signal=name, query=query, healthy_below=healthy_below)
        try:
            samples = await self._prometheus.query(query)
        except PrometheusQueryError as error:
            if error.retryable:
                raise
            reading.error = str(error)
            return reading
        values = [s.value for s in samples if not math.isnan(s.value)]
        if values:
            reading.present = True
            reading.value = max(values)
            reading.breached = reading.value >= healthy_below
        return reading


def _summary(
    request: HealingRequest,
    category: str,
    health: WorkloadHealth | None,
    metrics: list[MetricReading],
) -> str:
    parts = [f"{request.namespace}/{request.service}: {request.symptom} -> {category}"]
    if health is not None:
        parts.append(health.summary)
    breached = [f"{m.signal} {m.value:.3g} >= {m.healthy_below:g}" for m in metrics if m.breached]
    if breached:
        parts.append("breached: " + ", ".join(breached))
    return "; ".join(parts)
