"""What differs between two policy versions: files (as unified diffs) and data, by path."""

from __future__ import annotations

import difflib
import gzip
import io
import json
import tarfile
from pathlib import PurePosixPath
from typing import Any

from google.protobuf.json_format import ParseDict
from google.protobuf.struct_pb2 import Value

from activities.opa.bundle_source import DATA_FILE
from kaizen.persistence.policy_versions import PolicyVersionRow
from kaizen.v1.policy_rollout_pb2 import PolicyDataChange, PolicyFileChange, PolicyVersionDiff

MAX_DIFF_LINES = 400


def source_files(row: PolicyVersionRow) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(row.source)), mode="r") as tar:
        for member in tar:
            extracted = tar.extractfile(member)
            if extracted is not None:
                files[member.name] = extracted.read()
    return files


def diff_versions(before: PolicyVersionRow, after: PolicyVersionRow) -> PolicyVersionDiff:
    old, new = source_files(before), source_files(after)
    diff = PolicyVersionDiff(from_version=before.id, to_version=after.id)
    diff.roots_added.extend(sorted(set(after.roots) - set(before.roots)))
    diff.roots_removed.extend(sorted(set(before.roots) - set(after.roots)))
    for name in sorted(set(old) | set(new)):
        was, now = old.get(name), new.get(name)
        if was == now:
            continue
        change = "added" if was is None else "removed" if now is None else "changed"
        diff.files.append(PolicyFileChange(name=name, change=change, diff=_text(was, now, name)))
    diff.data.extend(_data_changes(_data_tree(old), _data_tree(new)))
    return diff


def _text(before: bytes | None, after: bytes | None, name: str) -> str:
    try:
        old = before.decode() if before is not None else ""
        new = after.decode() if after is not None else ""
    except UnicodeDecodeError:
        return ""
    lines = list(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True),
            fromfile=f"a/{name}" if before is not None else "/dev/null",
            tofile=f"b/{name}" if after is not None else "/dev/null",
        )
    )  # fmt: skip
    if len(lines) > MAX_DIFF_LINES:
        lines = lines[:MAX_DIFF_LINES] + [f"… {len(lines) - MAX_DIFF_LINES} more lines\n"]
    return "".join(lines)


def _data_tree(files: dict[str, bytes]) -> dict[str, Any]:
    """Every data.json merged at its directory's path, as OPA loads them."""
    tree: dict[str, Any] = {}
    for name in sorted(files):
        if PurePosixPath(name).name != DATA_FILE:
            continue
        try:
            document = json.loads(files[name])
        except ValueError:
            continue
        node = tree
        parent = str(PurePosixPath(name).parent)
        for part in [p for p in parent.split("/") if p not in ("", ".")]:
            node = node.setdefault(part, {})
        if isinstance(document, dict):
            node.update(document)
    return tree


def _data_changes(before: Any, after: Any, path: str = "") -> list[PolicyDataChange]:
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[PolicyDataChange] = []
        for key in sorted(set(before) | set(after)):
            below = f"{path}/{key}" if path else str(key)
            if key not in before:
                changes.append(_change(below, "added", None, after[key]))
            elif key not in after:
                changes.append(_change(below, "removed", before[key], None))
            else:
                changes.extend(_data_changes(before[key], after[key], below))
        return changes
    if before == after:
        return []
    return [_change(path, "changed", before, after)]


def _change(path: str, change: str, before: Any, after: Any) -> PolicyDataChange:
    found = PolicyDataChange(path=path, change=change)
    if before is not None:
        found.before.CopyFrom(_value(before))
    if after is not None:
        found.after.CopyFrom(_value(after))
    return found


def _value(python: Any) -> Value:
    return ParseDict(python, Value())
