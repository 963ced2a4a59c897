"""Turn a playbook into concrete Kubernetes actions against the live Deployment.

Resolution reads the object as it is now (replicas, resources, revision), so
the forward steps and the rollback that undoes them are computed from the same
snapshot: a rollback restores what was there, not a guess.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from google.protobuf.struct_pb2 import Struct
from temporalio.exceptions import ApplicationError

from activities.kubernetes.bounds import (
    MAX_REPLICAS,
    OUT_OF_BOUNDS,
    cpu_milli,
    memory_mib,
)
from activities.refusals import refusal
from kaizen.catalog.playbooks import Playbook
from kaizen.v1.kubernetes_pb2 import KubeActionRequest, WorkloadRef


def _request(ref: WorkloadRef, action: str, parameters: Mapping[str, Any]) -> KubeActionRequest:
    struct = Struct()
    struct.update(dict(parameters))
    return KubeActionRequest(workload=ref, action=action, parameters=struct)


def _refuse(message: str) -> ApplicationError:
    return refusal(message, type=OUT_OF_BOUNDS)


def resolve_steps(
    playbook: Playbook, params: Mapping[str, Any], ref: WorkloadRef, deployment: Any
) -> tuple[list[KubeActionRequest], list[KubeActionRequest], str]:
    """(forward steps, rollback steps, a one-line summary) for ``deployment`` as it is now."""
    steps: list[KubeActionRequest] = []
    undo: list[KubeActionRequest] = []
    said: list[str] = []
    for kind in playbook.steps:
        if kind == "rollout_restart":
            steps.append(_request(ref, "rollout_restart", {}))
            said.append("rolling restart")
        elif kind == "rollback":
            steps.append(_request(ref, "rollback", {}))
            said.append("roll back to the previous revision")
        elif kind == "scale_by":
            current = int(deployment.spec.replicas or 0)
            target = min(current + int(params["replicas_delta"]), MAX_REPLICAS)
            if target == current:
                raise _refuse(f"already at the ceiling of {MAX_REPLICAS} replicas")
            steps.append(_request(ref, "scale", {"replicas": target}))
            undo.append(_request(ref, "scale", {"replicas": max(current, 1)}))
            said.append(f"scale {current} -> {target} replicas")
        elif kind == "scale_resources":
            forward, back, what = _resources(params, deployment)
            steps.append(_request(ref, "set_resources", forward))
            undo.append(_request(ref, "set_resources", back))
            said.append(what)
    if playbook.rollback == "previous_revision" and steps:
        undo = [_request(ref, "rollback", {})]
    summary = "; ".join(said) if said else "no change: observe only"
    return steps, list(reversed(undo)), summary


def _resources(
    params: Mapping[str, Any], deployment: Any
) -> tuple[dict[str, Any], dict[str, Any], str]:
    containers = deployment.spec.template.spec.containers
    name = params.get("container") or containers[0].name
    matching = [c for c in containers if c.name == name]
    if not matching:
        raise _refuse(f"deployment has no container {name!r}")
    resources = matching[0].resources
    factor = float(params["factor"])
    forward: dict[str, Any] = {"container": name}
    back: dict[str, Any] = {"container": name}
    for kind in ("requests", "limits"):
        current = dict(getattr(resources, kind, None) or {}) if resources else {}
        raised: dict[str, str] = {}
        for resource, quantity in current.items():
            if resource == "cpu":
                raised["cpu"] = f"{math.ceil(cpu_milli(str(quantity)) * factor)}m"
            elif resource == "memory":
                raised["memory"] = f"{math.ceil(memory_mib(str(quantity)) * factor)}Mi"
        if raised:
            forward[kind] = raised
            back[kind] = {k: str(current[k]) for k in raised}
    if len(forward) == 1:
        raise _refuse(f"container {name!r} sets no cpu or memory to raise")
    return forward, back, f"raise {name} resources x{factor:g}"
