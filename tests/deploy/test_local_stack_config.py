"""deploy/local/: the local stack's Prometheus rules and config and its Alertmanager config.

Checked by the pinned tools themselves (``promtool check``, ``promtool test rules`` with a
test for every alert, ``amtool check-config``), then read for what Kaizen relies on: the
catalog's signals are recorded, Alertmanager sends resolutions to Kaizen's webhook with
its own key, and the configs `kaizen up` writes from these files are still valid.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.routers.alerts import ALERTMANAGER_PATH
from kaizen.catalog.playbooks import load_catalog
from kaizen.settings import Settings
from kaizen.stack import tools
from kaizen.stack.alertmanager import LOCAL_CONFIG as ALERTMANAGER_CONFIG
from kaizen.stack.alertmanager import local_config
from kaizen.stack.observability import LOCAL_DIR, PROMETHEUS_CONFIG, local_prometheus_config

RULES = LOCAL_DIR / "prometheus-rules.yml"
RULE_TESTS = LOCAL_DIR / "prometheus-rules.test.yml"


@pytest.fixture(scope="module")
def promtool() -> Path:
    return tools.install_debian(tools.PROMETHEUS, Settings().resolved_tools_dir, "promtool")


@pytest.fixture(scope="module")
def amtool() -> Path:
    return tools.install_debian(tools.ALERTMANAGER, Settings().resolved_tools_dir, "amtool")


def run(tool: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(tool), *args], capture_output=True, text=True, timeout=60, cwd=cwd)


def rules() -> list[dict[str, Any]]:
    groups = yaml.safe_load(RULES.read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def alert_names() -> set[str]:
    return {rule["alert"] for rule in rules() if "alert" in rule}


def test_promtool_accepts_the_config_and_its_rules(promtool: Path) -> None:
    done = run(promtool, "check", "config", str(PROMETHEUS_CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(rules())} rules found" in done.stdout


def test_every_alert_has_unit_tests_that_pass(promtool: Path) -> None:
    tests = yaml.safe_load(RULE_TESTS.read_text())["tests"]
    firing = {
        case["alertname"] for test in tests for case in test.get("alert_rule_test", [])
        if case["exp_alerts"]
    }  # fmt: skip
    quiet = {
        case["alertname"] for test in tests for case in test.get("alert_rule_test", [])
        if not case["exp_alerts"]
    }  # fmt: skip
    assert firing == alert_names(), "each alert is tested firing"
    assert quiet == alert_names(), "and each is tested staying quiet"
    done = run(promtool, "test", "rules", RULE_TESTS.name, cwd=LOCAL_DIR)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_rule_tests_would_catch_a_changed_threshold(promtool: Path, tmp_path: Path) -> None:
    # The tests above are worth something only if a wrong rule fails them.
    (tmp_path / RULE_TESTS.name).write_text(RULE_TESTS.read_text())
    changed = RULES.read_text().replace(
        'expr: service:http_error_ratio:rate5m{namespace="demo"} > 0.05',
        'expr: service:http_error_ratio:rate5m{namespace="demo"} > 0.25',
    )
    assert changed != RULES.read_text()
    (tmp_path / RULES.name).write_text(changed)
    done = run(promtool, "test", "rules", RULE_TESTS.name, cwd=tmp_path)
    assert done.returncode != 0
    assert "DemoHighErrorRatio" in done.stdout + done.stderr


def test_the_catalogs_signals_are_recorded_from_the_demos_metrics() -> None:
    recorded = {rule["record"] for rule in rules() if "record" in rule}
    for name, signal in load_catalog().signals.items():
        metric = re.search(r"([a-z_]+:[a-z0-9_]+:[a-z0-9_]+)\{", signal.query)
        assert metric is not None and metric.group(1) in recorded, name


def test_amtool_accepts_the_alertmanager_config(amtool: Path) -> None:
    done = run(amtool, "check-config", str(ALERTMANAGER_CONFIG))
    assert done.returncode == 0, done.stdout + done.stderr


def test_alertmanager_sends_everything_to_kaizen_and_one_alert_per_incident() -> None:
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text())
    assert config["route"]["receiver"] == "kaizen" and "routes" not in config["route"]
    [webhook] = config["receivers"][0]["webhook_configs"]
    assert webhook["send_resolved"] is True
    assert webhook["url"].endswith(ALERTMANAGER_PATH)
    [inhibit] = config["inhibit_rules"]
    assert inhibit["source_matchers"] == ['alertname="DemoBadRollout"']
    [targets] = inhibit["target_matchers"]
    silenced = set(re.fullmatch(r'alertname=~"(.*)"', targets).group(1).split("|"))  # type: ignore[union-attr]
    assert silenced == alert_names() - {"DemoBadRollout"}


def test_the_configs_kaizen_up_writes_are_valid_too(
    promtool: Path, amtool: Path, tmp_path: Path
) -> None:
    key = tmp_path / "alertmanager.key"
    key.write_text("kz_test\n")
    am = local_config(webhook_url=f"http://127.0.0.1:18000{ALERTMANAGER_PATH}", key_file=key)
    [webhook] = am["receivers"][0]["webhook_configs"]
    assert webhook["http_config"]["authorization"]["credentials_file"] == str(key)
    (tmp_path / "alertmanager.yml").write_text(yaml.safe_dump(am))
    done = run(amtool, "check-config", str(tmp_path / "alertmanager.yml"))
    assert done.returncode == 0, done.stdout + done.stderr

    prometheus = local_prometheus_config(
        traffic="127.0.0.1:19464", api="127.0.0.1:18000", alertmanager="127.0.0.1:19093"
    )
    targets = {
        job["job_name"]: job["static_configs"][0]["targets"] for job in prometheus["scrape_configs"]
    }
    assert targets == {
        "demo-apps": ["127.0.0.1:19464"],
        "kube-state-metrics": ["127.0.0.1:19464"],
        "kaizen": ["127.0.0.1:18000"],
    }
    assert prometheus["rule_files"] == [str(RULES)]
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(prometheus))
    done = run(promtool, "check", "config", str(tmp_path / "prometheus.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
