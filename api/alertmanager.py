"""Alertmanager's webhook payload (version 4) and how an alert maps to a healing request.

An alert names its workload through labels, and which labels depends on the
rules and exporters that fired it, so the label names are settings. Labels that
name a Kubernetes object (``deployment``, ``replicaset``, ``pod``) say what the
alert is about; ``service``, ``app``, ``job`` and ``instance`` often name the
scrape target instead (kube-state-metrics reports every pod of the cluster under
its own ``service``), so object labels come first and an exporter's alerts are
read by their object labels only. Here the labels become a subject (a kind and
a name); api.alerts.workloads resolves it to the Deployment that owns it.

An alert that cannot be mapped is not an error of the whole delivery:
Alertmanager groups unrelated alerts, and one bad rule must not stop the others
from being healed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Final, Literal

from google.protobuf.struct_pb2 import Struct
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from api.schemas import K8S_NAME, SYMPTOM, RunView
from kaizen.contract.timestamps import to_timestamp
from kaizen.settings import Settings
from kaizen.v1.healing_pb2 import AlertNotice, HealingRequest

SOURCE: Final = "alertmanager"
MAX_ALERTS: Final = 1000
# Alertmanager's severities vary by team; these are the spellings seen in the wild.
SEVERITIES: Final = {
    "critical": "critical",
    "high": "high",
    "error": "high",
    "page": "high",
    "warning": "medium",
    "warn": "medium",
    "medium": "medium",
    "info": "low",
    "low": "low",
    "none": "low",
}

AlertStatus = Literal["firing", "resolved"]

# What a label that names a Kubernetes object names, by label (kube-state-metrics' names).
OBJECT_LABELS: Final[dict[str, str]] = {
    "deployment": "Deployment",
    "replicaset": "ReplicaSet",
    "pod": "Pod",
}
# Objects Kaizen does not heal: an alert about one is skipped, not mapped by its other labels.
OTHER_OBJECT_LABELS: Final[dict[str, str]] = {
    "statefulset": "StatefulSet",
    "daemonset": "DaemonSet",
    "job_name": "Job",
    "cronjob": "CronJob",
}
# Without honor_labels, Prometheus keeps a series' own label under this prefix when the
# scrape target has one of the same name; the unprefixed one then names the target.
EXPORTED: Final = "exported_"

# What Alertmanager sends is bounded by the rules that fired, not by us; these are far
# above what real rules produce (kube-state-metrics alerts carry ~20 labels) and keep one
# delivery from holding the API's memory or a run's input hostage.
MAX_LABELS: Final = 128
MAX_ANNOTATIONS: Final = 64
LabelName = Annotated[str, StringConstraints(max_length=256)]
LabelValue = Annotated[str, StringConstraints(max_length=4096)]
AnnotationValue = Annotated[str, StringConstraints(max_length=16 * 1024)]
Labels = Annotated[dict[LabelName, LabelValue], Field(max_length=MAX_LABELS)]
Annotations = Annotated[dict[LabelName, AnnotationValue], Field(max_length=MAX_ANNOTATIONS)]
Text = Annotated[str, StringConstraints(max_length=4096)]


class AlertmanagerAlert(BaseModel):
    """One alert of a notification."""

    # Alertmanager adds fields over time; unknown ones are ignored, not refused.
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: AlertStatus
    labels: Labels
    annotations: Annotations = Field(default_factory=dict)
    starts_at: datetime | None = Field(default=None, alias="startsAt")
    ends_at: datetime | None = Field(default=None, alias="endsAt")
    generator_url: Text = Field(default="", alias="generatorURL")
    fingerprint: Annotated[str, StringConstraints(max_length=128)] = ""


class AlertmanagerWebhook(BaseModel):
    """A webhook notification, payload version 4."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: Literal["4"] = Field(description='Payload version; only "4" is understood')
    group_key: Annotated[str, StringConstraints(max_length=16 * 1024)] = Field(
        default="", alias="groupKey"
    )
    truncated_alerts: int = Field(default=0, ge=0, le=2**31, alias="truncatedAlerts")
    status: AlertStatus
    receiver: Text = ""
    group_labels: Labels = Field(default_factory=dict, alias="groupLabels")
    common_labels: Labels = Field(default_factory=dict, alias="commonLabels")
    common_annotations: Annotations = Field(default_factory=dict, alias="commonAnnotations")
    external_url: Text = Field(default="", alias="externalURL")
    alerts: list[AlertmanagerAlert] = Field(min_length=1, max_length=MAX_ALERTS)


AlertAction = Literal["started", "joined", "backoff", "recorded", "skipped"]


class AlertResult(BaseModel):
    """What became of one alert."""

    fingerprint: str
    alertname: str
    status: AlertStatus
    action: AlertAction
    run: RunView | None = None  # type: ignore[valid-type]
    reason: str = ""
    mapping: str = Field(
        default="",
        description="How the workload was found, e.g. `pod shop/api-7d9f8-xk2lp → "
        "ReplicaSet api-7d9f8 → Deployment api`, or why Kubernetes was not asked",
    )


