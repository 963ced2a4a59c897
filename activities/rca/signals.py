"""What the analyzer computes from the evidence (never the LLM): symptom onset, each series'
shift around it, log signatures new since it, event classes, and every change's timing and
scope relative to the incident's service.

Each derived fact is citable: the onset and the log signatures become evidence items of
their own (``on-…``, ``sig-…``) listing the raw items they came from.
"""

from __future__ import annotations

import hashlib
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from google.protobuf.json_format import MessageToDict
from google.protobuf.struct_pb2 import Struct

from activities.rca.evidence import timestamp, utc
from kaizen.v1.rca_pb2 import (
    ChangeRecord,
    EvidenceBundle,
    EvidenceItem,
    IncidentAlert,
    KubeEvent,
    LogLine,
    MetricSeries,
    RcaRequest,
)

WINDOW: Final = timedelta(minutes=60)
"""A change can support a cause only if it precedes onset by at most this much."""
SUSTAINED_POINTS: Final = 3
MAD_FACTOR: Final = 5.0
# Signals whose rise is the incident itself (onset is read from these first).
SYMPTOMS: Final = ("error_rate", "latency")
# Signals that fall towards trouble.
FALLING: Final = frozenset({"volume_available_bytes", "cert_expiry_seconds"})

LOG_CLASSES: Final[dict[str, re.Pattern[str]]] = {
    "oom": re.compile(r"oomkilled|out of memory|exit code 137|oom-kill", re.I),
    "cert": re.compile(r"x509|certificate (has )?expired|certificate verify failed", re.I),
    "disk_full": re.compile(r"no space left on device|disk (is )?full", re.I),
    "disk_slow": re.compile(
        r"slow (disk|i/?o|fsync)|fsync took|disk latency|i/?o latency|iowait|blocked on i/?o", re.I
    ),
    "dns": re.compile(
        r"lookup \S+.*(i/o timeout|no such host)|dns .*timeout|server misbehaving", re.I
    ),
    "connection": re.compile(
        r"connection refused|connection reset|upstream (connect )?(timeout|error)|"
        r"deadline exceeded|timed out|no healthy upstream|503 from",
        re.I,
    ),
    "code_error": re.compile(
        r"exception|panic|nullpointer|traceback|segfault|typeerror|undefined method", re.I
    ),
    "flag": re.compile(
        r"flag provided but not defined|unknown (flag|option)|invalid (flag|argument|option)|"
        r"unrecognized (option|argument)|bad flag",
        re.I,
    ),
    "pool": re.compile(
        r"acquiring connection|connection pool|too many connections|pool exhausted", re.I
    ),
    "denied": re.compile(
        r"forbidden|permission denied|denied by (network )?policy|access denied|not authorized",
        re.I,
    ),
}
EVENT_CLASSES: Final[dict[str, re.Pattern[str]]] = {
    "oom": re.compile(r"oomkill", re.I),
    "crash": re.compile(r"^(back-?off|crashloopbackoff)$", re.I),
    "unhealthy": re.compile(r"^unhealthy$", re.I),
    "node": re.compile(
        r"nodenotready|nodestatusunknown|taintmanagereviction|nodenotschedulable", re.I
    ),
    "scheduling": re.compile(r"failedscheduling", re.I),
    "evicted": re.compile(r"^evicted$", re.I),
}
EVENT_MESSAGE_CLASSES: Final[dict[str, re.Pattern[str]]] = {
    "hpa_max": re.compile(r"max ?replicas", re.I),
    "failover": re.compile(
        r"replica promoted|failover|primary (changed|lost)|leader (lost|changed)", re.I
    ),
    "cert": re.compile(r"certificate|renewal failed|x509", re.I),
    "disk_slow": LOG_CLASSES["disk_slow"],
    "disk_full": LOG_CLASSES["disk_full"],
}
_MASKS: Final = (
    (re.compile(r"^\S*\d{4}-\d\d-\d\dT\S+\s*"), ""),
    (re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I), "<uuid>"),
    (re.compile(r"\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b"), "<ip>"),
    (re.compile(r"\b0x[0-9a-f]+\b|\b[0-9a-f]{12,}\b", re.I), "<hex>"),
    (re.compile(r"(?<![\w.-])\d+(\.\d+)?(ms|s|mi|gi|%)?(?![\w-])", re.I), "<n>"),
)
_TARGETS: Final = (
    re.compile(
        r"(?:calling|lookup|connect to|dial tcp|upstream|to)\s+([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*)",
        re.I,
    ),
    re.compile(r"\b([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)*):\d{2,5}\b", re.I),
)
_NOT_SERVICES: Final = frozenset({"the", "a", "an", "server", "host", "localhost", "upstream"})


