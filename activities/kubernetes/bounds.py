"""The one whitelist of Kubernetes actions and their bounds, checked before any API call."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from temporalio.exceptions import ApplicationError

from activities.refusals import refusal

OUT_OF_BOUNDS: Final = "KubeActionOutOfBounds"

MAX_REPLICAS: Final = 50
MAX_SCALE_STEP: Final = 10
# Resource quantities Kaizen may set, in millicores and MiB.
CPU_MILLI_RANGE: Final = (10, 8000)
MEMORY_MIB_RANGE: Final = (16, 32768)
IMAGE: Final = re.compile(r"^[a-z0-9][a-z0-9._/:-]{0,254}(@sha256:[a-f0-9]{64})?$")
CONTAINER: Final = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def refuse(message: str) -> ApplicationError:
    return refusal(message, type=OUT_OF_BOUNDS)


def _int(params: Mapping[str, Any], name: str) -> int:
    value = params.get(name)
    if not isinstance(value, int | float) or int(value) != value:
        raise refuse(f"{name} must be a whole number")
    return int(value)


def _check_scale(params: Mapping[str, Any]) -> None:
    replicas = _int(params, "replicas")
    if not 1 <= replicas <= MAX_REPLICAS:
        raise refuse(f"replicas must be between 1 and {MAX_REPLICAS}, not {replicas}")


def cpu_milli(text: str) -> int:
    match = re.fullmatch(r"(\d+)(m?)", text)
    if not match:
        raise refuse(f"cpu {text!r} must look like 250m or 2")
    number = int(match.group(1))
    return number if match.group(2) else number * 1000


def memory_mib(text: str) -> int:
    match = re.fullmatch(r"(\d+)(Mi|Gi)", text)
    if not match:
        raise refuse(f"memory {text!r} must look like 256Mi or 1Gi")
    number = int(match.group(1))
    return number if match.group(2) == "Mi" else number * 1024


def _check_resources(params: Mapping[str, Any]) -> None:
    container = params.get("container")
    if not isinstance(container, str) or not CONTAINER.fullmatch(container):
        raise refuse("container must name a container of the Deployment")
    seen = False
    for kind in ("requests", "limits"):
        values = params.get(kind) or {}
        if not isinstance(values, Mapping):
            raise refuse(f"{kind} must be an object of cpu and memory")
        for resource, quantity in values.items():
            seen = True
            if resource == "cpu":
                low, high = CPU_MILLI_RANGE
                if not low <= cpu_milli(str(quantity)) <= high:
                    raise refuse(f"{kind}.cpu must be between {low}m and {high}m")
            elif resource == "memory":
                low, high = MEMORY_MIB_RANGE
                if not low <= memory_mib(str(quantity)) <= high:
                    raise refuse(f"{kind}.memory must be between {low}Mi and {high}Mi")
            else:
                raise refuse(f"{kind}.{resource} is not a resource Kaizen sets")
    if not seen:
        raise refuse("set_resources needs requests or limits")


def _check_image(params: Mapping[str, Any]) -> None:
    container = params.get("container")
    image = params.get("image")
    if not isinstance(container, str) or not CONTAINER.fullmatch(container):
        raise refuse("container must name a container of the Deployment")
    if not isinstance(image, str) or not IMAGE.fullmatch(image):
        raise refuse("image must be a valid image reference")


def _no_parameters(params: Mapping[str, Any]) -> None:
    if params:
        raise refuse(f"this action takes no parameters, got {', '.join(sorted(params))}")


CANARY_SUFFIX: Final = "-canary"


def _check_track_scale(params: Mapping[str, Any]) -> None:
    """A canary or a stable Deployment during a rollout may go down to 0 replicas."""
    replicas = _int(params, "replicas")
    if not 0 <= replicas <= MAX_REPLICAS:
        raise refuse(f"replicas must be between 0 and {MAX_REPLICAS}, not {replicas}")


def _check_canary_create(params: Mapping[str, Any]) -> None:
    _check_image(params)
    _check_track_scale(params)
    canary, stable = params.get("canary"), params.get("stable")
    if not isinstance(stable, str) or not CONTAINER.fullmatch(stable):
        raise refuse("stable must name the stable Deployment")
    if canary != f"{stable}{CANARY_SUFFIX}":
        raise refuse(f"a canary of {stable} is named {stable}{CANARY_SUFFIX}, not {canary!r}")


def _check_promote(params: Mapping[str, Any]) -> None:
    _check_image(params)
    _check_track_scale(params)  # a Deployment scaled to zero may take a new image too


@dataclass(frozen=True)
class ActionSpec:
    name: str
    check: Callable[[Mapping[str, Any]], None]
    risk: str


ACTIONS: Final[dict[str, ActionSpec]] = {
    spec.name: spec
    for spec in (
        ActionSpec("scale", _check_scale, "low"),
        ActionSpec("rollout_restart", _no_parameters, "low"),
        ActionSpec("rollback", _no_parameters, "medium"),
        ActionSpec("set_resources", _check_resources, "medium"),
        ActionSpec("set_image", _check_image, "high"),
        # A promotion's canary rollout (activities/kubernetes/canary.py).
        ActionSpec("canary_create", _check_canary_create, "high"),
        ActionSpec("canary_scale", _check_track_scale, "medium"),
        ActionSpec("canary_delete", _no_parameters, "medium"),
        ActionSpec("stable_scale", _check_track_scale, "medium"),
        ActionSpec("stable_promote", _check_promote, "high"),
        ActionSpec("stable_restore", _check_scale, "medium"),
    )
}


def check_action(action: str, params: Mapping[str, Any]) -> ActionSpec:
    """The spec of a whitelisted action whose parameters are within bounds; raises otherwise."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise refuse(f"action {action!r} is not whitelisted; allowed: {', '.join(ACTIONS)}")
    spec.check(params)
    return spec


def check_scale_step(current: int, target: int) -> None:
    """Scaling moves by at most MAX_SCALE_STEP replicas at a time."""
    if abs(target - current) > MAX_SCALE_STEP:
        raise refuse(
            f"scaling from {current} to {target} exceeds the step of {MAX_SCALE_STEP} replicas"
        )
