"""When a Deployment is in distress: what a sweep starts a healing run for.

Deterministic, from the health the list activity read. A Deployment mid-rollout is
not healthy yet, but it is not in distress either: a sweep every few minutes would
otherwise start a healing run for every ordinary deploy. Distress is what the
Deployment controller itself calls trouble (the Available condition False: fewer
pods than the rollout strategy's minimum; Progressing False: the rollout's deadline
passed) and containers crash-looping right now (not restarts long past).
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from kaizen.v1.kubernetes_pb2 import WorkloadHealth


@dataclass(frozen=True)
class Distress:
    symptom: str
    """The healing run's symptom; diagnosis classifies it like an alert's name."""
    why: str


def distress(health: WorkloadHealth) -> Distress | None:
    """The worst trouble ``health`` shows, or None when there is none to heal."""
    if health.crash_looping > 0:
        return Distress(
            "CrashLooping",
            f"{health.crash_looping} container(s) in CrashLoopBackOff ({health.summary})",
        )
    if health.progress_deadline_exceeded:
        return Distress(
            "RolloutStuck",
            f"the rollout stopped progressing: its deadline passed ({health.summary})",
        )
    if health.below_minimum_availability:
        return Distress(
            "ReplicasUnavailable",
            f"fewer pods available than the Deployment's minimum ({health.summary})",
        )
    return None


def calm(health: WorkloadHealth) -> str:
    """Why a Deployment without distress is left alone."""
    if health.healthy:
        return f"healthy: {health.summary}"
    return f"not in distress (rolling out or settling): {health.summary}"
