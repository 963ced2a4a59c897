"""Load, validate and query the healing playbook catalog.

The catalog is data in the repository, versioned like code. It is read by
activities (planning, verification) and by the API (to refuse an unknown
playbook or bad parameters with a 422 before a run starts), never by workflow
code, so editing it cannot break the replay of a running workflow.
"""

from __future__ import annotations

import math
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

DEFAULT_DIR: Final = Path(__file__).resolve().parents[2] / "playbooks" / "healing"
RISKS: Final = ("low", "medium", "high", "critical")

StepKind = Literal["rollout_restart", "scale_by", "rollback", "scale_resources"]
RollbackKind = Literal["none", "previous_revision", "restore_replicas", "restore_resources"]


class CatalogError(ValueError):
    """The catalog files are wrong; raised at load time, naming the file and field."""


class ParameterError(ValueError):
    """A request's playbook parameters are wrong; ``field`` names the offending one."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ParameterSpec(_Strict):
    type: Literal["integer", "number", "string"]
    default: int | float | str
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""


class VerificationPolicy(_Strict):
    timeout_seconds: Annotated[int, Field(ge=10, le=3600)]
    interval_seconds: Annotated[int, Field(ge=1, le=300)]
    settle_seconds: Annotated[int, Field(ge=0, le=600)] = 0
    passes_required: Annotated[int, Field(ge=1, le=10)] = 1


class Playbook(_Strict):
    name: str
    version: Annotated[int, Field(ge=1)]
    title: str
    description: str
    risk: Literal["low", "medium", "high", "critical"]
    steps: list[StepKind]
    rollback: RollbackKind
    parameters: dict[str, ParameterSpec] = {}
    verification: VerificationPolicy

    def resolve_parameters(self, given: dict[str, Any]) -> dict[str, Any]:
        """Defaults filled in and every value checked against its schema and bounds."""
        unknown = sorted(set(given) - set(self.parameters))
        if unknown:
            known = ", ".join(sorted(self.parameters)) or "none"
            raise ParameterError(
                f"parameters.{unknown[0]}",
                f"playbook {self.name} has no parameter {unknown[0]!r} (it takes: {known})",
            )
        resolved: dict[str, Any] = {}
        for name, spec in self.parameters.items():
            value = given.get(name, spec.default)
            resolved[name] = _check_parameter(f"parameters.{name}", spec, value)
        return resolved


class Signal(_Strict):
    query: str
    healthy_below: float

    def for_workload(self, namespace: str, service: str) -> str:
        return self.query.replace("$namespace", namespace).replace("$service", service)


class Catalog(_Strict):
    version: int
    order: dict[str, list[str]]
    signals: dict[str, Signal]
    signal_for: dict[str, str]
    playbooks: dict[str, Playbook]

    @model_validator(mode="after")
    def _references_resolve(self) -> Catalog:
        for diagnosis, names in self.order.items():
            for name in names:
                if name not in self.playbooks:
                    raise ValueError(f"order.{diagnosis} names unknown playbook {name!r}")
        for diagnosis, signal in self.signal_for.items():
            if signal not in self.signals:
                raise ValueError(f"signal_for.{diagnosis} names unknown signal {signal!r}")
        if "unknown" not in self.order:
            raise ValueError("order.unknown is required: the choice for an unclassified symptom")
        return self

    def candidates(self, diagnosis: str) -> list[Playbook]:
        """The playbooks that answer ``diagnosis``, in the catalog's static order."""
        names = self.order.get(diagnosis) or self.order["unknown"]
        return [self.playbooks[name] for name in names]

    def playbook(self, name: str) -> Playbook:
        if name not in self.playbooks:
            known = ", ".join(sorted(self.playbooks))
            raise ParameterError("playbook", f"unknown playbook {name!r}; known: {known}")
        return self.playbooks[name]

    def signal(self, diagnosis: str) -> Signal | None:
        name = self.signal_for.get(diagnosis)
        return self.signals[name] if name else None


def _check_parameter(field: str, spec: ParameterSpec, value: Any) -> Any:
    if spec.type == "string":
        if not isinstance(value, str):
            raise ParameterError(field, f"{field} must be a string")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ParameterError(field, f"{field} must be a number")
    if spec.type == "integer":
        if value != int(value):
            raise ParameterError(field, f"{field} must be a whole number")
        value = int(value)
    if spec.minimum is not None and value < spec.minimum:
        raise ParameterError(field, f"{field} must be at least {spec.minimum:g}")
    if spec.maximum is not None and value > spec.maximum:
        raise ParameterError(field, f"{field} must be at most {spec.maximum:g}")
    return value


def load_catalog(directory: Path = DEFAULT_DIR) -> Catalog:
    """Read ``catalog.toml`` and one file per playbook; every mistake names its file."""
    try:
        index = tomllib.loads((directory / "catalog.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogError(f"{directory / 'catalog.toml'}: {error}") from error
    playbooks: dict[str, Playbook] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name == "catalog.toml":
            continue
        try:
            playbook = Playbook.model_validate(tomllib.loads(path.read_text()))
        except (tomllib.TOMLDecodeError, ValidationError) as error:
            raise CatalogError(f"{path}: {error}") from error
        if playbook.name != path.stem:
            raise CatalogError(f"{path}: name {playbook.name!r} must match the file name")
        playbooks[playbook.name] = playbook
    try:
        return Catalog.model_validate({**index, "playbooks": playbooks})
    except ValidationError as error:
        raise CatalogError(f"{directory / 'catalog.toml'}: {error}") from error


@lru_cache(maxsize=4)
def catalog(directory: Path = DEFAULT_DIR) -> Catalog:
    """The loaded catalog, read once per process."""
    return load_catalog(directory)
