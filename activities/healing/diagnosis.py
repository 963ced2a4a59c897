"""Diagnosis: what is wrong with the service, with the evidence for it.

This first version classifies the symptom the alert named. Workload state from
Kubernetes and metric evidence from Prometheus join the evidence when those
clients are wired in; the result always says which sources were consulted.
"""

from __future__ import annotations

import re
from typing import Final

from google.protobuf.struct_pb2 import Struct
from temporalio import activity

from kaizen.v1.common_pb2 import Severity
from kaizen.v1.healing_pb2 import Diagnosis, HealingRequest

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


def classify(symptom: str) -> str:
    for pattern, category in SYMPTOM_CATEGORIES:
        if pattern.search(symptom):
            return category
    return "unknown"


class DiagnosisActivities:
    @activity.defn
    async def diagnose(self, request: HealingRequest) -> Diagnosis:
        """Classify the symptom and gather the evidence available to this deployment."""
        category = classify(request.symptom)
        evidence = Struct()
        evidence.update(
            {
                "symptom": request.symptom,
                "severity": Severity.Name(request.severity).removeprefix("SEVERITY_").lower(),
                "sources": ["symptom"],
            }
        )
        return Diagnosis(
            summary=f"{request.service} in {request.namespace}: {request.symptom} "
            f"classified as {category}",
            category=category,
            evidence=evidence,
        )