@dataclass(frozen=True)
class SeriesFacts:
    series: MetricSeries
    own: bool
    baseline: float
    after: float
    peak: float
    trough: float
    change_point: datetime | None
    labels: dict[str, str]

    @property
    def ratio(self) -> float:
        """How far the series moved after onset, against its baseline."""
        if self.baseline <= 0:
            return math.inf if self.after > 0 else 1.0
        return self.after / self.baseline


@dataclass(frozen=True)
class Signature:
    id: str
    template: str
    classes: frozenset[str]
    before: int
    after: int
    first_seen: datetime
    pods: tuple[str, ...]
    services: tuple[str, ...]
    line_ids: tuple[str, ...]
    targets: tuple[str, ...]
    example: str
    own: bool
    link: str = ""
    """Where its lines can be read again (Loki's LogQL), when they came with one."""

    @property
    def new(self) -> bool:
        return self.before == 0 and self.after > 0


@dataclass(frozen=True)
class ChangeFacts:
    change: ChangeRecord
    at: datetime
    lead_minutes: float
    """Minutes before onset (negative: after it)."""
    scope: str
    """same, namespace, node, dependency or unrelated."""

    @property
    def precedes(self) -> bool:
        return self.lead_minutes >= 0

    @property
    def in_window(self) -> bool:
        return 0 <= self.lead_minutes <= WINDOW.total_seconds() / 60


@dataclass(frozen=True)
class EventFacts:
    event: KubeEvent
    at: datetime
    classes: frozenset[str]
    own: bool
    service: str


@dataclass
class Facts:
    service: str
    namespace: str
    onset: datetime
    onset_id: str
    alerts: list[IncidentAlert]
    series: list[SeriesFacts]
    signatures: list[Signature]
    changes: list[ChangeFacts]
    events: list[EventFacts]
    nodes: set[str]
    dependencies: set[str]
    evidence: list[EvidenceItem] = field(default_factory=list)
    missing_ids: dict[str, str] = field(default_factory=dict)
    """Missing source -> the id of the evidence item that says it is missing."""

    @property
    def ids(self) -> set[str]:
        return {item.id for item in self.evidence}

    def own_series(self, signal: str) -> list[SeriesFacts]:
        return [s for s in self.series if s.own and s.series.signal == signal]

    def own_signatures(self, cls: str) -> list[Signature]:
        return [s for s in self.signatures if s.own and cls in s.classes and s.after > 0]

    def own_events(self, cls: str) -> list[EventFacts]:
        return [e for e in self.events if e.own and cls in e.classes]


def extract(request: RcaRequest, bundle: EvidenceBundle) -> Facts:
    """The facts of a normalized bundle (see ``evidence.normalize``)."""
    service, namespace = request.service, request.namespace
    alerts = list(bundle.alerts)
    placement = MessageToDict(bundle.topology.placement) if bundle.topology.placement else {}
    onset, onset_from = _onset(request, alerts, bundle.metrics)
    series = [_series_facts(s, service, onset) for s in bundle.metrics]
    signatures = _signatures(bundle.logs, service, onset)
    nodes = {str(node) for pod, node in placement.items() if _owns(service, "", str(pod))}
    nodes |= {s.labels["node"] for s in series if s.own and "node" in s.labels}
    dependencies = set(bundle.topology.dependencies)
    events = [_event_facts(e, service) for e in bundle.events]
    changes = [
        _change_facts(c, service, namespace, onset, nodes, dependencies) for c in bundle.changes
    ]
    onset_id = (
        "on-"
        + hashlib.sha256(
            f"{service}|{onset.isoformat()}|{','.join(onset_from)}".encode()
        ).hexdigest()[:10]
    )
    facts = Facts(
        service=service, namespace=namespace, onset=onset, onset_id=onset_id, alerts=alerts,
        series=series, signatures=signatures, changes=changes, events=events, nodes=nodes,
        dependencies=dependencies,
    )  # fmt: skip
    facts.evidence = _evidence_items(facts, bundle, onset_from)
    return facts


