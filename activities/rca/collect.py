"""Evidence collection: one activity per source, each with its own timeout (workflows/rca).

A source that cannot be read answers with a ``missing`` entry saying why (no Prometheus
configured, RBAC refused the read, the node serves no logs) instead of failing the run;
a collector that fails outright is recorded as missing by the workflow. Reads only: no
collector changes anything anywhere.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from google.protobuf.struct_pb2 import Struct
from kubernetes.client import ApiClient, AppsV1Api, CoreV1Api
from kubernetes.client.exceptions import ApiException
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio import activity

from activities.prometheus.client import PrometheusClient, PrometheusQueryError, RangeSeries
from activities.rca.evidence import timestamp, utc
from activities.rca.loki import LokiClient, loki_logs
from activities.rca.signals import WINDOW
from kaizen.catalog.playbooks import Catalog
from kaizen.persistence.alert_deliveries import AlertDelivery, AlertOutcome
from kaizen.persistence.freezes import FreezeRow
from kaizen.persistence.learning import LearningEntry
from kaizen.persistence.releases import ReleaseRow
from kaizen.v1.rca_pb2 import (
    ChangeDiff,
    ChangeRecord,
    EvidenceBatch,
    EvidenceRequest,
    IncidentAlert,
    KubeEvent,
    LogLine,
    MetricSeries,
    MissingSource,
    RcaRequest,
)

DEFAULT_WINDOW: Final = timedelta(hours=1)
MAX_POINTS: Final = 240
MAX_PODS: Final = 5
MAX_LOG_LINES_PER_POD: Final = 200
MAX_EVENTS: Final = 200
HEALING_CHANGES: Final = ("executed", "rolled_back", "verified", "aborted")
REVISION: Final = "deployment.kubernetes.io/revision"


def window(request: RcaRequest) -> tuple[datetime, datetime]:
    """The incident's window; unset ends default to the last hour."""
    end = utc(request.window_end) or datetime.now(UTC)
    start = utc(request.window_start) or end - DEFAULT_WINDOW
    return start, end


def _missing(source: str, reason: str) -> EvidenceBatch:
    return EvidenceBatch(source=source, missing=[MissingSource(source=source, reason=reason)])


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _struct(values: dict[str, Any]) -> Struct:
    struct = Struct()
    struct.update(values)
    return struct


