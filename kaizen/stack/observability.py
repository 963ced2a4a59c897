"""What `kaizen up --kube local` observes the demo with: traffic, Prometheus, Alertmanager.

- the traffic simulator (``kaizen traffic``) serves per-pod metrics for the demo
  namespace and every promotion environment's (``environments/*.toml``), following their
  Deployments through the Kubernetes API, so a canary is judged on its own pods' series;
- Prometheus scrapes it and Kaizen's ``/metrics``, records the healing catalog's signals
  and fires the demo's alerts (``deploy/local/prometheus*.yml``); its TSDB is in
  ``KAIZEN_HOME/prometheus``;
- Alertmanager sends every alert to Kaizen's webhook with its own operator key
  (``deploy/local/alertmanager.yml``); its state is in ``KAIZEN_HOME/alertmanager``.

Each is a :class:`~kaizen.stack.processes.ManagedProcess`; the launcher stops them with
the rest of the stack.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml  # type: ignore[import-untyped]

from kaizen.catalog.environments import load_environments
from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.alertmanager import (
    WEBHOOK_PATH,
    AlertmanagerServer,
    ensure_alertmanager_key,
    local_config,
)
from kaizen.stack.kube_demo import DEMO_NAMESPACE
from kaizen.stack.processes import ManagedProcess, http_ok
from kaizen.stack.prometheus import PrometheusServer
from kaizen.traffic.server import CLUSTER_PATH, HEALTH_PATH
from kaizen.traffic.table import DEFAULT_TABLE

LOCAL_DIR: Final = Path(__file__).resolve().parents[2] / "deploy" / "local"
PROMETHEUS_CONFIG: Final = LOCAL_DIR / "prometheus.yml"
RETENTION: Final = "15d"
# Scrape jobs of deploy/local/prometheus.yml, and which of this stack's addresses each scrapes.
TRAFFIC_JOBS: Final = ("demo-apps", "kube-state-metrics")
KAIZEN_JOB: Final = "kaizen"
START_TIMEOUT: Final = 60.0
Say = Callable[[str], None]


def local_prometheus_config(
    *, traffic: str, api: str, alertmanager: str, source: Path = PROMETHEUS_CONFIG
) -> dict[str, Any]:
    """``deploy/local/prometheus.yml`` with this stack's addresses and absolute rule files."""
    config: dict[str, Any] = yaml.safe_load(source.read_text())
    config["rule_files"] = [str(source.parent / name) for name in config.get("rule_files", [])]
    for manager in config["alerting"]["alertmanagers"]:
        manager["static_configs"] = [{"targets": [alertmanager]}]
    for job in config["scrape_configs"]:
        if job["job_name"] in TRAFFIC_JOBS:
            job["static_configs"] = [{"targets": [traffic]}]
        elif job["job_name"] == KAIZEN_JOB:
            job["static_configs"] = [{"targets": [api]}]
    return config


@dataclass
class LocalObservability:
    simulator: ManagedProcess
    traffic_url: str
    alertmanager: AlertmanagerServer
    prometheus: PrometheusServer
    key_file: Path
    namespaces: list[str]
    """What the simulator watches: the demo's namespace, then the environments'."""

    @property
    def processes(self) -> list[ManagedProcess]:
        """In start order: the simulator, Alertmanager, Prometheus."""
        return [self.simulator, self.alertmanager.process, self.prometheus.process]

    def start(self) -> None:
        """Start all three at once, then wait until each answers."""
        self.simulator.start()
        self.alertmanager.launch()
        self.prometheus.launch()
        self.simulator.wait_until(
            lambda: http_ok(f"{self.traffic_url}{HEALTH_PATH}"),
            timeout=START_TIMEOUT,
            what=f"listing namespaces {', '.join(self.namespaces)}",
        )
        self.alertmanager.wait_ready(START_TIMEOUT)
        self.prometheus.wait_ready(START_TIMEOUT)

    def stop(self) -> None:
        for process in reversed(self.processes):
            process.stop()

    def lines(self) -> list[str]:
        """What `kaizen up` prints at "Ready." about them."""
        prometheus, alertmanager = self.prometheus.url, self.alertmanager.url
        amtool = f"kaizen tools exec amtool alert query --alertmanager.url={alertmanager}"
        return [
            f"Prometheus    {prometheus}  (alerts {prometheus}/classic/alerts, rules"
            f" {prometheus}/classic/rules; the workers' KAIZEN_PROMETHEUS_URL)",
            f"Alertmanager  {alertmanager}  (alerts {alertmanager}/api/v2/alerts, or `{amtool}`;"
            f" sends to Kaizen with the key in {self.key_file})",
            f"Traffic       {self.traffic_url}/metrics and {self.traffic_url}{CLUSTER_PATH}"
            f" for namespaces {', '.join(self.namespaces)} (behaviours: {DEFAULT_TABLE})",
        ]


def watched_namespaces(settings: Settings) -> list[str]:
    """The demo namespace, then each environment's (by order), once each."""
    found = load_environments(settings.environments_directory).values()
    namespaces = [DEMO_NAMESPACE]
    for environment in sorted(found, key=lambda e: e.order):
        if environment.namespace not in namespaces:
            namespaces.append(environment.namespace)
    return namespaces


def local_observability(
    settings: Settings, home: Path, *, kubeconfig: Path, env: dict[str, str], say: Say
) -> LocalObservability:
    """The three processes for this stack (not started); makes Alertmanager's key if needed."""
    tools_dir = settings.resolved_tools_dir
    for tool in (tools.PROMETHEUS, tools.ALERTMANAGER):
        if tools.locate_debian(tool, tools_dir, tool.name) is None:
            say(f"unpacking Debian's {tool.package} {tool.version} (first start only)...")
    logs = home / "logs"
    api = f"{settings.api_host}:{settings.api_port}"
    traffic = f"127.0.0.1:{settings.traffic_port}"
    alertmanager_address = f"127.0.0.1:{settings.alertmanager_port}"
    namespaces = watched_namespaces(settings)
    simulator = ManagedProcess(
        "traffic",
        [
            sys.executable, "-m", "kaizen.cli.main", "traffic",
            "--kubeconfig", str(kubeconfig),
            *(arg for ns in namespaces for arg in ("--namespace", ns)),
            "--port", str(settings.traffic_port),
        ],
        logs / "traffic.log",
        env=env,
    )  # fmt: skip
    key_file = ensure_alertmanager_key(settings, home)
    alertmanager_bin = tools.install_debian(tools.ALERTMANAGER, tools_dir, "alertmanager")
    alertmanager = AlertmanagerServer(
        alertmanager_bin,
        port=settings.alertmanager_port,
        state_dir=home / "alertmanager",
        log_path=logs / "alertmanager.log",
        config=local_config(
            webhook_url=f"http://{api}{WEBHOOK_PATH}",
            key_file=key_file,
        ),
    )
    prometheus = PrometheusServer(
        tools.install_debian(tools.PROMETHEUS, tools_dir, "prometheus"),
        port=settings.prometheus_port,
        data_dir=home / "prometheus",
        log_path=logs / "prometheus.log",
        config=local_prometheus_config(traffic=traffic, api=api, alertmanager=alertmanager_address),
        retention=RETENTION,
    )
    return LocalObservability(
        simulator=simulator,
        traffic_url=f"http://{traffic}",
        namespaces=namespaces,
        alertmanager=alertmanager,
        prometheus=prometheus,
        key_file=key_file,
    )
