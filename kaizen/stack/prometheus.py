"""Prometheus: the pinned Debian build (:data:`kaizen.stack.tools.PROMETHEUS`) run as a server.

The package is fetched with ``apt-get download`` and unpacked into the tools cache by
:mod:`kaizen.stack.tools`, never installed system-wide: that would start a systemd
service and pull in the web UI's JavaScript packages, none of which Kaizen needs.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from kaizen.stack import tools
from kaizen.stack.processes import ManagedProcess, StackError, http_ok
from kaizen.stack.tools import ToolMissing

VERSION: Final = tools.PROMETHEUS.version
DEBIAN_VERSION: Final = tools.PROMETHEUS.debian_version


def cached_dir(tools_dir: Path) -> Path:
    return tools.unpacked_dir(tools.PROMETHEUS, tools_dir)


def locate_prometheus(tools_dir: Path) -> Path | None:
    """The pinned binary: PATH first (when it is the pinned version), then the cache."""
    return tools.locate_debian(tools.PROMETHEUS, tools_dir, "prometheus")


def require_prometheus(tools_dir: Path) -> Path:
    found = locate_prometheus(tools_dir)
    if found is None:
        raise ToolMissing(
            f"prometheus {VERSION} is not installed; run `kaizen tools install` (or `make tools`)"
        )
    return found


def install_prometheus(tools_dir: Path) -> Path:
    """Unpack the pinned Debian package into the cache (idempotent, safe to run in parallel)."""
    return tools.install_debian(tools.PROMETHEUS, tools_dir, "prometheus")


def web_assets(binary: Path) -> Path | None:
    """Debian's classic web pages (/alerts, /rules, /targets) beside an unpacked binary.

    Debian's build reads them from /usr/share/prometheus/web, which a package unpacked into
    the cache does not have; a binary installed on the system finds its own.
    """
    assets = binary.parent.parent / "share" / "prometheus" / "web"
    return assets if (assets / "templates").is_dir() else None


def scrape_config(targets: Sequence[str], *, job_name: str, scrape_interval: str) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "scrape_configs": [{"job_name": job_name, "static_configs": [{"targets": list(targets)}]}],
    }


def prometheus_command(
    binary: Path, *, port: int, data_dir: Path, retention: str | None = None
) -> list[str]:
    command = [
        str(binary),
        f"--config.file={data_dir / 'prometheus.yml'}",
        f"--storage.tsdb.path={data_dir / 'tsdb'}",
        f"--web.listen-address=127.0.0.1:{port}",
        # Alerts link back to the graph through it (their generatorURL).
        f"--web.external-url=http://127.0.0.1:{port}",
        # /-/reload lets a caller change the scrape config without a restart.
        "--web.enable-lifecycle",
        # Debian's defaults point into /etc/prometheus; keep the host's files out of it.
        f"--web.console.templates={data_dir / 'consoles'}",
        f"--web.console.libraries={data_dir / 'console_libraries'}",
    ]
    assets = web_assets(binary)
    if assets is not None:
        command.append(f"--web.local-assets={assets}")
    if retention is not None:
        command.append(f"--storage.tsdb.retention.time={retention}")
    return command


@dataclass(frozen=True)
class TargetState:
    health: str
    """"up", "down" or "unknown" (not scraped yet)."""
    last_error: str


_UNSEEN: Final = TargetState(health="unknown", last_error="not a target yet")
TargetKey = tuple[str, str]
"""A scrape target: its job and its address."""


def static_targets(config: dict[str, Any]) -> list[TargetKey]:
    """Every (job, address) a config's static scrape configs name."""
    return [
        (job["job_name"], address)
        for job in config.get("scrape_configs", [])
        for static in job.get("static_configs", [])
        for address in static.get("targets", [])
    ]


class PrometheusServer:
    """A Prometheus with its config and TSDB under ``data_dir``.

    Give either ``scrape_targets`` (one job scraping them every ``scrape_interval``) or a
    whole ``config`` (as a dict: it is written as JSON, which is valid YAML).
    """

    def __init__(
        self,
        binary: Path,
        *,
        port: int,
        data_dir: Path,
        log_path: Path,
        scrape_targets: Sequence[str] = (),
        scrape_interval: str = "1s",
        job_name: str = "kaizen-test",
        config: dict[str, Any] | None = None,
        retention: str | None = None,
    ) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self.port = port
        self._data_dir = data_dir
        self._config = config or scrape_config(
            scrape_targets, job_name=job_name, scrape_interval=scrape_interval
        )
        self.scrape_targets = static_targets(self._config)
        self.process = ManagedProcess(
            "prometheus",
            prometheus_command(binary, port=port, data_dir=data_dir, retention=retention),
            log_path,
        )

    def start(self, timeout: float = 30.0) -> None:
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Write the config and start the process, without waiting for it."""
        self._data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        # JSON is valid YAML, and needs no YAML library.
        (self._data_dir / "prometheus.yml").write_text(json.dumps(self._config, indent=2))
        self.process.start()

    def wait_ready(self, timeout: float = 30.0) -> None:
        self.process.wait_until(
            lambda: http_ok(f"{self.url}/-/ready"), timeout=timeout, what="ready"
        )

    def targets(self) -> dict[TargetKey, TargetState]:
        """Active targets by (job, configured address); empty while Prometheus has none yet."""
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/targets", timeout=1) as reply:
                body = json.load(reply)
        except (OSError, ValueError):
            return {}
        return {
            (target["scrapePool"], target["discoveredLabels"]["__address__"]): TargetState(
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
        seen: dict[TargetKey, TargetState] = {}
        while time.monotonic() < deadline:
            if not self.process.running:
                raise StackError(f"prometheus exited: {self.process.log_tail()}")
            seen = self.targets()
            if all(seen.get(target, _UNSEEN).health == "up" for target in self.scrape_targets):
                return
            time.sleep(0.2)
        raise StackError(f"prometheus did not scrape every target within {timeout:.0f}s: {seen}")

    def stop(self) -> None:
        self.process.stop()
