"""The combined bundle of a cutover: the old and the new policy in one bundle, and a switch.

Both versions are vendored under versioned packages (``kaizen_cutover.pv_<hash>.<their
package>``), their references to their own roots rewritten to match, their data moved
with them, so nothing of one can collide with the other. A generated router at every
original package path answers each rule (and each top-level data key) from the new copy
once ``time.now_ns()`` reaches the instant in ``data.kaizen_cutover.plan``, from the old
one before it: callers keep querying the paths they always did, and every node flips by
its own clock at the same instant, with no request to Kaizen at that moment.

``data.kaizen_cutover.side`` says which side a node answers from (what the run's probe
reads). The vendored tests come along (renamed the same way), so ``opa test`` on the
combined source checks that the rewriting kept each version's behaviour.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final

from activities.opa.bundle_source import (
    DATA_FILE,
    MANIFEST,
    PolicySource,
    package_path,
    within_roots,
)
from activities.opa.cli import OpaCli, trim

PREFIX: Final = "kaizen_cutover"
"""The root holding both vendored versions, the plan and the switch."""
SIDE_PATH: Final = f"{PREFIX}/side"
"""What a node answers from now: "old" or "new" (the run's probe asks it)."""
_IDENTIFIER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PACKAGE_LINE: Final = re.compile(r"^(\s*package\s+)", re.MULTILINE)


class CutoverBuildError(ValueError):
    """The two versions cannot be combined (the message says why)."""


@dataclass
class _Package:
    """What the router must answer at one package path, and from which side."""

    rules: dict[str, int] = field(default_factory=dict)
    """Rule name -> arity (0 for a rule that is not a function), either side."""
    old: set[str] = field(default_factory=set)
    new: set[str] = field(default_factory=set)


def vendor_package(version_id: str) -> str:
    """``pv-0123abcd4567`` -> ``kaizen_cutover.pv_0123abcd4567``."""
    return f"{PREFIX}.{version_id.replace('-', '_')}"


async def combine(
    cli: OpaCli,
    *,
    old: PolicySource,
    old_id: str,
    new: PolicySource,
    new_id: str,
    at: datetime,
) -> PolicySource:
    """The combined source for switching from ``old`` to ``new`` at ``at``."""
    if old_id == new_id:
        raise CutoverBuildError(f"the fleet runs {new_id} already: nothing to cut over to")
    roots = _cover([*old.roots, *new.roots])
    if any(within_roots(PREFIX, [r]) or within_roots(r, [PREFIX]) for r in roots):
        raise CutoverBuildError(f"a version uses the root {PREFIX!r}, which a cutover needs")
    files: dict[str, bytes] = {}
    packages: dict[str, _Package] = {}
    data: dict[str, Any] = {}
    for side, source, version_id in (("old", old, old_id), ("new", new, new_id)):
        vendored = vendor_package(version_id)
        for name, content in source.content_files.items():
            target = f"{vendored.replace('.', '/')}/{name}"
            if PurePosixPath(name).name == DATA_FILE:
                files[target] = content
                base = str(PurePosixPath(name).parent).strip(".").strip("/")
                _merge(data, base, json.loads(content), side)
                continue
            files[target] = _rewrite(content.decode(), source.roots, vendored).encode()
        for package, rules in (await _rules(cli, source)).items():
            found = packages.setdefault(package, _Package())
            for rule, arity in rules.items():
                found.rules.setdefault(rule, arity)
                getattr(found, side).add(rule)
    _route_data(packages, data, roots)
    for package, found in sorted(packages.items()):
        router = _router(package, found, old_id, new_id)
        files[f"{PREFIX}/router/{package.replace('/', '.')}.rego"] = router.encode()
    files[f"{PREFIX}/switch.rego"] = _SWITCH.encode()
    plan = {"at_ns": int(at.timestamp() * 1_000_000_000), "at": at.isoformat(),
            "from": old_id, "to": new_id}  # fmt: skip
    files[f"{PREFIX}/plan/{DATA_FILE}"] = json.dumps(plan, sort_keys=True).encode()
    manifest = {"roots": [*roots, PREFIX]}
    files[MANIFEST] = json.dumps(manifest).encode()
    return PolicySource(files=files, roots=manifest["roots"], manifest=manifest)


_SWITCH: Final = f"""package {PREFIX}

# Each node reads its own clock: the instant is data, so no request decides it.
switched if time.now_ns() >= data.{PREFIX}.plan.at_ns

side := "new" if switched

side := "old" if not switched
"""


def _cover(roots: Iterable[str]) -> list[str]:
    """The roots with those inside another dropped (a bundle's roots may not overlap)."""
    unique = sorted(set(roots))
    return [r for r in unique if not any(o != r and within_roots(r, [o]) for o in unique)]


def _rewrite(text: str, roots: list[str], vendored: str) -> str:
    """Move a file's package under ``vendored`` and point its refs to its own roots there."""
    text = _PACKAGE_LINE.sub(lambda m: f"{m.group(1)}{vendored}.", text, count=1)
    for root in sorted(roots, key=len, reverse=True):
        dotted = re.escape("data." + root.replace("/", "."))
        text = re.sub(rf"\b{dotted}(?![A-Za-z0-9_])", f"data.{vendored}.{root.replace('/', '.')}",
                      text)  # fmt: skip
    return text


async def _rules(cli: OpaCli, source: PolicySource) -> dict[str, dict[str, int]]:
    """Each policy package of ``source`` (slash path) with its rules' names and arities,
    from OPA's own parser."""
    found: dict[str, dict[str, int]] = {}
    with tempfile.TemporaryDirectory(prefix="kaizen-cutover-") as tmp:
        for name, content in sorted(source.content_files.items()):
            if not name.endswith(".rego") or name.endswith("_test.rego"):
                continue
            path = Path(tmp) / name.replace("/", "__")
            path.write_bytes(content)
            parsed = await cli.run("parse", "-f", "json", str(path))
            if not parsed.ok:
                raise CutoverBuildError(f"opa parse refused {name}: {trim(parsed.output)}")
            module = json.loads(parsed.output)
            package = package_path(content.decode()) or ""
            rules = found.setdefault(package, {})
            for rule in module.get("rules") or []:
                head = rule.get("head") or {}
                ref = head.get("ref") or [{"value": head.get("name")}]
                rules.setdefault(str(ref[0]["value"]), len(head.get("args") or []))
    return found


def _merge(tree: dict[str, Any], base: str, document: Any, side: str) -> None:
    """Record which data paths each side has (the values stay in the vendored files)."""
    node = tree
    for part in [p for p in base.split("/") if p]:
        node = node.setdefault(part, {})
    _mark(node, document, side)


def _mark(node: dict[str, Any], document: Any, side: str) -> None:
    if isinstance(document, Mapping) and document:
        for key, value in document.items():
            _mark(node.setdefault(str(key), {}), value, side)
    else:
        node.setdefault("__sides__", set()).add(side)


def _route_data(packages: dict[str, _Package], tree: dict[str, Any], roots: list[str]) -> None:
    """Route data documents through the router too: each key under a package path becomes
    a rule of that package (a rule of the same name wins); data inside a root with no
    package above it gets a router package at its parent path."""

    def visit(path: str, node: dict[str, Any]) -> None:
        for key, child in node.items():
            if key == "__sides__":
                continue
            below = f"{path}/{key}" if path else key
            has_package_below = any(within_roots(p, [below]) for p in packages)
            owner = path if path in packages or (path and within_roots(path, roots)) else None
            if owner is not None and not has_package_below and _IDENTIFIER.match(key):
                found = packages.setdefault(owner, _Package())
                if key not in found.rules:
                    found.rules[key] = 0
                    sides = _sides(child)
                    found.old |= {key} if "old" in sides else set()
                    found.new |= {key} if "new" in sides else set()
                continue
            visit(below, child)

    visit("", tree)


def _sides(node: Mapping[str, Any]) -> set[str]:
    sides: set[str] = set(node.get("__sides__", set()))
    for key, child in node.items():
        if key != "__sides__":
            sides |= _sides(child)
    return sides


def _router(package: str, found: _Package, old_id: str, new_id: str) -> str:
    dotted = package.replace("/", ".")
    lines = [
        f"package {dotted}",
        "",
        f"# Generated by Kaizen for a cutover from {old_id} to {new_id}: each rule answers",
        "# from the new version once the instant has passed, from the old one before.",
    ]
    for rule, arity in sorted(found.rules.items()):
        args = ", ".join(f"a{i}" for i in range(arity))
        head = f"{rule}({args})" if arity else rule
        call = f"({args})" if arity else ""
        for side, version_id, condition in (
            ("new", new_id, f"data.{PREFIX}.switched"),
            ("old", old_id, f"not data.{PREFIX}.switched"),
        ):
            if rule in getattr(found, side):
                source = f"data.{vendor_package(version_id)}.{dotted}.{rule}{call}"
                lines += ["", f"{head} := {source} if {condition}"]
    return "\n".join(lines) + "\n"