class AlertsReply(BaseModel):
    """One result per alert, in the order the alerts came."""

    results: list[AlertResult]


@dataclass(frozen=True)
class Problem:
    """Why an alert cannot be mapped: the label (as a path inside the alert) and the reason."""

    field: str
    message: str


@dataclass(frozen=True)
class Subject:
    """What an alert's labels say it is about, before Kubernetes is asked."""

    kind: str
    """Deployment, ReplicaSet or Pod; another kind (StatefulSet, ...) is never healed."""
    name: str
    label: str
    """The label the name was read from, e.g. ``exported_pod``."""


@dataclass(frozen=True)
class MappedAlert:
    """An alert mapped to what it is about; ``request.service`` is set once the subject is
    resolved to its Deployment."""

    request: HealingRequest
    notice: AlertNotice
    subject: Subject


def alertname(alert: AlertmanagerAlert) -> str:
    return alert.labels.get("alertname", "")


def map_alert(
    alert: AlertmanagerAlert, settings: Settings, *, requested_by: str
) -> MappedAlert | list[Problem]:
    """The healing request and subject for ``alert``, or every reason it cannot have one."""
    labels = alert.labels
    problems: list[Problem] = []

    def named(label: str, pattern: str, what: str) -> str:
        value = labels.get(label, "")
        if not value:
            problems.append(Problem(f"labels.{label}", f"missing label {label!r}"))
        elif not re.fullmatch(pattern, value):
            problems.append(Problem(f"labels.{label}", f"{value!r} is not {what}"))
        return value

    namespace = named(
        _present(labels, settings.alert_namespace_label), K8S_NAME, "a Kubernetes name"
    )
    found = subject_labels(labels, settings)
    if found is None:
        problems.append(
            Problem(
                f"labels.{settings.alert_workload_labels[0]}",
                "no workload label; expected one of " + ", ".join(settings.alert_workload_labels),
            )
        )
        subject = None
    else:
        kind, label = found
        subject = Subject(kind, named(label, K8S_NAME, "a Kubernetes name"), label)
    symptom = named("alertname", SYMPTOM, "an alert name (letters, digits, _ . -)")
    raw_severity = labels.get("severity", "").strip()
    severity = (
        SEVERITIES.get(raw_severity.lower()) if raw_severity else settings.alert_default_severity
    )
    if severity is None:
        problems.append(
            Problem(
                "labels.severity",
                f"unknown severity {raw_severity!r}; expected one of {', '.join(SEVERITIES)}",
            )
        )
    if problems or severity is None or subject is None:
        return problems
    request = HealingRequest(
        namespace=namespace,
        symptom=symptom,
        severity=f"SEVERITY_{severity.upper()}",
        requested_by=requested_by,
        source=SOURCE,
        evidence=_evidence(alert),
    )
    return MappedAlert(request=request, notice=notice_for(alert), subject=subject)


def subject_labels(labels: dict[str, str], settings: Settings) -> tuple[str, str] | None:
    """The kind of object the alert is about and the label naming it, or None.

    Object labels are taken in the settings' order; a name label (``service``, ``app``)
    only when the alert is not an exporter's and is not about another kind of object.
    """
    other = next(
        (
            (kind, present)
            for label, kind in OTHER_OBJECT_LABELS.items()
            if (present := _present(labels, label)) in labels
        ),
        None,
    )
    exporter = labels.get("job", "") in settings.alert_exporter_jobs
    for label in settings.alert_workload_labels:
        kind = OBJECT_LABELS.get(label)
        if kind is None and (exporter or other is not None):
            continue
        present = _present(labels, label)
        if present in labels:
            return kind or "Deployment", present
    return other


def _present(labels: dict[str, str], label: str) -> str:
    """``exported_<label>`` when the alert has it (the series' own), else ``label``."""
    return EXPORTED + label if EXPORTED + label in labels else label


def notice_for(alert: AlertmanagerAlert) -> AlertNotice:
    notice = AlertNotice(
        status=alert.status,
        fingerprint=alert.fingerprint,
        alertname=alertname(alert),
        generator_url=alert.generator_url,
        source=SOURCE,
    )
    notice.labels.update(alert.labels)
    # Alertmanager sends Go's zero time (year 1) for "no end yet": that is no timestamp.
    if alert.starts_at is not None and alert.starts_at.year > 1:
        notice.starts_at.CopyFrom(to_timestamp(alert.starts_at))
    if alert.ends_at is not None and alert.ends_at.year > 1:
        notice.ends_at.CopyFrom(to_timestamp(alert.ends_at))
    return notice


def _evidence(alert: AlertmanagerAlert) -> Struct:
    evidence = Struct()
    fields: dict[str, Any] = {
        "labels": dict(alert.labels),
        "annotations": dict(alert.annotations),
        "generator_url": alert.generator_url,
        "fingerprint": alert.fingerprint,
    }
    evidence.update(fields)
    return evidence
