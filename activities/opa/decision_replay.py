"""The preview: the fleet's recorded decisions replayed against the candidate and the current
version, to show what a rollout would change before it changes anything.

Decisions are grouped by path and each group is evaluated in one batched ``opa eval``
per version (one process for a thousand inputs, tens of milliseconds), keyed by index
so an undefined result stays visible as a missing key. Replaying against the current
version too separates real changes from nondeterminism (a decision the current
version no longer reproduces is counted apart, not as a flip).
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from google.protobuf.json_format import ParseDict
from google.protobuf.struct_pb2 import Value
from sqlalchemy.engine import Engine
from temporalio import activity

from activities.opa.cli import OpaCli, OpaEvalError, trim
from activities.refusals import refusal
from kaizen.contract.timestamps import to_timestamp
from kaizen.persistence.db import session_scope
from kaizen.persistence.policy_decisions import PolicyDecisionRow, recent
from kaizen.persistence.policy_versions import get_version
from kaizen.v1.policy_rollout_pb2 import (
    PolicyFlipExample,
    PolicyPathPreview,
    PolicyPreviewReport,
    PolicyPreviewRequest,
)

DEFAULT_HOURS: Final = 24
DEFAULT_LIMIT: Final = 10_000
EXAMPLES_PER_PATH: Final = 5
_IDENTIFIER: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_MISSING: Final = object()


def batch_query(path: str) -> str:
    """The query that decides every ``input.items[i]`` at ``path`` in one evaluation."""
    reference = "data" + "".join(
        f".{part}" if _IDENTIFIER.match(part) else f"[{json.dumps(part)}]"
        for part in path.split("/")
        if part
    )
    return f"{{i: r | some i, x in input.items; r := {reference} with input as x}}"


def is_allow(value: Any) -> bool:
    """A decision allows when its result is ``true`` (or an object whose ``allow`` is)."""
    if isinstance(value, dict):
        return value.get("allow") is True
    return value is True


class PolicyPreviewActivities:
    def __init__(self, engine: Engine, cli: OpaCli) -> None:
        self._engine = engine
        self._cli = cli

    @activity.defn
    async def preview_policy_version(self, request: PolicyPreviewRequest) -> PolicyPreviewReport:
        """Replay the recorded decisions; count and show what the candidate decides otherwise."""
        started = time.monotonic()
        hours = request.hours or DEFAULT_HOURS
        since = datetime.now(UTC) - timedelta(hours=hours)
        rows, candidate, baseline, baseline_revision = await asyncio.to_thread(
            self._read, request, since
        )
        report = PolicyPreviewReport(
            candidate_version=request.candidate_version,
            baseline_version=request.baseline_version,
            recorded=len(rows),
            since=to_timestamp(since),
        )
        by_path: dict[str, list[PolicyDecisionRow]] = {}
        for row in rows:
            by_path.setdefault(row.path, []).append(row)
        with tempfile.TemporaryDirectory(prefix="kaizen-preview-") as tmp:
            root = Path(tmp)
            candidate_path = root / "candidate.tar.gz"
            candidate_path.write_bytes(candidate)
            baseline_path: Path | None = None
            if baseline is not None:
                baseline_path = root / "baseline.tar.gz"
                baseline_path.write_bytes(baseline)
            for path in sorted(by_path):
                activity.heartbeat(path)
                found = await self._path(
                    root, path, by_path[path], candidate_path, baseline_path, baseline_revision
                )
                report.paths.append(found)
                for name in ("replayed", "changed", "allow_to_deny", "deny_to_allow",
                             "other_changes", "nondeterministic"):  # fmt: skip
                    setattr(report, name, getattr(report, name) + getattr(found, name))
        report.seconds = time.monotonic() - started
        return report

    async def _path(
        self,
        root: Path,
        path: str,
        rows: Sequence[PolicyDecisionRow],
        candidate: Path,
        baseline: Path | None,
        baseline_revision: str,
    ) -> PolicyPathPreview:
        found = PolicyPathPreview(path=path)
        batch = root / "batch.json"
        batch.write_text(json.dumps({"items": [row.input for row in rows]}))
        query = batch_query(path)
        try:
            after = await self._cli.eval_json(candidate, query, batch) or {}
            before = await self._cli.eval_json(baseline, query, batch) if baseline else None
        except OpaEvalError as error:
            found.error = trim(str(error))
            return found
        for index, row in enumerate(rows):
            key = str(index)
            new = after.get(key, _MISSING)
            recorded = row.result if row.defined else _MISSING
            old = before.get(key, _MISSING) if before is not None else recorded
            found.replayed += 1
            if before is not None and row.revision == baseline_revision and old != recorded:
                found.nondeterministic += 1
            if old == new:
                continue
            found.changed += 1
            old_allows = old is not _MISSING and is_allow(old)
            new_allows = new is not _MISSING and is_allow(new)
            if old_allows and not new_allows:
                found.allow_to_deny += 1
            elif new_allows and not old_allows:
                found.deny_to_allow += 1
            else:
                found.other_changes += 1
            if len(found.examples) < EXAMPLES_PER_PATH:
                found.examples.append(_example(row, old, new))
        return found

    def _read(
        self, request: PolicyPreviewRequest, since: datetime
    ) -> tuple[list[PolicyDecisionRow], bytes, bytes | None, str]:
        with session_scope(self._engine) as session:
            candidate = get_version(session, request.tenant, request.candidate_version)
            if candidate is None:
                raise refusal(f"policy version {request.candidate_version} does not exist",
                              type="UnknownPolicyVersion")  # fmt: skip
            baseline = (
                get_version(session, request.tenant, request.baseline_version)
                if request.baseline_version
                else None
            )
            rows = recent(
                session, request.tenant, fleet=request.fleet, since=since,
                limit=request.limit or DEFAULT_LIMIT, nodes=list(request.nodes),
            )  # fmt: skip
            for row in rows:
                session.expunge(row)
            return (
                rows,
                candidate.artifact,
                baseline.artifact if baseline is not None else None,
                baseline.revision if baseline is not None else "",
            )


def _example(row: PolicyDecisionRow, old: Any, new: Any) -> PolicyFlipExample:
    example = PolicyFlipExample(decision_id=row.decision_id, node=row.node)
    example.input.CopyFrom(_value(row.input))
    example.before.CopyFrom(_value(None if old is _MISSING else old))
    example.after.CopyFrom(_value(None if new is _MISSING else new))
    return example


def _value(python: Any) -> Value:
    return ParseDict(python, Value())
