"""Pinned binaries Kaizen runs: found on PATH, in the cache, or built with ``go install``.

Nothing is downloaded at run time except through ``go install`` from the Go module
proxy, and only when ``kaizen tools install`` (or ``make``) asks for it.

A few tools are Debian's builds instead (:class:`DebianTool`): the pinned package
is fetched with ``apt-get download`` (apt checks it against the signed package
lists) and unpacked with ``dpkg-deb -x`` into the cache, never installed
system-wide (that would start a service and pull in packages Kaizen does not need).
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
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


@dataclass(frozen=True)
class DebianTool:
    """Programs from a pinned Debian package, unpacked into the tools cache."""

    name: str
    package: str
    version: str
    """Upstream version, e.g. ``0.25.0``."""
    debian_version: str
    """The package's exact version. A security update drops it from the archive: bump it."""
    programs: Mapping[str, str]
    """Program name (as on PATH) → its path inside the package."""
    version_pattern: str
    """Regex each program's ``--version`` output matches for this version."""


ALERTMANAGER: Final = DebianTool(
    name="alertmanager",
    package="prometheus-alertmanager",
    version="0.25.0",
    debian_version="0.25.0-1+b4",
    # Debian renames the server; amtool keeps its name.
    programs={"alertmanager": "usr/bin/prometheus-alertmanager", "amtool": "usr/bin/amtool"},
    version_pattern=r"^\S+, version 0\.25\.0\b",
)
PROMETHEUS: Final = DebianTool(
    name="prometheus",
    package="prometheus",
    version="2.42.0",
    debian_version="2.42.0+ds-5+deb12u1",
    programs={"prometheus": "usr/bin/prometheus", "promtool": "usr/bin/promtool"},
    version_pattern=r"^\S+, version 2\.42\.0\b",
)
DEBIAN_TOOLS: Final = (PROMETHEUS, ALERTMANAGER)


def debian_program(name: str) -> DebianTool | None:
    """The Debian tool that ships ``name`` (``promtool``, ``amtool``, ...), if any."""
    return next((tool for tool in DEBIAN_TOOLS if name in tool.programs), None)


def unpacked_dir(tool: DebianTool, tools_dir: Path) -> Path:
    """The package's unpacked root (``usr/``, ``etc/``) in the cache."""
    return tools_dir / f"{tool.name}-{tool.version}"


def locate_debian(tool: DebianTool, tools_dir: Path, program: str) -> Path | None:
    """``program`` of the pinned version: PATH first, then the unpacked package."""
    on_path = shutil.which(program)
    if on_path and _reports(tool, Path(on_path)):
        return Path(on_path)
    cached = unpacked_dir(tool, tools_dir) / tool.programs[program]
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    return None


def install_debian(tool: DebianTool, tools_dir: Path, program: str) -> Path:
    """``program``, unpacking the pinned package first if needed (idempotent, and safe
    to run in parallel)."""
    found = locate_debian(tool, tools_dir, program)
    if found is not None:
        return found
    tools_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(tools_dir / f"{tool.name}-{tool.version}.lock"):
        # Whoever held the lock before us may have finished the same install.
        found = locate_debian(tool, tools_dir, program)
        if found is not None:
            return found
        return _download_and_unpack(tool, tools_dir) / tool.programs[program]


def _reports(tool: DebianTool, binary: Path) -> bool:
    try:
        output = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=20
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    # Go's kingpin prints the version on stderr.
    found = output.stdout + output.stderr
    return re.search(tool.version_pattern, found, re.MULTILINE) is not None


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as lock_file:
        # Released when the file closes, also when the holder dies mid-install.
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


def _download_and_unpack(tool: DebianTool, tools_dir: Path) -> Path:
    pinned = f"{tool.package}={tool.debian_version}"
    for command in ("apt-get", "apt-cache", "dpkg-deb"):
        if shutil.which(command) is None:
            raise ToolMissing(
                f"{tool.name} {tool.version} is not on PATH and {command} is not available "
                f"to fetch Debian's {pinned}; install {tool.name} {tool.version} on PATH"
            )
    target = unpacked_dir(tool, tools_dir)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        download = partial / "download"
        download.mkdir(parents=True)
        if not _lists_offer(pinned, tool.debian_version):
            # A fresh machine (or container) often has no package lists at all.
            _run(["apt-get", "update"], pinned, doing="refresh the package lists (as root) for")
            if not _lists_offer(pinned, tool.debian_version):
                raise ToolMissing(
                    f"the package lists offer no {pinned}; the archive may have replaced it, "
                    f"so update the pin in {__name__}"
                )
        _run(["apt-get", "download", pinned], pinned, doing="download", cwd=download)
        (deb,) = download.glob("*.deb")
        unpacked = partial / "root"
        _run(["dpkg-deb", "-x", str(deb), str(unpacked)], pinned, doing="unpack")
        for program, inside in tool.programs.items():
            if not _reports(tool, unpacked / inside):
                missing = _missing_libraries(unpacked / inside)
                reason = f"missing shared libraries: {', '.join(missing)}" if missing else ""
                raise ToolMissing(
                    f"unpacked {pinned} is unusable here: {program} does not run"
                    + (f" ({reason})" if reason else "")
                )
        # Rename last, so an interrupted install never looks installed.
        shutil.rmtree(target, ignore_errors=True)
        unpacked.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target


def _missing_libraries(binary: Path) -> list[str]:
    # Debian builds with cgo, so its programs need the C library (upstream's are static).
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    listing = subprocess.run([ldd, str(binary)], capture_output=True, text=True).stdout
    return [line.split()[0] for line in listing.splitlines() if "not found" in line]


def _lists_offer(pinned: str, debian_version: str) -> bool:
    # apt-cache exits 0 even for an unknown version; the record's Version line tells.
    record = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", pinned], capture_output=True, text=True
    ).stdout
    return f"Version: {debian_version}" in record.splitlines()


def _run(command: Sequence[str], pinned: str, *, doing: str, cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        detail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise ToolMissing(f"could not {doing} {pinned}: {detail}")
