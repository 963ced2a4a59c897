"""Environments load from environments/*.toml; every mistake names its file and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kaizen.catalog.environments import (
    DEFAULT_DIR,
    EnvironmentFileError,
    load_environments,
    seconds,
)


def test_the_shipped_environments_form_a_path() -> None:
    found = load_environments(DEFAULT_DIR)
    assert [e.name for e in sorted(found.values(), key=lambda e: e.order)] == [
        "dev", "staging", "prod",
    ]  # fmt: skip
    prod = found["prod"]
    assert prod.upstream == "staging" and prod.require_digest and prod.change_window
    assert prod.upstream_soak_seconds == 2 * 3600
    assert prod.approvals.required == 2
    metric = next(m for m in prod.metrics if m.name == "error_rate")
    # Argo Rollouts' defaults are filled in explicitly where the file leaves them out.
    assert (metric.failure_limit, metric.inconclusive_limit, metric.consecutive_error_limit) == (
        0, 0, 4,
    )  # fmt: skip
    kinds = [step.WhichOneof("step") for step in prod.strategy.steps]
    assert kinds == ["set_weight", "pause", "analysis", "set_weight", "pause", "analysis"]
    assert prod.strategy.steps[4].pause.duration_seconds == 0  # until a person continues


def test_durations() -> None:
    assert seconds("1h30m") == 5400 and seconds("0s") == 0 and seconds("2d") == 172800
    with pytest.raises(ValueError):
        seconds("90 minutes")


@pytest.fixture
def copied(tmp_path: Path) -> Path:
    for path in DEFAULT_DIR.glob("*.toml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "named"),
    [
        ("prod.toml", 'namespace = "prod"', 'namespace = "Prod!"', "prod.toml: namespace:"),
        ("prod.toml", "{ set_weight = 10 }", "{ set_weight = 110 }", "rollout.steps.0.set_weight"),
        ("staging.toml", "max_latency_p95_ms = 300", "max_latency = 300", "gate: Value error"),
        ("staging.toml", 'upstream = "dev"', 'upstream = "qa"', "staging.toml: upstream: no"),
        ("prod.toml", "order = 3", "order = 2", "prod.toml: order: 2 must be above"),
        (
            "prod.toml",
            '{ analysis = ["error_rate", "latency_p99"] },\n  { set_weight = 50 }',
            '{ analysis = ["errors"] },\n  { set_weight = 50 }',
            "unknown metric 'errors'",
        ),
        (
            "staging.toml",
            'success_condition = "result[0] < 0.01"',
            'success_condition = "__import__(1)"',
            "metrics.error_rate.success_condition",
        ),
        ("staging.toml", "count = 4", "count = 4\nbogus = 1", "metrics.error_rate.bogus"),
        (
            "staging.toml",
            'judge = { direction = "increase"',
            'success_condition = "result[0] < 1"\njudge = { direction = "increase"',
            "a metric with a judge is decided by its score bands",
        ),
        (
            "staging.toml",
            'judge = { direction = "increase"',
            'judge = { direction = "up"',
            "metrics.latency_vs_stable.judge.direction",
        ),
        (
            "staging.toml",
            'verification = ["error_rate"]',
            'verification = ["error_rate", "latency_vs_stable"]',
            "no canary to compare with its baseline",
        ),
        ("dev.toml", 'name = "dev"', 'name = "development"', "dev.toml: name:"),
        (
            "staging.toml",
            '{{target}}-[a-z0-9]+-[a-z0-9]+",code',
            '{{pod}}-[a-z0-9]+-[a-z0-9]+",code',
            "unknown placeholder {{pod}}",
        ),
    ],
)
def test_mistakes_name_file_and_field(
    copied: Path, file: str, old: str, new: str, named: str
) -> None:
    _edit(copied / file, old, new)
    with pytest.raises(EnvironmentFileError) as raised:
        load_environments(copied)
    assert named in str(raised.value), str(raised.value)
    assert str(raised.value).startswith(file)
