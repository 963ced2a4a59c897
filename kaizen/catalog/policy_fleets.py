"""Load and validate OPA fleets declared in files (``KAIZEN_POLICY_FLEETS_DIR/*.toml``).

One file per fleet, named after it, versioned like ``environments/*.toml``::

    bundle = "authz"

    [nodes.n1]
    url = "http://10.0.0.11:8181"
    labels = { canary = "true", region = "eu" }

    [nodes.n2]
    url = "http://10.0.0.12:8181"

The API reads them when it starts (a mistake stops it, naming the file and the field)
and reconciles them into the fleet registry (``kaizen.persistence.policy_fleet_files``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from activities.opa.bundle_build import BUNDLE_NAME
from kaizen.catalog.declared_files import read_declared
from kaizen.contract.names import K8S_NAME

LabelKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9][-A-Za-z0-9_./]{0,62}$")]
LabelValue = Annotated[str, Field(max_length=63)]
NodeName = Annotated[str, Field(pattern=K8S_NAME)]


class FleetFileError(ValueError):
    """A fleet file is wrong; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FleetNodeSpec(_Strict):
    url: str = Field(default="", max_length=500, pattern=r"^(https?://[^\s]+)?$")
    """The node's own API (for drift audits and cutover probes); optional."""
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict, max_length=32)


class FleetSpec(_Strict):
    bundle: str = Field(default="authz", pattern=BUNDLE_NAME.pattern)
    nodes: dict[NodeName, FleetNodeSpec] = Field(min_length=1)


@dataclass(frozen=True)
class DeclaredFleet:
    name: str
    file: str
    spec: FleetSpec


def load_fleets(directory: Path) -> dict[str, DeclaredFleet]:
    """Every ``*.toml`` in ``directory`` by fleet name (the file's name); a node declared
    in two files is a mistake too."""
    found: dict[str, DeclaredFleet] = {}
    owner: dict[str, str] = {}
    if not directory.is_dir():
        raise FleetFileError(f"{directory}: not a directory (KAIZEN_POLICY_FLEETS_DIR)")
    for path in sorted(directory.glob("*.toml")):
        if re.match(K8S_NAME, path.stem) is None:
            raise FleetFileError(f"{path.name}: the file's name is the fleet's: {K8S_NAME}")
        spec = read_declared(path, FleetSpec, FleetFileError)
        for node in spec.nodes:
            if node in owner:
                raise FleetFileError(
                    f"{path.name}: nodes.{node}: already declared in {owner[node]}; a node "
                    "belongs to one fleet"
                )
            owner[node] = path.name
        found[path.stem] = DeclaredFleet(name=path.stem, file=path.name, spec=spec)
    return found
