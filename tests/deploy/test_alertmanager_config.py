"""deploy/alertmanager/alertmanager.yml is a configuration Alertmanager itself accepts, and
it sends Kaizen what Kaizen needs: resolutions, its own key, at most a delivery it takes.

Checked by the pinned Alertmanager's ``amtool`` (Debian's build, unpacked into the tools
cache), then read for the settings Kaizen depends on.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.alertmanager import MAX_ALERTS
from api.routers.alerts import ALERTMANAGER_PATH
from kaizen.settings import Settings
from kaizen.stack import tools

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"


@pytest.fixture(scope="module")
def amtool() -> Path:
    return tools.install_debian(tools.ALERTMANAGER, Settings().resolved_tools_dir, "amtool")


def amtool_run(amtool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(amtool), *args], capture_output=True, text=True, timeout=60)


def kaizen_webhook(config: dict[str, Any]) -> dict[str, Any]:
    [receiver] = [r for r in config["receivers"] if r["name"] == "kaizen"]
    [webhook] = receiver["webhook_configs"]
    return dict(webhook)


def test_the_pinned_alertmanager_is_the_pinned_version(amtool: Path) -> None:
    done = amtool_run(amtool, "--version")
    assert "version 0.25.0" in done.stdout + done.stderr


def test_amtool_accepts_the_example(amtool: Path) -> None:
    done = amtool_run(amtool, "check-config", str(EXAMPLE))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_amtool_would_catch_a_broken_example(amtool: Path, tmp_path: Path) -> None:
    # The check above is only worth something if amtool refuses what Alertmanager would.
    broken = tmp_path / "alertmanager.yml"
    broken.write_text(EXAMPLE.read_text().replace("send_resolved: true", "send_resolved: maybe"))
    done = amtool_run(amtool, "check-config", str(broken))
    assert done.returncode != 0
    assert "FAILED" in done.stdout and "cannot unmarshal" in done.stdout


def test_alerts_reach_kaizen_and_the_team_still_gets_them(amtool: Path) -> None:
    def receivers(*labels: str) -> str:
        done = amtool_run(amtool, "config", "routes", "test", f"--config.file={EXAMPLE}", *labels)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    crash = ("alertname=KubePodCrashLooping", "namespace=shop", "pod=api-7d9f8-xk2lp")
    assert receivers(*crash) == "kaizen,team"
    assert receivers("alertname=Watchdog") == "team"  # nothing namespaced: not Kaizen's


def test_the_example_sends_what_kaizen_needs() -> None:
    config = yaml.safe_load(EXAMPLE.read_text())
    webhook = kaizen_webhook(config)
    assert webhook["url"].endswith(ALERTMANAGER_PATH)
    assert webhook["send_resolved"] is True
    # Its own operator key, read from a file: never inline, never the admin's.
    authorization = webhook["http_config"]["authorization"]
    assert authorization["credentials_file"] and "credentials" not in authorization
    assert "kaizen keys create --name alertmanager --role operator" in EXAMPLE.read_text()
    # A larger group would be refused whole; Alertmanager counts the rest as truncated.
    assert webhook["max_alerts"] == MAX_ALERTS
    # Resolutions arrive at the group interval, well within the run's wait for them.
    [route] = [r for r in config["route"]["routes"] if r["receiver"] == "kaizen"]
    group_interval = int(route["group_interval"].removesuffix("m")) * 60
    assert group_interval < Settings().healing_alert_resolution_seconds
    # Nothing in the example depends on a Debian path (templates under /usr/share).
    assert "templates" not in config and "/usr/share" not in EXAMPLE.read_text()
