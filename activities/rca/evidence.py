"""Evidence as the analyzer reads it: stable ids, expanded series, bounded sizes.

An item's id is a kind prefix and a hash of its content (its given id, if it has one,
is kept: fixtures and exported bundles name their changes). Collecting the same fact
twice gives the same id, and ``bundle_hash`` is the same for the same evidence in any
order, so a draft can be reproduced from its bundle.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Final, TypeVar

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from kaizen.v1.rca_pb2 import EvidenceBundle, IncidentAlert, LogLine, MetricSeries, MissingSource

PREFIXES: Final = {
    "alerts": "al",
    "metrics": "m",
    "logs": "log",
    "changes": "chg",
    "events": "ev",
}
MAX_POINTS: Final = 1440
"""Points kept per series (a day at one a minute); the rest are dropped, and said."""
MAX_LOG_LINES: Final = 2000
MAX_LINE_CHARS: Final = 500
_TOKEN = re.compile(r"^(?P<a>[-+]?[\d.eE+]+?)(?:(?P<op>[-+])(?P<b>[\d.eE+]+))?x(?P<n>\d+)$")

M = TypeVar("M", bound=Message)


def utc(stamp: Timestamp) -> datetime | None:
    """A set timestamp as an aware datetime; None for an unset one."""
    if stamp.seconds == 0 and stamp.nanos == 0:
        return None
    return stamp.ToDatetime(tzinfo=UTC)


def timestamp(at: datetime) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(at)
    return stamp


def expand_notation(text: str) -> list[float]:
    """Prometheus series notation (``1+2x3``, ``0.5x4``, ``_``, ``_x3``, ``stale``) as values;
    a gap is NaN. ``a+bxN`` is N+1 values, as promtool reads it."""
    values: list[float] = []
    for token in text.split():
        if token in ("_", "stale"):
            values.append(math.nan)
            continue
        if token.startswith("_x"):
            values.extend([math.nan] * int(token[2:]))
            continue
        match = _TOKEN.match(token)
        if match is None:
            values.append(float(token))
            continue
        start, count = float(match["a"]), int(match["n"])
        step = float(match["b"] or 0) * (-1 if match["op"] == "-" else 1)
        values.extend(start + step * i for i in range(count + 1))
    return values


def stable_id(prefix: str, message: Message) -> str:
    """``<prefix>-<10 hex>`` from the message's content, its own id left out."""
    content = type(message)()
    content.CopyFrom(message)
    if "id" in content.DESCRIPTOR.fields_by_name:
        content.ClearField("id")
    digest = hashlib.sha256(content.SerializeToString(deterministic=True)).hexdigest()
    return f"{prefix}-{digest[:10]}"


def merge(bundles: Iterable[EvidenceBundle]) -> EvidenceBundle:
    merged = EvidenceBundle()
    for bundle in bundles:
        merged.MergeFrom(bundle)
    return merged


def normalize(bundle: EvidenceBundle) -> EvidenceBundle:
    """Ids on every item, series expanded and bounded, logs bounded, duplicates dropped,
    items in a stable order (time, then id)."""
    out = EvidenceBundle()
    out.topology.CopyFrom(bundle.topology)
    out.alerts.extend(_identified("alerts", bundle.alerts, _alert_at))
    series = [_expanded(s) for s in bundle.metrics]
    out.metrics.extend(_identified("metrics", series, lambda s: s.start))
    lines = [_bounded_line(line) for line in bundle.logs]
    kept = _identified("logs", lines, lambda line: line.at)
    out.logs.extend(kept[:MAX_LOG_LINES])
    if len(kept) > MAX_LOG_LINES:
        out.missing.append(
            MissingSource(
                source="logs",
                reason=f"{len(kept) - MAX_LOG_LINES} log lines beyond {MAX_LOG_LINES} were dropped",
            )
        )
    out.changes.extend(_identified("changes", bundle.changes, lambda c: c.at))
    out.events.extend(_identified("events", bundle.events, lambda e: e.at))
    seen: set[tuple[str, str]] = set()
    for missing in list(bundle.missing) + list(out.missing):
        key = (missing.source, missing.reason)
        if key not in seen:
            seen.add(key)
    del out.missing[:]
    out.missing.extend(
        MissingSource(source=s, reason=r) for s, r in sorted(seen, key=lambda k: (k[0], k[1]))
    )
    return out


def bundle_hash(bundle: EvidenceBundle) -> str:
    return hashlib.sha256(bundle.SerializeToString(deterministic=True)).hexdigest()[:16]


def _alert_at(alert: IncidentAlert) -> Timestamp:
    return alert.starts_at


def _expanded(series: MetricSeries) -> MetricSeries:
    out = MetricSeries()
    out.CopyFrom(series)
    if not out.values and out.notation:
        out.values.extend(expand_notation(out.notation))
    out.notation = ""
    if out.step_seconds <= 0:
        out.step_seconds = 60
    if len(out.values) > MAX_POINTS:
        # Keep the newest points: the incident is at the end of the window.
        kept = list(out.values)[-MAX_POINTS:]
        dropped = len(out.values) - MAX_POINTS
        del out.values[:]
        out.values.extend(kept)
        start = utc(out.start)
        if start is not None:
            out.start.CopyFrom(timestamp(start + timedelta(seconds=dropped * out.step_seconds)))
        out.truncated = True
    return out


def _bounded_line(line: LogLine) -> LogLine:
    if len(line.line) <= MAX_LINE_CHARS:
        return line
    out = LogLine()
    out.CopyFrom(line)
    out.line = line.line[:MAX_LINE_CHARS] + "…"
    return out


def _identified(field: str, items: Iterable[M], at: Callable[[M], Timestamp]) -> list[M]:
    prefix = PREFIXES[field]
    by_id: dict[str, M] = {}
    for item in items:
        copy = type(item)()
        copy.CopyFrom(item)
        if not copy.id:  # type: ignore[attr-defined]
            copy.id = stable_id(prefix, copy)  # type: ignore[attr-defined]
        by_id.setdefault(copy.id, copy)  # type: ignore[attr-defined]

    def order(item: M) -> tuple[int, int, str]:
        stamp = at(item)
        return (stamp.seconds, stamp.nanos, item.id)  # type: ignore[attr-defined]

    return sorted(by_id.values(), key=order)