class RcaEvidenceActivities:
    """Reads the incident's evidence from Kaizen's records, Prometheus and Kubernetes."""

    def __init__(
        self,
        engine: Engine,
        *,
        tenant: str,
        catalog: Catalog,
        prometheus: PrometheusClient | None,
        kube: ApiClient | None,
        loki: LokiClient | None = None,
    ) -> None:
        self._engine = engine
        self._loki = loki
        self._tenant = tenant
        self._catalog = catalog
        self._prometheus = prometheus
        self._apps = AppsV1Api(kube) if kube is not None else None
        self._core = CoreV1Api(kube) if kube is not None else None

    # -- Kaizen's own records ----------------------------------------------------------------

    @activity.defn
    async def collect_alerts(self, asked: EvidenceRequest) -> EvidenceBatch:
        """The incident's alerts as Kaizen's webhook recorded them (first firing, resolution)."""
        return await asyncio.to_thread(self._alerts, asked.request)

    def _alerts(self, request: RcaRequest) -> EvidenceBatch:
        start, end = window(request)
        with Session(self._engine) as session:
            query = (
                select(AlertOutcome, AlertDelivery)
                .join(AlertDelivery, col(AlertDelivery.id) == col(AlertOutcome.delivery_id))
                .where(AlertDelivery.tenant == self._tenant)
                .where(col(AlertDelivery.received_at) >= start - WINDOW)
                .where(col(AlertDelivery.received_at) <= end + WINDOW)
            )
            if request.alert_fingerprint:
                query = query.where(AlertOutcome.fingerprint == request.alert_fingerprint)
            else:
                query = query.where(
                    AlertOutcome.namespace == request.namespace,
                    AlertOutcome.workload == request.service,
                )
            rows = session.exec(query.order_by(col(AlertOutcome.id))).all()
        alerts: dict[str, IncidentAlert] = {}
        for outcome, delivery in rows:
            key = outcome.fingerprint or outcome.alertname
            at = _aware(delivery.received_at)
            alert = alerts.setdefault(
                key,
                IncidentAlert(
                    name=outcome.alertname, fingerprint=outcome.fingerprint,
                    source="kaizen.alerts", status="firing",
                    labels=_struct({"namespace": outcome.namespace, "workload": outcome.workload}),
                    link=outcome.run or f"delivery {delivery.id}",
                ),
            )  # fmt: skip
            if outcome.status == "resolved" and at is not None:
                alert.status = "resolved"
                alert.ends_at.CopyFrom(timestamp(at))
            elif at is not None and not alert.HasField("starts_at"):
                alert.starts_at.CopyFrom(timestamp(at))
            if outcome.run and not alert.link.startswith(("healing:", "rca:")):
                alert.link = outcome.run
        batch = EvidenceBatch(source="alerts")
        batch.bundle.alerts.extend(a for a in alerts.values() if a.HasField("starts_at"))
        return batch

    @activity.defn
    async def collect_kaizen_changes(self, asked: EvidenceRequest) -> EvidenceBatch:
        """Changes Kaizen itself made or recorded: healing actions, freezes, releases."""
        return await asyncio.to_thread(self._kaizen_changes, asked.request)

    def _kaizen_changes(self, request: RcaRequest) -> EvidenceBatch:
        start, end = window(request)
        since = start - WINDOW
        batch = EvidenceBatch(source="kaizen_changes")
        with Session(self._engine) as session:
            for entry in session.exec(
                select(LearningEntry).where(
                    LearningEntry.tenant == self._tenant,
                    LearningEntry.namespace == request.namespace,
                    LearningEntry.service == request.service,
                    col(LearningEntry.event).in_(HEALING_CHANGES),
                    col(LearningEntry.at) >= since,
                    col(LearningEntry.at) <= end,
                )
            ):
                batch.bundle.changes.append(
                    ChangeRecord(
                        at=timestamp(_aware(entry.at) or end), kind="healing",
                        source="kaizen.healing", author="kaizen", service=entry.service,
                        namespace=entry.namespace, resource=f"Deployment/{entry.service}",
                        summary=f"{entry.playbook} v{entry.playbook_version} {entry.event}"
                        + (f": {entry.detail}" if entry.detail else ""),
                        link=entry.run_id,
                    )
                )  # fmt: skip
            for freeze in session.exec(
                select(FreezeRow).where(
                    FreezeRow.tenant == self._tenant,
                    col(FreezeRow.created_at) >= since,
                    col(FreezeRow.created_at) <= end,
                )
            ):
                if freeze.covers(service=request.service, environment=""):
                    batch.bundle.changes.append(
                        ChangeRecord(
                            at=timestamp(_aware(freeze.created_at) or end), kind="freeze",
                            source="kaizen.freezes", author=freeze.created_by,
                            summary=f"{freeze.scope} freeze: {freeze.reason}",
                            namespace=request.namespace, link=freeze.id,
                        )
                    )  # fmt: skip
            for release in session.exec(
                select(ReleaseRow).where(
                    ReleaseRow.tenant == self._tenant,
                    ReleaseRow.service == request.service,
                    col(ReleaseRow.live_since) >= since,
                    col(ReleaseRow.live_since) <= end,
                )
            ):
                batch.bundle.changes.append(
                    ChangeRecord(
                        at=timestamp(_aware(release.live_since) or end), kind="image",
                        source="kaizen.promotions", author="kaizen", service=release.service,
                        namespace=request.namespace, resource=f"Deployment/{release.service}",
                        summary=f"promotion of {release.version} to {release.environment}",
                        diff=[ChangeDiff(path="image", after=release.image)],
                        link=release.run_id,
                    )
                )  # fmt: skip
        return batch

    # -- Prometheus ----------------------------------------------------------------------------

    @activity.defn
    async def collect_metrics(self, asked: EvidenceRequest) -> EvidenceBatch:
        """Range queries of the service's signals (the catalog's) over the incident window."""
        if self._prometheus is None:
            return _missing("prometheus", "no Prometheus is configured (KAIZEN_PROMETHEUS_URL)")
        request = asked.request
        start, end = window(request)
        end = max(min(end, datetime.now(UTC)), start + timedelta(seconds=1))  # no future
        batch = EvidenceBatch(source="prometheus")
        for name, signal in sorted(self._catalog.signals.items()):
            query = signal.for_workload(request.namespace, request.service)
            try:
                first, step, found = await self._range(query, start.timestamp(), end.timestamp())
            except PrometheusQueryError as error:
                batch.missing.append(MissingSource(source=f"prometheus:{name}", reason=str(error)))
                continue
            for series in found:
                values = [math.nan] * (int((end.timestamp() - first) // step) + 1)
                for at, value in series.points:
                    index = round((at - first) / step)
                    if 0 <= index < len(values):
                        values[index] = value
                labels = {"service": request.service, "namespace": request.namespace}
                labels.update(series.labels)
                batch.bundle.metrics.append(
                    MetricSeries(
                        signal=name, query=query, labels=_struct(labels),
                        start=timestamp(datetime.fromtimestamp(first, UTC)),
                        step_seconds=int(step), values=values, source="prometheus",
                    )
                )  # fmt: skip
        return batch

    async def _range(
        self, query: str, start: float, end: float
    ) -> tuple[float, float, list[RangeSeries]]:
        """(first, step, series) over [start, end] in at most MAX_POINTS steps. When the data
        begins late in the window (a Prometheus started minutes ago, a new service), it is
        read again over the span it covers, finer: at the window's step those few minutes
        would be a handful of points, too few to find where the symptom began."""
        assert self._prometheus is not None
        step = max(1.0, math.ceil((end - start) / MAX_POINTS))
        found = await self._prometheus.query_range(query, start=start, end=end, step_seconds=step)
        began = min((s.points[0][0] for s in found if s.points), default=None)
        if began is None or began - start < (end - start) / 2 or step <= 1:
            return start, step, found
        first = began - step
        fine = max(1.0, math.ceil((end - first) / MAX_POINTS))
        finer = await self._prometheus.query_range(query, start=first, end=end, step_seconds=fine)
        return first, fine, finer

    # -- Kubernetes ----------------------------------------------------------------------------

    @activity.defn
    async def collect_kube_changes(self, asked: EvidenceRequest) -> EvidenceBatch:
        """The Deployment's ReplicaSet revisions around the incident, each as a change with
        what it changed (image, arguments, limits) against the revision before it."""
        if self._apps is None:
            return _missing("kubernetes", "no cluster is configured")
        return await asyncio.to_thread(self._kube_changes, asked.request)

    def _kube_changes(self, request: RcaRequest) -> EvidenceBatch:
        assert self._apps is not None
        start, end = window(request)
        try:
            sets: list[Any] = self._apps.list_namespaced_replica_set(request.namespace).items
        except ApiException as error:
            return _missing("kubernetes:replicasets", _refused(error))
        owned = [
            rs
            for rs in sets
            if any(
                ref.kind == "Deployment" and ref.name == request.service
                for ref in (rs.metadata.owner_references or [])
            )
        ]
        # In the order the templates were first rolled out: a rollback gives an old
        # ReplicaSet the next revision number, so by revision the rollback's target would
        # seem to follow the bad template and the bad rollout itself would have no
        # predecessor (the rollback is Kaizen's own change record, at its own time).
        owned.sort(
            key=lambda rs: (
                _aware(rs.metadata.creation_timestamp) or datetime.min.replace(tzinfo=UTC),
                int((rs.metadata.annotations or {}).get(REVISION, "0")),
            )
        )
        batch = EvidenceBatch(source="kubernetes:replicasets")
        for previous, current in zip([None, *owned], owned, strict=False):
            created = _aware(current.metadata.creation_timestamp)
            if previous is None or created is None or not (start - WINDOW <= created <= end):
                continue
            diff = _template_diff(previous.spec.template.spec, current.spec.template.spec)
            changed = {d.path.split("]", 1)[-1].lstrip(".") for d in diff}
            kind = "image" if "image" in changed else (
                "limits" if any(c.startswith("resources.") for c in changed) else "config"
            )  # fmt: skip
            annotations = current.metadata.annotations or {}
            batch.bundle.changes.append(
                ChangeRecord(
                    at=timestamp(created), kind=kind, source="kubernetes",
                    author=annotations.get("kubernetes.io/change-cause", ""),
                    service=request.service, namespace=request.namespace,
                    resource=f"Deployment/{request.service}",
                    revision=annotations.get(REVISION, ""), diff=diff,
                    summary=f"revision {annotations.get(REVISION, '?')} "
                    f"(ReplicaSet {current.metadata.name})",
                    link=f"/apis/apps/v1/namespaces/{request.namespace}/replicasets/"
                    f"{current.metadata.name}",
                )
            )  # fmt: skip
        return batch

    @activity.defn
    async def collect_kube_events(self, asked: EvidenceRequest) -> EvidenceBatch:
        """The namespace's events about the service's objects within the window."""
        if self._core is None:
            return _missing("kubernetes", "no cluster is configured")
        return await asyncio.to_thread(self._kube_events, asked.request)

    def _kube_events(self, request: RcaRequest) -> EvidenceBatch:
        assert self._core is not None
        start, end = window(request)
        try:
            events = self._core.list_namespaced_event(request.namespace, limit=1000).items
        except ApiException as error:
            return _missing("kubernetes:events", _refused(error))
        batch = EvidenceBatch(source="kubernetes:events")
        for event in events:
            involved = event.involved_object
            name = involved.name or ""
            if not (name == request.service or name.startswith(request.service + "-")):
                continue
            at = _aware(event.last_timestamp or event.event_time or event.first_timestamp)
            if at is None or not (start - WINDOW <= at <= end):
                continue
            batch.bundle.events.append(
                KubeEvent(
                    at=timestamp(at), reason=event.reason or "",
                    object=f"{(involved.kind or 'object').lower()}/{name}",
                    message=(event.message or "")[:500], count=event.count or 1,
                    type=event.type or "", source="kubernetes",
                )
            )  # fmt: skip
            if len(batch.bundle.events) >= MAX_EVENTS:
                break
        return batch

    @activity.defn
    async def collect_pod_logs(self, asked: EvidenceRequest) -> EvidenceBatch:
        """The service's lines in the window: from Loki when one is configured (it keeps the
        lines of pods that are gone), else the last lines of a few live pods, bounded."""
        if self._loki is not None:
            start, end = window(asked.request)
            return await loki_logs(self._loki, asked.request, start, end)
        if self._core is None or self._apps is None:
            return _missing("kubernetes", "no cluster is configured")
        return await asyncio.to_thread(self._pod_logs, asked.request)

    def _pod_logs(self, request: RcaRequest) -> EvidenceBatch:
        assert self._core is not None and self._apps is not None
        start, end = window(request)
        try:
            deployment = self._apps.read_namespaced_deployment(request.service, request.namespace)
            labels = deployment.spec.selector.match_labels or {}
            selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
            pods: list[Any] = self._core.list_namespaced_pod(
                request.namespace, label_selector=selector
            ).items
        except ApiException as error:
            return _missing("logs", _refused(error))
        batch = EvidenceBatch(source="logs")
        since = max(int((datetime.now(UTC) - start).total_seconds()), 1)
        failures: list[str] = []
        for pod in pods[:MAX_PODS]:
            try:
                text = self._core.read_namespaced_pod_log(
                    pod.metadata.name, request.namespace, since_seconds=since,
                    tail_lines=MAX_LOG_LINES_PER_POD, timestamps=True,
                    _request_timeout=5,
                )  # fmt: skip
            except ApiException as error:
                failures.append(f"{pod.metadata.name}: {_refused(error)}")
                continue
            batch.bundle.logs.extend(_log_lines(str(text), pod.metadata.name, end))
        if failures:
            batch.missing.append(MissingSource(source="logs", reason="; ".join(failures)[:500]))
        return batch


def _refused(error: ApiException) -> str:
    reason = {403: "forbidden by RBAC", 404: "not found"}.get(error.status or 0, "")
    return f"HTTP {error.status} {reason or error.reason or ''}".strip()


def _log_lines(text: str, pod: str, end: datetime) -> Iterable[LogLine]:
    for raw in text.splitlines():
        stamp, _, line = raw.partition(" ")
        try:
            at = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
        except ValueError:
            at, line = end, raw
        yield LogLine(at=timestamp(at), pod=pod, line=line, source="kubernetes")


def _template_diff(before: Any, after: Any) -> list[ChangeDiff]:
    """What changed between two pod templates: each container's image, args and limits."""
    diffs: list[ChangeDiff] = []
    old = {c.name: c for c in before.containers or []}
    for container in after.containers or []:
        previous = old.get(container.name)
        prefix = f"spec.template.spec.containers[{container.name}]"
        pairs = {
            "image": (getattr(previous, "image", None), container.image),
            "args": (
                " ".join(getattr(previous, "args", None) or []),
                " ".join(container.args or []),
            ),
        }
        for resource in ("memory", "cpu"):
            pairs[f"resources.limits.{resource}"] = (
                _limit(previous, resource),
                _limit(container, resource),
            )
        for path, (was, now) in pairs.items():
            if (was or "") != (now or ""):
                diffs.append(ChangeDiff(path=f"{prefix}.{path}", before=was or "", after=now or ""))
    return diffs


def _limit(container: Any, resource: str) -> str:
    limits = getattr(getattr(container, "resources", None), "limits", None) or {}
    return str(limits.get(resource, ""))
