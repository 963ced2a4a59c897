"""Pinned binaries Kaizen runs: found on PATH, in the cache, or built with ``go install``.

Nothing is downloaded at run time except through ``go install`` from the Go module
proxy, and only when ``kaizen tools install`` (or ``make``) asks for it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Final


@dataclass(frozen=True)
class Tool:
    name: str
    module: str
    """Go package path given to ``go install``."""
    version: str
    version_pattern: str
    """Regex that the tool's own version output matches for this version."""
    version_args: tuple[str, ...]


TEMPORAL: Final = Tool(
    name="temporal",
    # Later tags carry a replace directive in go.mod and cannot be go-installed.
    module="github.com/temporalio/cli/cmd/temporal",
    version="v1.5.1",
    version_pattern=r"temporal version v?1\.5\.1\b",
    version_args=("--version",),
)
OPA: Final = Tool(
    name="opa",
    module="github.com/open-policy-agent/opa",
    version="v1.22.0",
    version_pattern=r"^Version: v?1\.22\.0$",
    version_args=("version",),
)
ALL_TOOLS: Final = (TEMPORAL, OPA)


class ToolMissing(RuntimeError):
    """A pinned tool is neither on PATH nor in the cache, and install was not asked for."""


def cached_path(tool: Tool, tools_dir: Path) -> Path:
    return tools_dir / f"{tool.name}-{tool.version}" / tool.name


def _matches_pin(tool: Tool, binary: str) -> bool:
    try:
        output = subprocess.run(
            [binary, *tool.version_args], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    if re.search(tool.version_pattern, output, re.MULTILINE):
        return True
    # A go-installed binary reports a dev version; its build info names the module version.
    return _go_build_version(binary) == tool.version


def _go_build_version(binary: str) -> str | None:
    go = shutil.which("go")
    if go is None:
        return None
    try:
        info = subprocess.run(
            [go, "version", "-m", binary], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"^\s*mod\s+\S+\s+(v\S+)", info, re.MULTILINE)
    return match.group(1) if match else None


def locate(tool: Tool, tools_dir: Path) -> Path | None:
    """The pinned binary: PATH first (when it is the pinned version), then the cache."""
    on_path = shutil.which(tool.name)
    if on_path and _matches_pin(tool, on_path):
        return Path(on_path)
    cached = cached_path(tool, tools_dir)
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    return None


def install(tool: Tool, tools_dir: Path) -> Path:
    """Build the pinned version with ``go install`` into the cache (idempotent)."""
    found = locate(tool, tools_dir)
    if found is not None:
        return found
    go = shutil.which("go")
    if go is None:
        raise ToolMissing(f"{tool.name} {tool.version} is not installed and Go is not on PATH")
    target = cached_path(tool, tools_dir)
    staging = target.parent.with_name(target.parent.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    env = dict(os.environ, GOBIN=str(staging), CGO_ENABLED="0")
    subprocess.run(
        [go, "install", "-trimpath", "-ldflags=-s -w", f"{tool.module}@{tool.version}"],
        check=True,
        env=env,
    )
    # Rename last, so an interrupted build never looks installed.
    shutil.rmtree(target.parent, ignore_errors=True)
    staging.rename(target.parent)
    return target


def require(tool: Tool, tools_dir: Path) -> Path:
    found = locate(tool, tools_dir)
    if found is None:
        raise ToolMissing(
            f"{tool.name} {tool.version} is not installed; run `kaizen tools install` "
            f"(or `make tools`)"
        )
    return found
