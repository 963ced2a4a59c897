"""Judging rules with Prometheus's own rule engine: one ``promtool test rules`` per batch.

Every candidate goes into one rule file under an alert name of its own (``C0``…),
every adversary becomes one test group (``A0``…), so one process scores the whole
candidate x adversary matrix. Each group asks one PromQL question that can never
match its (empty) expectation, so promtool prints the answer as a failure: when
each candidate first fired, and first fired at or after the incident's onset, in
minutes. Promtool 2.42 does not name the group of a failed PromQL test, so the
answer carries the group's marker as a label (``adv``), and a marker row
(``q="marker"``) proves the group was read even when nothing fired.
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from kaizen.gasi.alert_rule.rule import RuleGenome
from kaizen.gasi.alert_rule.scenario import MINUTES, Scenario
from kaizen.stack.prometheus import VERSION, require_prometheus

TIMEOUT_SECONDS: Final = 600.0
_SAMPLE: Final = re.compile(r"\{([^{}]*)\}\s+(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)")
_LABEL: Final = re.compile(r'(\w+)="([^"]*)"')


class PromtoolFailed(RuntimeError):
    """promtool could not judge the batch (a broken file, a crash): not a score."""


@dataclass(frozen=True)
class Firing:
    """When one candidate's alert fired in one scenario, in minutes (None: never)."""

    first: float | None
    after_onset: float | None


def locate_promtool(tools_dir: Path) -> Path:
    """The pinned promtool: beside the pinned prometheus (PATH first, then the cache)."""
    prometheus = require_prometheus(tools_dir)
    beside = prometheus.with_name("promtool")
    if beside.is_file():
        return beside
    on_path = shutil.which("promtool")
    if on_path is None:
        raise PromtoolFailed(f"promtool {VERSION} is not installed beside {prometheus}")
    return Path(on_path)


def rule_file(rules: Sequence[RuleGenome]) -> str:
    group = {
        "groups": [
            {
                "name": "gasi-candidates",
                "rules": [
                    {"alert": f"C{i}", "expr": rule.expr(), "for": rule.for_}
                    for i, rule in enumerate(rules)
                ],
            }
        ]
    }
    # JSON is YAML: no quoting rules to get wrong.
    return json.dumps(group, indent=1)


def _question(marker: str, onset: int) -> str:
    firing = 'timestamp(ALERTS{alertstate="firing"})'
    window = f"[{MINUTES}m:1m]"
    first = f"min by (alertname) (min_over_time({firing}{window})) / 60"
    after = f"min by (alertname) (min_over_time(({firing} >= {onset * 60}){window})) / 60"
    pieces = [
        f'label_replace({first}, "q", "first", "", "")',
        f'label_replace({after}, "q", "after", "", "")',
        'label_replace(vector(-1), "q", "marker", "", "")',
    ]
    return f'label_replace({" or ".join(pieces)}, "adv", "{marker}", "", "")'


def test_file(scenarios: Sequence[tuple[Scenario, int]]) -> str:
    """One test group per (scenario, onset minute)."""
    tests = [
        {
            "name": f"A{j}",
            "interval": "1m",
            "input_series": scenario.input_series(),
            "promql_expr_test": [
                {"expr": _question(f"A{j}", onset), "eval_time": f"{MINUTES}m", "exp_samples": []}
            ],
        }
        for j, (scenario, onset) in enumerate(scenarios)
    ]
    return json.dumps(
        {"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": tests}, indent=1
    )


def parse(stderr: str, candidates: int, adversaries: int) -> list[list[Firing]]:
    """The firing matrix from promtool's failure report; every group must have answered."""
    first: dict[tuple[int, int], float] = {}
    after: dict[tuple[int, int], float] = {}
    answered: set[int] = set()
    for labels_text, value in _SAMPLE.findall(stderr):
        labels = dict(_LABEL.findall(labels_text))
        marker, question = labels.get("adv", ""), labels.get("q", "")
        if not marker.startswith("A") or not marker[1:].isdigit():
            continue
        j = int(marker[1:])
        if question == "marker":
            answered.add(j)
            continue
        name = labels.get("alertname", "")
        if not name.startswith("C") or not name[1:].isdigit():
            continue
        target = first if question == "first" else after
        target[(int(name[1:]), j)] = float(value)
    missing = sorted(set(range(adversaries)) - answered)
    if missing:
        raise PromtoolFailed(
            f"promtool did not answer for {len(missing)} of {adversaries} scenarios "
            f"(first: A{missing[0]}): {stderr[-2000:]}"
        )
    return [
        [Firing(first.get((i, j)), after.get((i, j))) for j in range(adversaries)]
        for i in range(candidates)
    ]


async def run_batch(
    promtool: Path, rules: Sequence[RuleGenome], scenarios: Sequence[tuple[Scenario, int]]
) -> list[list[Firing]]:
    """Judge every rule against every scenario in one promtool process."""
    with tempfile.TemporaryDirectory(prefix="kaizen-gasi-") as tmp:
        directory = Path(tmp)
        (directory / "rules.yml").write_text(rule_file(rules))
        (directory / "tests.yml").write_text(test_file(scenarios))
        process = await asyncio.create_subprocess_exec(
            str(promtool), "test", "rules", "tests.yml",
            cwd=directory, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        try:
            _out, err = await asyncio.wait_for(process.communicate(), TIMEOUT_SECONDS)
        except (TimeoutError, asyncio.CancelledError):
            process.kill()
            await process.wait()
            raise
    return parse(err.decode(errors="replace"), len(rules), len(scenarios))
