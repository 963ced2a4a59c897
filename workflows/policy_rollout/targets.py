"""Which nodes a label selector picks (the targets of a run, its canary group).

Selectors are Kubernetes label selectors, checked and made canonical by
``kaizen.kinds.label_selector`` before a run starts; this matches the canonical form
against a node's labels. Pure code: the workflow and the API both use it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Final

_SET: Final = re.compile(r"^(?P<key>\S+) (?P<op>in|notin) \((?P<values>[^)]*)\)$")
_COMPARE: Final = re.compile(r"^(?P<key>[^!=<>]+)(?P<op>!=|=|<|>)(?P<value>.*)$")


def requirements(canonical: str) -> list[str]:
    """The requirements of a canonical selector (commas inside ``(...)`` kept)."""
    parts: list[str] = []
    depth = 0
    current = ""
    for char in canonical:
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        current += char
    if current:
        parts.append(current)
    return [p.strip() for p in parts if p.strip()]


def selector_matches(canonical: str, labels: Mapping[str, str]) -> bool:
    """Whether ``labels`` satisfy every requirement ("" matches everything)."""
    return all(_requirement_matches(r, labels) for r in requirements(canonical))


def _requirement_matches(requirement: str, labels: Mapping[str, str]) -> bool:
    if requirement.startswith("!"):
        return requirement[1:] not in labels
    found = _SET.match(requirement)
    if found is not None:
        values = set(found.group("values").split(","))
        present = found.group("key") in labels
        inside = present and labels[found.group("key")] in values
        return inside if found.group("op") == "in" else not inside
    found = _COMPARE.match(requirement)
    if found is None:
        return requirement in labels
    key, op, value = found.group("key"), found.group("op"), found.group("value")
    if op == "=":
        return labels.get(key) == value
    if op == "!=":
        return labels.get(key) != value
    try:
        have = int(labels[key])
    except (KeyError, ValueError):
        return False
    return have > int(value) if op == ">" else have < int(value)


def matching(
    canonical: str, labels: Mapping[str, Mapping[str, str]], nodes: Iterable[str]
) -> list[str]:
    """The nodes among ``nodes`` (with ``labels`` by node) the selector picks, sorted."""
    if not canonical:
        return []
    return sorted(n for n in nodes if selector_matches(canonical, labels.get(n, {})))
