"""Prometheus: the pinned Debian build, unpacked into the tools cache and run as a server.

The package is fetched with ``apt-get download`` (apt checks it against the signed package
lists) and unpacked with ``dpkg-deb -x``. It is never installed system-wide: that would start
a systemd service and pull in the web UI's JavaScript packages, none of which Kaizen needs.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kaizen.stack.processes import ManagedProcess, StackError, http_ok
from kaizen.stack.tools import ToolMissing

VERSION: Final = "2.42.0"
DEBIAN_VERSION: Final = "2.42.0+ds-5+deb12u1"
"""Debian bookworm's build. A security update drops it from the archive: then bump the pin."""
_VERSION_OUTPUT: Final = re.compile(r"^prometheus, version 2\.42\.0\b", re.MULTILINE)
_BINARY_IN_PACKAGE: Final = Path("usr/bin/prometheus")


def cached_dir(tools_dir: Path) -> Path:
    return tools_dir / f"prometheus-{VERSION}"


def _reports_pinned_version(binary: Path) -> bool:
    try:
        output = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=20
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return False
    return _VERSION_OUTPUT.search(output) is not None


def locate_prometheus(tools_dir: Path) -> Path | None:
    """The pinned binary: PATH first (when it is the pinned version), then the cache."""
    on_path = shutil.which("prometheus")
    if on_path and _reports_pinned_version(Path(on_path)):
        return Path(on_path)
    cached = cached_dir(tools_dir) / _BINARY_IN_PACKAGE
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    return None


def require_prometheus(tools_dir: Path) -> Path:
    found = locate_prometheus(tools_dir)
    if found is None:
        raise ToolMissing(
            f"prometheus {VERSION} is not installed; run `kaizen tools install` (or `make tools`)"
        )
    return found


def install_prometheus(tools_dir: Path) -> Path:
    """Unpack the pinned Debian package into the cache (idempotent, safe to run in parallel)."""
    found = locate_prometheus(tools_dir)
    if found is not None:
        return found
    tools_dir.mkdir(parents=True, exist_ok=True)
    with _exclusive(tools_dir / f"prometheus-{VERSION}.lock"):
        # Whoever held the lock before us may have finished the same install.
        found = locate_prometheus(tools_dir)
        if found is not None:
            return found
        return _download_and_unpack(tools_dir)


@contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    with lock_path.open("a") as lock_file:
        # Released when the file closes, also when the holder dies mid-install.
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        yield


def _download_and_unpack(tools_dir: Path) -> Path:
    for command in ("apt-get", "apt-cache", "dpkg-deb"):
        if shutil.which(command) is None:
            raise ToolMissing(
                f"prometheus {VERSION} is not on PATH and {command} is not available to fetch "
                f"Debian's build; install Prometheus {VERSION} and put it on PATH"
            )
    target = cached_dir(tools_dir)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        download = partial / "download"
        download.mkdir(parents=True)
        _fetch_package(download)
        (deb,) = download.glob("*.deb")
        unpacked = partial / "root"
        _run(["dpkg-deb", "-x", str(deb), str(unpacked)], doing="unpack")
        _check_runs(unpacked / _BINARY_IN_PACKAGE)
        # Rename last, so an interrupted install never looks installed.
        shutil.rmtree(target, ignore_errors=True)
        unpacked.rename(target)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return target / _BINARY_IN_PACKAGE


def _fetch_package(into: Path) -> None:
    if not _lists_offer_pin():
        # A fresh machine (or container) often has no package lists at all.
        _run(["apt-get", "update"], doing="refresh the package lists (as root) for")
        if not _lists_offer_pin():
            raise ToolMissing(
                f"the package lists offer no prometheus={DEBIAN_VERSION}; the archive may "
                f"have replaced it, so update the pin in {__name__}"
            )
    _run(["apt-get", "download", f"prometheus={DEBIAN_VERSION}"], cwd=into, doing="download")


def _lists_offer_pin() -> bool:
    # apt-cache exits 0 even for an unknown version; the record's Version line tells.
    record = subprocess.run(
        ["apt-cache", "show", "--no-all-versions", f"prometheus={DEBIAN_VERSION}"],
        capture_output=True,
        text=True,
    ).stdout
    return f"Version: {DEBIAN_VERSION}" in record.splitlines()


