"""The traffic table: what each version of a demo pod does (``deploy/local/traffic.toml``).

A pod's behaviour is its annotation :data:`BEHAVIOUR_ANNOTATION` when that names one, else
the first version rule whose pattern matches its image tag, else the table's default. A
mistake in the file stops the simulator at start, naming the file and the field.
"""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_TABLE: Final = Path(__file__).resolve().parents[2] / "deploy" / "local" / "traffic.toml"
BEHAVIOUR_ANNOTATION: Final = "demo.kaizen.dev/behaviour"


class TrafficTableError(ValueError):
    """The table is wrong; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Behaviour(_Strict):
    """What a pod of one version does."""

    name: str = ""
    """The behaviour's key in the table (filled in at load)."""
    error_ratio: float = Field(ge=0, le=1)
    """Share of requests answered 500."""
    latency_median_seconds: float = Field(gt=0)
    latency_p95_seconds: float = Field(gt=0)
    """Latency is log-normal through these two points (before load adds to it)."""
    release: str = Field(min_length=1)
    """The image tag ``kaizen demo break --mode <name>`` deploys."""
    memory_climb_seconds: float | None = Field(default=None, gt=0)
    """The working set climbs to the memory limit in this long; then the container is
    OOMKilled and restarted after the kubelet's back-off."""
    crash_after_seconds: float | None = Field(default=None, gt=0)
    """The container exits with an error after this long and waits out the back-off."""

    @model_validator(mode="after")
    def _p95_above_median(self) -> Behaviour:
        if self.latency_p95_seconds <= self.latency_median_seconds:
            raise ValueError("latency_p95_seconds must be above latency_median_seconds")
        return self


class Service(_Strict):
    requests_per_second: float = Field(ge=0)
    """Requests the Service (an ``app`` label in a namespace) receives in total, split
    evenly over its serving pods: a canary's pods carry the app label and take a share."""


class Load(_Strict):
    """How requests turn into CPU, memory and queueing."""

    cpu_seconds_per_request: float = Field(ge=0)
    idle_cpu_cores: float = Field(ge=0)
    memory_at_rest_ratio: float = Field(gt=0, lt=1)
    """Working set of a container at rest, as a share of its memory limit."""
    saturation_from: float = Field(gt=0, lt=1)
    """CPU utilisation (of the limit) above which requests queue and get slower."""
    default_cpu_limit_cores: float = Field(gt=0)
    default_memory_limit_bytes: int = Field(gt=0)
    default_requests_per_second: float = Field(default=5.0, ge=0)
    """Traffic of a Deployment the table does not list."""


class VersionRule(_Strict):
    tags: list[str] = Field(min_length=1)
    """Shell-style patterns of image tags, e.g. ``*-bad``."""
    behaviour: str


class TrafficTable(_Strict):
    default_behaviour: str
    services: dict[str, Service] = {}
    load: Load
    behaviours: dict[str, Behaviour]
    versions: list[VersionRule] = []

    @model_validator(mode="after")
    def _names_exist(self) -> TrafficTable:
        known = set(self.behaviours)
        named = [("default_behaviour", self.default_behaviour)] + [
            (f"versions.{i}.behaviour", rule.behaviour) for i, rule in enumerate(self.versions)
        ]
        for field, name in named:
            if name not in known:
                raise ValueError(f"{field}: no behaviour {name!r}; known: {', '.join(known)}")
        return self

    def behaviour_for(self, image_tag: str, annotations: Mapping[str, str]) -> Behaviour:
        """The behaviour of a pod running ``image_tag`` with these annotations."""
        chosen = annotations.get(BEHAVIOUR_ANNOTATION, "")
        if chosen in self.behaviours:
            return self.behaviours[chosen]
        for rule in self.versions:
            if any(fnmatch.fnmatchcase(image_tag, pattern) for pattern in rule.tags):
                return self.behaviours[rule.behaviour]
        return self.behaviours[self.default_behaviour]

    def requests_per_second(self, workload: str) -> float:
        service = self.services.get(workload)
        return service.requests_per_second if service else self.load.default_requests_per_second


def load_table(path: Path = DEFAULT_TABLE) -> TrafficTable:
    """Read and validate the table; every mistake names the file and the field."""
    try:
        raw = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise TrafficTableError(f"{path}: {error}") from error
    behaviours = raw.get("behaviours")
    if isinstance(behaviours, dict):
        for name, fields in behaviours.items():
            if isinstance(fields, dict):
                fields.setdefault("name", name)
    try:
        return TrafficTable.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise TrafficTableError(f"{path}: {problems}") from error


def image_tag(image: str) -> str:
    """``registry.local:5000/demo/web:2.0-bad`` → ``2.0-bad``; no tag is ``latest``."""
    last = image.rsplit("/", 1)[-1].split("@", 1)[0]
    return last.split(":", 1)[1] if ":" in last else "latest"