def _owns(service: str, named: str, object_name: str) -> bool:
    """Whether an item is about ``service``: it names it, or its pod/object carries its name."""
    if named:
        return named == service
    name = object_name.split("/", 1)[-1]
    return name == service or name.startswith(service + "-")


def _onset(
    request: RcaRequest, alerts: Sequence[IncidentAlert], metrics: Sequence[MetricSeries]
) -> tuple[datetime, list[str]]:
    """Symptom onset: the first sustained rise of the service's own error or latency series,
    unless the alerts started earlier; else the first alert; else the window's middle."""
    starts = [(at, a.id) for a in alerts if (at := utc(a.starts_at)) is not None]
    first_alert = min(starts, default=None)
    points: list[tuple[datetime, str]] = []
    for series in metrics:
        labels = _labels(series)
        if series.signal in SYMPTOMS and _owns(request.service, labels.get("service", ""), ""):
            point = _change_point(series, limit=first_alert[0] if first_alert else None)
            if point is not None:
                points.append((point, series.id))
    if points:
        earliest = min(points)
        if first_alert is None or earliest[0] <= first_alert[0]:
            return earliest[0], [earliest[1]] + ([first_alert[1]] if first_alert else [])
    if first_alert is not None:
        return first_alert[0], [first_alert[1]]
    start, end = utc(request.window_start), utc(request.window_end)
    if start is not None and end is not None:
        return start + (end - start) / 2, []
    return datetime.fromtimestamp(0).astimezone(), []


def _labels(series: MetricSeries) -> dict[str, str]:
    return (
        {str(k): str(v) for k, v in MessageToDict(series.labels).items()} if series.labels else {}
    )


def _times(series: MetricSeries) -> list[datetime]:
    start = utc(series.start)
    if start is None:
        return []
    step = timedelta(seconds=series.step_seconds or 60)
    return [start + step * i for i in range(len(series.values))]