def _run(command: Sequence[str], *, doing: str, cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        detail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
        raise ToolMissing(f"could not {doing} prometheus {DEBIAN_VERSION}: {detail}")


def _check_runs(binary: Path) -> None:
    """Fail now, naming missing shared libraries, rather than when a server first starts."""
    if _reports_pinned_version(binary):
        return
    missing = _missing_libraries(binary)
    reason = f"missing shared libraries: {', '.join(missing)}" if missing else "it does not run"
    raise ToolMissing(f"unpacked prometheus {DEBIAN_VERSION} is unusable here; {reason}")


def _missing_libraries(binary: Path) -> list[str]:
    # Debian builds it with cgo, so it needs the C library (upstream's release binary is static).
    ldd = shutil.which("ldd")
    if ldd is None:
        return []
    listing = subprocess.run([ldd, str(binary)], capture_output=True, text=True).stdout
    return [line.split()[0] for line in listing.splitlines() if "not found" in line]


def scrape_config(targets: Sequence[str], *, job_name: str, scrape_interval: str) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "scrape_configs": [{"job_name": job_name, "static_configs": [{"targets": list(targets)}]}],
    }


def prometheus_command(binary: Path, *, port: int, data_dir: Path) -> list[str]:
    return [
        str(binary),
        f"--config.file={data_dir / 'prometheus.yml'}",
        f"--storage.tsdb.path={data_dir / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        # /-/reload lets a caller change the scrape config without a restart.
        "--web.enable-lifecycle",
        # Debian's defaults point into /etc/prometheus; keep the host's files out of it.
        f"--web.console.templates={data_dir / 'consoles'}",
        f"--web.console.libraries={data_dir / 'console_libraries'}",
    ]


@dataclass(frozen=True)
class TargetState:
    health: str
    """"up", "down" or "unknown" (not scraped yet)."""
    last_error: str


_UNSEEN: Final = TargetState(health="unknown", last_error="not a target yet")


class PrometheusServer:
    """A Prometheus scraping fixed targets, with its config and TSDB under ``data_dir``."""

    def __init__(
        self,
        binary: Path,
        *,
        port: int,
        data_dir: Path,
        log_path: Path,
        scrape_targets: Sequence[str],
        scrape_interval: str = "1s",
        job_name: str = "kaizen-test",
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.scrape_targets = list(scrape_targets)
        self._data_dir = data_dir
        self._config = scrape_config(
            self.scrape_targets, job_name=job_name, scrape_interval=scrape_interval
        )
        self.process = ManagedProcess(
            "prometheus", prometheus_command(binary, port=port, data_dir=data_dir), log_path
        )

    def start(self, timeout: float = 30.0) -> None:
        self._data_dir.mkdir(parents=True, exist_ok=True)
        # JSON is valid YAML, and needs no YAML library.
        (self._data_dir / "prometheus.yml").write_text(json.dumps(self._config, indent=2))
        self.process.start()
        self.process.wait_until(
            lambda: http_ok(f"{self.url}/-/ready"), timeout=timeout, what="ready"
        )

    def targets(self) -> dict[str, TargetState]:
        """Active targets by configured address; empty while Prometheus has none yet."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/targets", timeout=1) as reply:
                body = json.load(reply)
        except (OSError, ValueError):
            return {}
        return {
            target["discoveredLabels"]["__address__"]: TargetState(
                health=target["health"], last_error=target.get("lastError", "")
            )
            for target in body["data"]["activeTargets"]
        }

    def wait_for_scrape(self, timeout: float = 30.0) -> None:
        """Block until every target has been scraped successfully.

        Prometheus applies static targets on its scrape manager's next reload tick (every
        5 s), so a fresh server knows no targets, and has no samples, for its first seconds.
        """
        deadline = time.monotonic() + timeout
        seen: dict[str, TargetState] = {}
        while time.monotonic() < deadline:
            if not self.process.running:
                raise StackError(f"prometheus exited: {self.process.log_tail()}")
            seen = self.targets()
            if all(seen.get(address, _UNSEEN).health == "up" for address in self.scrape_targets):
                return
            time.sleep(0.2)
        raise StackError(f"prometheus did not scrape every target within {timeout:.0f}s: {seen}")

    def stop(self) -> None:
        self.process.stop()
