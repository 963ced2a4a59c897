"""Which playbook answers which diagnosis (static order until learning has history)."""

from __future__ import annotations

from typing import Final

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from google.protobuf.struct_pb2 import Struct

    from kaizen.v1.healing_pb2 import Diagnosis, HealingRequest, ProposedAction

# category -> (playbook, Kubernetes action, parameters)
_STATIC_CHOICE: Final[dict[str, tuple[str, str, dict[str, float | str]]]] = {
    "crash_loop": ("restart", "rollout_restart", {}),
    "memory_pressure": ("raise_resources", "set_resources", {"memory_factor": 1.5}),
    "cpu_saturation": ("scale_out", "scale", {"replicas_delta": 1}),
    "latency": ("scale_out", "scale", {"replicas_delta": 1}),
    "error_rate": ("restart", "rollout_restart", {}),
    "bad_rollout": ("rollback", "rollback", {}),
    "unavailable": ("restart", "rollout_restart", {}),
}


def choose_playbook(request: HealingRequest, diagnosis: Diagnosis) -> ProposedAction:
    playbook, action, parameters = _STATIC_CHOICE.get(
        diagnosis.category, ("observe", "observe", {})
    )
    params = Struct()
    params.update(parameters)
    return ProposedAction(
        playbook=playbook,
        action=action,
        parameters=params,
        summary=f"{playbook} {request.namespace}/{request.service} ({diagnosis.category})",
    )