def _change_point(series: MetricSeries, *, limit: datetime | None = None) -> datetime | None:
    """The first of ``SUSTAINED_POINTS`` points past baseline median + k·MAD (for a falling
    signal, below median − k·MAD), the baseline being the first third of the series."""
    values = list(series.values)
    times = _times(series)
    # The baseline is the first third of what was observed: a series whose data begins
    # late in the window (a Prometheus started minutes ago) has NaN before it.
    observed = next((i for i, v in enumerate(values) if not math.isnan(v)), len(values))
    values, times = values[observed:], times[observed:]
    if len(values) < SUSTAINED_POINTS * 3 or not times:
        return None
    head = [v for v in values[: max(len(values) // 3, SUSTAINED_POINTS)] if not math.isnan(v)]
    if not head:
        return None
    median = statistics.median(head)
    mad = statistics.median([abs(v - median) for v in head])
    margin = max(MAD_FACTOR * mad, 0.5 * abs(median), 1e-9)
    falling = series.signal in FALLING
    for index in range(len(values) - SUSTAINED_POINTS + 1):
        window = values[index : index + SUSTAINED_POINTS]
        if any(math.isnan(v) for v in window):
            continue
        if (falling and all(v < median - margin for v in window)) or (
            not falling and all(v > median + margin for v in window)
        ):
            at = times[index]
            return None if limit is not None and at > limit + timedelta(minutes=30) else at
    return None


def _series_facts(series: MetricSeries, service: str, onset: datetime) -> SeriesFacts:
    labels = _labels(series)
    pairs = [
        (t, v) for t, v in zip(_times(series), series.values, strict=False) if not math.isnan(v)
    ]
    before = [v for t, v in pairs if t < onset] or [v for _t, v in pairs[:1]]
    after = [v for t, v in pairs if t >= onset] or [v for _t, v in pairs[-1:]]
    return SeriesFacts(
        series=series,
        own=_owns(service, labels.get("service", ""), labels.get("pod", "")),
        baseline=statistics.median(before) if before else 0.0,
        after=statistics.median(after) if after else 0.0,
        peak=max(after) if after else 0.0,
        trough=min(after) if after else 0.0,
        change_point=_change_point(series),
        labels=labels,
    )


def template(line: str) -> str:
    """A log line with its variable parts masked: one signature for every repeat."""
    shown = line.strip()
    for pattern, mask in _MASKS:
        shown = pattern.sub(mask, shown)
    return re.sub(r"\s+", " ", shown)[:200]


def log_classes(text: str) -> frozenset[str]:
    return frozenset(name for name, pattern in LOG_CLASSES.items() if pattern.search(text))


def targets(text: str) -> tuple[str, ...]:
    """Services a line names as the other end of a call (first DNS label of a host)."""
    found: list[str] = []
    for pattern in _TARGETS:
        for match in pattern.finditer(text):
            name = match.group(1).lower().split(".")[0]
            if name not in _NOT_SERVICES and not name.isdigit() and name not in found:
                found.append(name)
    return tuple(found)


def _signatures(lines: Sequence[LogLine], service: str, onset: datetime) -> list[Signature]:
    groups: dict[str, list[LogLine]] = {}
    for line in lines:
        groups.setdefault(template(line.line), []).append(line)
    signatures = []
    for shape, members in groups.items():
        times = [t for m in members if (t := utc(m.at)) is not None]
        text = members[0].line
        services = sorted({m.service for m in members if m.service})
        pods = sorted({m.pod for m in members if m.pod})
        own = any(_owns(service, m.service, m.pod) for m in members)
        digest = hashlib.sha256(f"{shape}|{','.join(services or pods)}".encode()).hexdigest()
        signatures.append(
            Signature(
                id=f"sig-{digest[:10]}",
                template=shape,
                classes=log_classes(text),
                before=sum(1 for t in times if t < onset),
                after=sum(1 for t in times if t >= onset),
                first_seen=min(times) if times else onset,
                pods=tuple(pods[:10]),
                services=tuple(services),
                line_ids=tuple(m.id for m in members[:20]),
                targets=targets(text),
                example=text[:300],
                own=own,
                link=next((m.link for m in members if m.link), ""),
            )  # fmt: skip
        )
    return sorted(signatures, key=lambda s: (s.first_seen, s.id))


def _event_facts(event: KubeEvent, service: str) -> EventFacts:
    classes = {n for n, p in EVENT_CLASSES.items() if p.search(event.reason)}
    classes |= {n for n, p in EVENT_MESSAGE_CLASSES.items() if p.search(event.message)}
    classes |= log_classes(event.message) & {"oom", "cert", "flag", "denied"}
    at = utc(event.at)
    return EventFacts(
        event=event,
        at=at if at is not None else datetime.fromtimestamp(0).astimezone(),
        classes=frozenset(classes),
        own=_owns(service, event.service, event.object),
        service=event.service or event.object.split("/", 1)[-1],
    )


def _change_facts(
    change: ChangeRecord,
    service: str,
    namespace: str,
    onset: datetime,
    nodes: set[str],
    dependencies: set[str],
) -> ChangeFacts:
    at = utc(change.at) or onset
    lead = (onset - at).total_seconds() / 60
    if change.service == service or (not change.service and _owns(service, "", change.resource)):
        scope = "same"
    elif (
        change.kind in ("netpol", "policy")
        and change.namespace in ("", namespace)
        and (not change.service)
    ):
        scope = "namespace"
    elif change.node and change.node in nodes:
        scope = "node"
    elif change.service and change.service in dependencies:
        scope = "dependency"
    else:
        scope = "unrelated"
    return ChangeFacts(change=change, at=at, lead_minutes=lead, scope=scope)


def _observation(values: dict[str, Any]) -> Struct:
    struct = Struct()
    struct.update({k: v for k, v in values.items() if v is not None})
    return struct


def _evidence_items(
    facts: Facts, bundle: EvidenceBundle, onset_from: list[str]
) -> list[EvidenceItem]:
    items: list[EvidenceItem] = [
        EvidenceItem(
            id=facts.onset_id,
            kind="onset",
            source="analyzer",
            at=timestamp(facts.onset),
            summary=f"symptom onset at {facts.onset:%Y-%m-%d %H:%M:%S} UTC",
            derived_from=onset_from,
        )  # fmt: skip
    ]
    for alert in bundle.alerts:
        items.append(
            EvidenceItem(
                id=alert.id,
                kind="alert",
                source=alert.source or "alerts",
                at=alert.starts_at,
                summary=f"alert {alert.name} {alert.status or 'firing'}"
                + (f" ({alert.severity})" if alert.severity else ""),
                link=alert.link,
                observation=_observation({"labels": MessageToDict(alert.labels)}),
            )  # fmt: skip
        )
    for s in facts.series:
        shown = ", ".join(f"{k}={v}" for k, v in sorted(s.labels.items()))
        items.append(
            EvidenceItem(
                id=s.series.id,
                kind="metric",
                source=s.series.source or "metrics",
                at=s.series.start,
                summary=f"{s.series.signal}{{{shown}}}: baseline {_num(s.baseline)}, "
                f"after onset {_num(s.after)} (peak {_num(s.peak)})",
                link=s.series.query,
                observation=_observation(
                    {
                        "baseline": _finite(s.baseline),
                        "after": _finite(s.after),
                        "peak": _finite(s.peak),
                        "trough": _finite(s.trough),
                        "change_point": s.change_point.isoformat() if s.change_point else None,
                        "truncated": s.series.truncated,
                    }
                ),
            )  # fmt: skip
        )
    for sig in facts.signatures:
        where = ", ".join(sig.services or sig.pods[:3])
        items.append(
            EvidenceItem(
                id=sig.id,
                kind="log_signature",
                source="logs",
                at=timestamp(sig.first_seen),
                summary=f"log '{sig.example[:160]}' ×{sig.before + sig.after} "
                f"({sig.before} before onset, {sig.after} after; {where})",
                link=sig.link,
                observation=_observation(
                    {
                        "template": sig.template,
                        "before": sig.before,
                        "after": sig.after,
                        "new": sig.new,
                        "classes": sorted(sig.classes),
                    }
                ),
                derived_from=list(sig.line_ids),
            )  # fmt: skip
        )
    for c in facts.changes:
        diff = "; ".join(f"{d.path}: {d.before} → {d.after}" for d in c.change.diff)
        items.append(
            EvidenceItem(
                id=c.change.id,
                kind="change",
                source=c.change.source or "changes",
                at=c.change.at,
                summary=f"{c.change.kind} change to {c.change.resource or c.change.service}"
                + (f" by {c.change.author}" if c.change.author else "")
                + (f": {c.change.summary}" if c.change.summary else "")
                + (f" ({diff})" if diff else ""),
                link=c.change.link,
                observation=_observation(
                    {"lead_minutes": round(c.lead_minutes, 1), "scope": c.scope}
                ),
            )  # fmt: skip
        )
    for e in facts.events:
        items.append(
            EvidenceItem(
                id=e.event.id,
                kind="k8s_event",
                source=e.event.source or "kubernetes",
                at=e.event.at,
                summary=f"{e.event.reason} {e.event.object}"
                + (f" ×{e.event.count}" if e.event.count > 1 else "")
                + (f": {e.event.message}" if e.event.message else ""),
                link=e.event.object,
            )  # fmt: skip
        )
    for missing in bundle.missing:
        missing_id = (
            "miss-" + hashlib.sha256(f"{missing.source}|{missing.reason}".encode()).hexdigest()[:10]
        )
        facts.missing_ids.setdefault(missing.source, missing_id)
        items.append(
            EvidenceItem(
                id=missing_id,
                kind="missing",
                source=missing.source,
                summary=f"{missing.source} could not be read: {missing.reason}",
            )  # fmt: skip
        )
    return items


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _num(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.3g}"
