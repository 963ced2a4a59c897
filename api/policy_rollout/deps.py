"""Dependencies of the policy rollout routes: the pinned OPA binary."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, status

from activities.opa.cli import OpaCli
from api.deps import SettingsDep
from kaizen.settings import Settings
from kaizen.stack import tools


def opa_cli(settings: Settings) -> OpaCli:
    """The pinned OPA, as ``kaizen tools install`` (or ``make tools``) put it in place."""
    return OpaCli(_opa_binary(settings.resolved_tools_dir))


@lru_cache(maxsize=8)
def _opa_binary(tools_dir: Path) -> Path:
    # Locating runs the binary to check its version: once per process is enough.
    return tools.require(tools.OPA, tools_dir)


def get_opa_cli(settings: SettingsDep) -> OpaCli:
    try:
        return opa_cli(settings)
    except tools.ToolMissing as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, str(error)) from error


OpaCliDep = Annotated[OpaCli, Depends(get_opa_cli)]
