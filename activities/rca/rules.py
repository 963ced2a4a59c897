"""The rule table: one declarative rule per cause category, over the facts and their timing.

A rule fires only when its *required* signal is present. Its score is the weighted sum
of supporting terms minus contradicting ones, and every term names the evidence id
that produced it. A change may support a cause only if it precedes onset within the
window and its scope matches (same workload, the namespace for a policy, the node for a
neighbour, a dependency); every change set aside is listed with the reason.

The analysis is ``undetermined`` when the best score is below ``THRESHOLD`` or within
``MARGIN`` of the second: the draft then names what is missing instead of a cause.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final

from activities.rca.signals import WINDOW, ChangeFacts, Facts, SeriesFacts, Signature
from kaizen.v1.rca_pb2 import Hypothesis, RuledOut

RULES_VERSION: Final = 1
THRESHOLD: Final = 4.0
MARGIN: Final = 0.5
HIGH_SCORE: Final = 7.0
CONFIG_KINDS: Final = frozenset({"config", "secret", "flag", "env"})
POLICY_KINDS: Final = frozenset({"netpol", "policy"})


@dataclass(frozen=True)
class Term:
    weight: float
    evidence_id: str
    note: str


@dataclass
class Candidate:
    category: str
    subject: str
    rule_id: str
    statement: str
    supports: list[Term] = field(default_factory=list)
    contradicts: list[Term] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    trigger: ChangeFacts | None = None

    @property
    def score(self) -> float:
        return sum(t.weight for t in self.supports) - sum(t.weight for t in self.contradicts)


@dataclass
class Ranking:
    hypotheses: list[Hypothesis]
    candidates: list[Candidate]
    ruled_out: list[RuledOut]
    undetermined: bool
    why_undetermined: str


def _lead_weight(change: ChangeFacts) -> float:
    return 3.0 if change.lead_minutes <= 15 else 2.0


def _changes(facts: Facts, kinds: Iterable[str], scopes: Iterable[str]) -> list[ChangeFacts]:
    kinds, scopes = set(kinds), set(scopes)
    found = [
        c for c in facts.changes if c.change.kind in kinds and c.scope in scopes and c.in_window
    ]
    return sorted(found, key=lambda c: (c.lead_minutes, c.change.id))


def _new_signatures(facts: Facts, *classes: str) -> list[Signature]:
    return [
        s
        for s in facts.signatures
        if s.own and s.classes & set(classes) and s.after > 0 and s.after > s.before
    ]


def _surging(series: Iterable[SeriesFacts], ratio: float) -> list[SeriesFacts]:
    return [s for s in series if s.ratio >= ratio]


def _mentions(text: str, value: str) -> bool:
    return bool(value) and re.search(rf"(?<![\w.]){re.escape(value)}(?![\w.])", text) is not None


def deploy_regression(facts: Facts) -> list[Candidate]:
    images = _changes(facts, {"image"}, {"same"})
    if not images:
        return []
    change = images[0]
    diff = next((d for d in change.change.diff if "image" in d.path), None)
    shown = f" {diff.before} → {diff.after}" if diff else ""
    found = Candidate(
        "deploy_regression", f"deployment/{facts.service}", "deploy_regression",
        f"the image change{shown} to {facts.service}, {change.lead_minutes:.0f} min before "
        "onset, introduced a regression",
        trigger=change,
    )  # fmt: skip
    found.supports.append(
        Term(_lead_weight(change), change.change.id,
             f"image change {change.lead_minutes:.0f} min before onset")
    )  # fmt: skip
    for sig in _new_signatures(facts, "code_error")[:2]:
        found.supports.append(Term(2.0, sig.id, "an error signature new after the rollout"))
    versions = [s for s in facts.own_series("error_rate") if "version" in s.labels]
    if len(versions) >= 2 and diff is not None:
        new = [s for s in versions if _mentions(diff.after, s.labels["version"])
               or diff.after.endswith(s.labels["version"])]  # fmt: skip
        old = [s for s in versions if s not in new]
        if new and old:
            if max(s.after for s in new) > 3 * max(max(s.after for s in old), 1e-6):
                found.supports.append(
                    Term(2.0, new[0].series.id, "errors confined to the new version")
                )
            else:
                found.contradicts.append(
                    Term(2.0, old[0].series.id, "the old version errs as much as the new")
                )
    else:
        found.missing.append("errors split by version (old and new ReplicaSet)")
    for series in _surging(facts.own_series("error_rate"), 3.0)[:1]:
        found.supports.append(Term(1.0, series.series.id, "the error rate rose after onset"))
    for sig in _new_signatures(facts, "connection", "dns")[:1]:
        if sig.targets:
            found.contradicts.append(Term(1.0, sig.id, f"calls to {sig.targets[0]} fail"))
    for series in _surging(facts.own_series("request_rate"), 2.5)[:1]:
        found.contradicts.append(Term(1.0, series.series.id, "traffic surged"))
    for event in facts.own_events("oom")[:1]:
        found.contradicts.append(Term(2.0, event.event.id, "pods were OOMKilled"))
    found.missing.append("a rollback of the image clearing the errors")
    return [found]


def config_change(facts: Facts) -> list[Candidate]:
    changes = _changes(facts, CONFIG_KINDS, {"same"})
    if not changes:
        return []
    change = changes[0]
    what = change.change.resource or facts.service
    found = Candidate(
        "config_change", what.lower(), "config_change",
        f"the configuration change to {what}, {change.lead_minutes:.0f} min before onset, "
        "broke the service",
        trigger=change,
    )  # fmt: skip
    found.supports.append(
        Term(_lead_weight(change), change.change.id,
             f"configuration changed {change.lead_minutes:.0f} min before onset")
    )  # fmt: skip
    grounded = False
    for sig in [s for s in facts.signatures if s.own and s.after > s.before]:
        for diff in change.change.diff:
            if _mentions(sig.example, diff.after):
                found.supports.append(
                    Term(2.0, sig.id, f"a new log line names the changed value {diff.after}")
                )
                grounded = True
                break
        if grounded:
            break
    if not grounded:
        for sig in _new_signatures(facts, "pool", "code_error", "denied")[:1]:
            found.supports.append(Term(1.0, sig.id, "errors new after the change"))
    for series in _surging(facts.own_series("error_rate"), 3.0)[:1]:
        found.supports.append(Term(1.0, series.series.id, "the error rate rose after onset"))
    if facts.own_events("crash") and _new_signatures(facts, "flag"):
        found.contradicts.append(
            Term(3.0, facts.own_events("crash")[0].event.id, "the pods crash-loop on start")
        )
    found.missing.append("the service's behaviour with the previous value restored")
    return [found]


def resource_exhaustion(facts: Facts) -> list[Candidate]:
    events = facts.own_events("oom")
    sigs = _new_signatures(facts, "oom")
    if not events and not sigs:
        return []
    found = Candidate(
        "resource_exhaustion", f"deployment/{facts.service}", "resource_exhaustion",
        f"{facts.service}'s containers ran out of memory (OOMKilled)",
    )  # fmt: skip
    for event in events[:1]:
        found.supports.append(Term(2.0, event.event.id, "OOMKilled events"))
    for sig in sigs[:1]:
        found.supports.append(Term(1.0, sig.id, "out-of-memory in the logs"))
    limits = [
        c
        for c in _changes(facts, {"limits"}, {"same"})
        if any("memory" in d.path for d in c.change.diff) or not c.change.diff
    ]
    if limits:
        change = limits[0]
        found.trigger = change
        diff = next((d for d in change.change.diff if "memory" in d.path), None)
        cut = f" ({diff.before} → {diff.after})" if diff else ""
        found.statement = (
            f"the memory limit of {facts.service} was cut{cut} {change.lead_minutes:.0f} min "
            "before onset; its containers now exceed it and are OOMKilled"
        )
        found.supports.append(Term(3.0, change.change.id, "memory limit changed before onset"))
    else:
        found.missing.append("a change of the memory limit or a leak in the working set")
    memory = facts.own_series("memory")
    if memory:
        found.supports.append(Term(1.0, memory[0].series.id, "memory usage around the limit"))
    else:
        found.missing.append("memory working set against the limit per container")
    for event in facts.own_events("crash")[:1]:
        found.supports.append(Term(1.0, event.event.id, "containers restart (back-off)"))
    return [found]


def capacity_traffic(facts: Facts) -> list[Candidate]:
    surges = _surging(facts.own_series("request_rate"), 2.5)
    if not surges:
        return []
    surge = max(surges, key=lambda s: s.ratio)
    source = surge.labels.get("client", "")
    found = Candidate(
        "capacity_traffic", f"service/{facts.service}", "capacity_traffic",
        f"requests to {facts.service} rose {surge.ratio:.1f}× above baseline"
        + (f" (client {source})" if source else "")
        + ", past what it can serve",
    )  # fmt: skip
    found.supports.append(Term(3.0, surge.series.id, f"request rate ×{surge.ratio:.1f}"))
    for series in facts.own_series("saturation")[:1]:
        if series.after >= 0.85 or series.ratio >= 1.5:
            found.supports.append(Term(1.0, series.series.id, "CPU saturated"))
    for event in facts.own_events("hpa_max")[:1]:
        found.supports.append(Term(1.0, event.event.id, "autoscaler at its maximum"))
    if not _changes(facts, {"image", *CONFIG_KINDS, "limits"}, {"same"}):
        found.supports.append(Term(1.0, facts.onset_id, "no change to the service before onset"))
    for sig in _new_signatures(facts, "code_error")[:1]:
        found.contradicts.append(Term(1.0, sig.id, "a new error signature"))
    for change in _changes(facts, {"image"}, {"same"})[:1]:
        found.contradicts.append(Term(1.0, change.change.id, "an image change before onset"))
    return [found]


def dependency_failure(facts: Facts) -> list[Candidate]:
    by_target: dict[str, Candidate] = {}

    def candidate(target: str) -> Candidate:
        if target not in by_target:
            by_target[target] = Candidate(
                "dependency_failure", f"service/{target}", "dependency_failure",
                f"{target}, which {facts.service} calls, failed",
            )  # fmt: skip
        return by_target[target]

    for sig in _new_signatures(facts, "connection", "dns"):
        for target in sig.targets:
            if target != facts.service:
                found = candidate(target)
                if not any(t.evidence_id == sig.id for t in found.supports):
                    found.supports.append(Term(2.0, sig.id, f"calls to {target} fail"))
                break
    for series in facts.series:
        target = series.labels.get("dependency", "")
        if series.series.signal == "dependency_error_rate" and target:
            if series.after >= 0.5 or series.ratio >= 3:
                candidate(target).supports.append(
                    Term(2.0, series.series.id, f"errors calling {target}")
                )
    for event in facts.events:
        if event.own or not event.classes & {"failover", "unhealthy", "crash", "oom"}:
            continue
        if event.service in by_target or event.service in facts.dependencies:
            candidate(event.service).supports.append(
                Term(2.0, event.event.id, f"{event.event.reason} on {event.event.object}")
            )
    policies = _changes(facts, POLICY_KINDS, {"namespace", "same"})
    for target, found in by_target.items():
        if target in facts.dependencies:
            found.supports.append(Term(1.0, facts.onset_id, f"{target} is on the request path"))
        dependency_side = [
            t for t in found.supports if not t.evidence_id.startswith(("sig-", "on-"))
        ]
        if not dependency_side:
            found.missing += [
                f"{target}'s latency and error metrics (or traces of the calls)",
                f"{target}'s own logs and events",
            ]
        for change in policies[:1]:
            found.contradicts.append(
                Term(2.0, change.change.id, "a policy change could block the calls locally")
            )
    return [c for c in by_target.values() if c.supports]


def cert_expiry(facts: Facts) -> list[Candidate]:
    sigs = _new_signatures(facts, "cert")
    expired = [
        s for s in facts.series if s.series.signal == "cert_expiry_seconds" and s.trough <= 0
    ]
    if not sigs and not expired:
        return []
    events = [e for e in facts.events if "cert" in e.classes]
    subject = events[0].event.object.lower() if events else f"service/{facts.service}"
    found = Candidate(
        "cert_expiry", subject, "cert_expiry",
        f"the TLS certificate served for {facts.service} expired"
        + (f"; its renewal had failed ({events[0].event.object})" if events else ""),
    )  # fmt: skip
    for sig in sigs[:1]:
        found.supports.append(Term(2.0, sig.id, "x509: certificate expired"))
    for series in expired[:1]:
        found.supports.append(Term(3.0, series.series.id, "time to expiry crossed zero"))
    for event in events[:1]:
        found.supports.append(Term(1.0, event.event.id, "certificate renewal failed"))
    return [found]


def crash_loop(facts: Facts) -> list[Candidate]:
    crashes = facts.own_events("crash")
    flags = _new_signatures(facts, "flag")
    args = [
        c
        for c in _changes(facts, CONFIG_KINDS | {"image"}, {"same"})
        if any(re.search(r"args|command|flag", d.path) for d in c.change.diff)
    ]
    if not crashes or not (flags or args):
        return []
    found = Candidate(
        "crash_loop", f"deployment/{facts.service}", "crash_loop",
        f"{facts.service}'s containers exit on start and crash-loop",
    )  # fmt: skip
    found.supports.append(Term(2.0, crashes[0].event.id, "containers in CrashLoopBackOff"))
    for sig in flags[:1]:
        found.supports.append(Term(2.0, sig.id, "the process rejects its flags"))
    if args:
        change = args[0]
        found.trigger = change
        diff = next(d for d in change.change.diff if re.search(r"args|command|flag", d.path))
        found.statement = (
            f"the change of {facts.service}'s arguments ({diff.before} → {diff.after}), "
            f"{change.lead_minutes:.0f} min before onset, makes its containers exit on start"
        )
        found.supports.append(Term(3.0, change.change.id, "arguments changed before onset"))
    for event in facts.own_events("oom")[:1]:
        found.contradicts.append(Term(3.0, event.event.id, "exits are OOM kills"))
    return [found]


def noisy_neighbour(facts: Facts) -> list[Candidate]:
    found_all: list[Candidate] = []
    for change in _changes(facts, {"schedule"}, {"node"}):
        node = change.change.node
        local = [
            s
            for s in facts.series
            if s.own and s.labels.get("node") == node and s.series.signal in (
                "latency", "cpu_throttling", "saturation") and s.ratio >= 2
        ]  # fmt: skip
        if not local:
            continue
        elsewhere = [
            s
            for s in facts.series
            if s.own and s.labels.get("node") not in ("", None, node)
            and s.series.signal in ("latency", "cpu_throttling")
        ]  # fmt: skip
        who = (change.change.resource or change.change.service).lower()
        found = Candidate(
            "noisy_neighbour", who, "noisy_neighbour",
            f"{who}, placed on {node} {change.lead_minutes:.0f} min before onset, starves "
            f"{facts.service}'s pods on that node",
            trigger=change,
        )  # fmt: skip
        found.supports.append(
            Term(_lead_weight(change), change.change.id, f"{who} scheduled onto {node}")
        )
        for series in local[:2]:
            found.supports.append(
                Term(2.0, series.series.id, f"{series.series.signal} high only on {node}")
            )
        calm = [s for s in elsewhere if s.ratio < 1.5]
        hot = [s for s in elsewhere if s.ratio >= 2]
        if calm:
            found.supports.append(Term(1.0, calm[0].series.id, "other nodes are normal"))
        if hot:
            found.contradicts.append(Term(2.0, hot[0].series.id, "other nodes suffer too"))
        found_all.append(found)
    return found_all


def policy_change(facts: Facts) -> list[Candidate]:
    changes = _changes(facts, POLICY_KINDS, {"namespace", "same"})
    sigs = _new_signatures(facts, "denied", "dns", "connection")
    if not changes or not sigs:
        return []
    change = changes[0]
    who = (change.change.resource or "policy").lower()
    found = Candidate(
        "policy_change", who, "policy_change",
        f"{who}, applied {change.lead_minutes:.0f} min before onset, blocks traffic "
        f"{facts.service} needs",
        trigger=change,
    )  # fmt: skip
    found.supports.append(
        Term(_lead_weight(change), change.change.id, "policy applied before onset")
    )
    strong = [s for s in sigs if s.classes & {"denied", "dns"}]
    for sig in (strong or sigs)[:1]:
        found.supports.append(
            Term(2.0 if strong else 1.0, sig.id, "calls fail as a block would make them")
        )
    for event in facts.events:
        if (
            not event.own
            and event.classes & {"failover", "unhealthy", "crash"}
            and (event.service in facts.dependencies)
        ):
            found.contradicts.append(Term(2.0, event.event.id, "the dependency itself failed"))
            break
    return [found]


def storage_degradation(facts: Facts) -> list[Candidate]:
    sigs = _new_signatures(facts, "disk_full", "disk_slow")
    volumes = [
        s
        for s in facts.series
        if s.own and s.series.signal == "volume_available_bytes"
        and s.trough <= 0.02 * max(s.baseline, 1.0)
    ]  # fmt: skip
    latency = [
        s for s in facts.series if s.own and s.series.signal == "disk_latency" and s.ratio >= 3
    ]
    events = [e for e in facts.events if e.classes & {"disk_full", "disk_slow"}]
    if not (sigs or volumes or latency):
        return []
    labelled = next((s for s in volumes + latency if "persistentvolumeclaim" in s.labels), None)
    subject = (
        f"volume/{labelled.labels['persistentvolumeclaim']}"
        if labelled
        else f"service/{facts.service}"
    )
    full = bool(volumes) or any("disk_full" in s.classes for s in sigs)
    found = Candidate(
        "storage_degradation", subject, "storage_degradation",
        f"{subject} " + ("ran out of space" if full else "became slow")
        + f", and {facts.service}'s writes failed or stalled",
    )  # fmt: skip
    for sig in sigs[:1]:
        found.supports.append(Term(2.0, sig.id, "storage errors in the logs"))
    for series in (volumes + latency)[:1]:
        found.supports.append(Term(2.0, series.series.id, "the volume's own signal"))
    for event in events[:1]:
        found.supports.append(Term(1.0, event.event.id, event.event.reason))
    return [found]


def node_failure(facts: Facts) -> list[Candidate]:
    found_all: dict[str, Candidate] = {}
    for event in facts.events:
        if "node" not in event.classes:
            continue
        node = event.event.node or event.event.object.split("/", 1)[-1]
        if node not in facts.nodes and not event.own:
            continue
        found = found_all.setdefault(
            node,
            Candidate(
                "node_failure", f"node/{node}", "node_failure",
                f"node {node}, where {facts.service}'s pods ran, failed",
            ),
        )  # fmt: skip
        if not found.supports:
            found.supports.append(Term(3.0, event.event.id, f"{event.event.reason} on {node}"))
        elif len(found.supports) < 2:
            found.supports.append(Term(1.0, event.event.id, event.event.reason))
    for found in found_all.values():
        for event in facts.own_events("evicted")[:1]:
            found.supports.append(Term(1.0, event.event.id, "the service's pods were evicted"))
    return list(found_all.values())


RULES: Final[tuple[Callable[[Facts], list[Candidate]], ...]] = (
    deploy_regression,
    config_change,
    resource_exhaustion,
    capacity_traffic,
    dependency_failure,
    cert_expiry,
    crash_loop,
    noisy_neighbour,
    policy_change,
    storage_degradation,
    node_failure,
)


def rank(facts: Facts) -> Ranking:
    candidates = [c for rule in RULES for c in rule(facts)]
    candidates.sort(key=lambda c: (-c.score, c.category, c.subject))
    top = candidates[0] if candidates else None
    second = candidates[1] if len(candidates) > 1 else None
    margin = (top.score - second.score) if top and second else (top.score if top else 0.0)
    why = ""
    if top is None:
        why = "no rule found its required evidence"
    elif top.score < THRESHOLD:
        why = f"the best explanation scores {top.score:g}, below the bar of {THRESHOLD:g}"
    elif second is not None and margin < MARGIN:
        why = (
            f"{top.category} ({top.score:g}) and {second.category} ({second.score:g}) "
            "explain the evidence about equally well"
        )
    hypotheses = [_hypothesis(c, margin if i == 0 else 0.0) for i, c in enumerate(candidates)]
    return Ranking(
        hypotheses=hypotheses,
        candidates=candidates,
        ruled_out=_ruled_out(facts, candidates[:1] if not why else []),
        undetermined=bool(why),
        why_undetermined=why,
    )


def confidence(score: float, margin: float) -> str:
    if score >= HIGH_SCORE and margin >= 2:
        return "high"
    if score >= THRESHOLD and margin >= 1:
        return "medium"
    return "low"


def _hypothesis(candidate: Candidate, margin: float) -> Hypothesis:
    return Hypothesis(
        category=candidate.category,
        subject=candidate.subject,
        score=round(candidate.score, 2),
        confidence=confidence(candidate.score, margin),
        statement=candidate.statement,
        supports=_unique(t.evidence_id for t in candidate.supports),
        contradicts=_unique(t.evidence_id for t in candidate.contradicts),
        missing=candidate.missing,
        rule_id=candidate.rule_id,
        rule_version=RULES_VERSION,
        trigger_id=candidate.trigger.change.id if candidate.trigger else "",
    )


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _ruled_out(facts: Facts, chosen: list[Candidate]) -> list[RuledOut]:
    """Every change not behind the chosen cause, and loud trouble off the request path."""
    used = {t.evidence_id for c in chosen for t in c.supports}
    out: list[RuledOut] = []
    for change in facts.changes:
        if change.change.id in used:
            continue
        name = change.change.resource or change.change.service or change.change.kind
        if not change.precedes:
            reason = f"made {-change.lead_minutes:.0f} min after onset: it cannot have caused it"
        elif not change.in_window:
            reason = (
                f"made {change.lead_minutes:.0f} min before onset, outside the "
                f"{WINDOW.total_seconds() / 60:.0f} min window"
            )
        elif change.scope == "unrelated":
            reason = f"a change to {change.change.service or 'another service'}, not on " \
                f"{facts.service}'s path or nodes"  # fmt: skip
        else:
            reason = "precedes onset, but no signal ties it to the symptom"
        out.append(RuledOut(subject=name, reason=reason, evidence_ids=[change.change.id]))
    seen: set[str] = set()
    for event in facts.events:
        if event.own or not event.classes & {"crash", "oom", "unhealthy"}:
            continue
        if event.service in facts.dependencies or event.service in seen:
            continue
        seen.add(event.service)
        out.append(
            RuledOut(
                subject=f"service/{event.service}",
                reason=f"{event.event.reason} of {event.service}, which is not on "
                f"{facts.service}'s request path",
                evidence_ids=[event.event.id],
            )
        )
    return out
