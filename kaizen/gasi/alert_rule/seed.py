"""The seed champion: the error-ratio alert the repository's own rule files define.

Alert rules on the error ratio are read first (an ``alert:`` whose expression uses
the ``service:http_error_ratio:*`` recording rule or counts 5xx responses); without
one, the recording rule's window and the healing catalog's error-rate threshold
(5%, ``playbooks/healing/catalog.toml``) with a 5-minute ``for`` make the seed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml  # type: ignore[import-untyped]

from kaizen.gasi.alert_rule.rule import WINDOWS, RuleGenome

REPO_ROOT: Final = Path(__file__).resolve().parents[3]
RULE_DIRS: Final = (REPO_ROOT / "deploy" / "prometheus", REPO_ROOT / "deploy" / "local")
ERROR_RATIO_RECORD: Final = "service:http_error_ratio:rate5m"
CATALOG_THRESHOLD: Final = 0.05
DEFAULT_FOR_MINUTES: Final = 5
_WINDOW: Final = re.compile(r"\[(\d+)([smh])\]")
_THRESHOLD: Final = re.compile(r">=?\s*([0-9]*\.?[0-9]+)")
_DURATION: Final = re.compile(r"^(\d+)([smh])$")
_UNIT_MINUTES: Final = {"s": 1 / 60, "m": 1.0, "h": 60.0}


@dataclass(frozen=True)
class Seed:
    genome: RuleGenome
    source: str
    """Where it came from: ``<file>: alert <name>`` or ``<file>: record <name>``."""


def _minutes(amount: str, unit: str) -> int:
    return max(1, round(int(amount) * _UNIT_MINUTES[unit]))


def _rules(directories: Iterable[Path]) -> list[tuple[Path, dict[str, Any]]]:
    found: list[tuple[Path, dict[str, Any]]] = []
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in sorted([*directory.rglob("*.yml"), *directory.rglob("*.yaml")]):
            try:
                document = yaml.safe_load(path.read_text())
            except (OSError, yaml.YAMLError):
                continue
            if not isinstance(document, dict) or not isinstance(document.get("groups"), list):
                continue
            for group in document["groups"]:
                for rule in (group or {}).get("rules", []) or []:
                    if isinstance(rule, dict) and isinstance(rule.get("expr"), str):
                        found.append((path, rule))
    return found


def _window(expr: str, records: dict[str, str]) -> int | None:
    match = _WINDOW.search(expr)
    if match:
        return _minutes(match.group(1), match.group(2))
    for name, record_expr in records.items():
        if name in expr:
            inner = _WINDOW.search(record_expr)
            if inner:
                return _minutes(inner.group(1), inner.group(2))
    return None


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def seed_rule(directories: Iterable[Path] = RULE_DIRS) -> Seed:
    rules = _rules(directories)
    records = {str(r["record"]): str(r["expr"]) for _, r in rules if "record" in r}
    for path, rule in rules:
        expr = str(rule["expr"])
        if "alert" not in rule or not ("error_ratio" in expr or "5.." in expr):
            continue
        threshold = _THRESHOLD.search(expr)
        window = _window(expr, records)
        if threshold is None or window is None:
            continue
        duration = _DURATION.match(str(rule.get("for", "0m")).strip())
        for_minutes = _minutes(duration.group(1), duration.group(2)) if duration else 0
        note = ""
        if window < WINDOWS[0]:
            # Samples are a minute apart in the arena: a rate needs two of them.
            note = f" (its {window}m-or-less window read as {WINDOWS[0]}m)"
            window = WINDOWS[0]
        return Seed(
            RuleGenome(window=window, threshold=float(threshold.group(1)), for_minutes=for_minutes),
            f"{_relative(path)}: alert {rule['alert']}{note}",
        )
    for path, rule in rules:
        if rule.get("record") == ERROR_RATIO_RECORD:
            window = _window(str(rule["expr"]), {}) or 5
            return Seed(
                RuleGenome(window=window, threshold=CATALOG_THRESHOLD,
                           for_minutes=DEFAULT_FOR_MINUTES),
                f"{_relative(path)}: record {ERROR_RATIO_RECORD} > {CATALOG_THRESHOLD} "
                f"(the catalog's error-rate threshold), for {DEFAULT_FOR_MINUTES}m",
            )  # fmt: skip
    return Seed(RuleGenome(), "built-in default: error ratio over 5m > 5% for 5m")
