"""The draft in the SRE postmortem shape, every statement bound to evidence ids.

Claims are made only through ``_claim``, which refuses a statement without a citation:
the deterministic draft cannot contain an unsupported claim. ``check_claims`` is the
same check applied to any document (an LLM's, a reviewer-touched one): a claim citing
nothing, or an id that is not in the evidence, is marked unsupported and counted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Final

from activities.rca.evidence import timestamp, utc
from activities.rca.rules import Candidate, Ranking
from activities.rca.signals import Facts
from kaizen.v1.rca_pb2 import ActionItem, Claim, RcaDocument, RcaRequest, RcaSection

SECTIONS: Final = (
    ("summary", "Summary"),
    ("impact", "Impact"),
    ("root_cause", "Root cause and trigger"),
    ("timeline", "Timeline"),
    ("detection", "Detection"),
    ("resolution", "Resolution"),
    ("action_items", "Action items"),
    ("missing_evidence", "Missing evidence"),
    ("lessons_learned", "Lessons learned"),
)
SECTION_KEYS: Final = frozenset(key for key, _title in SECTIONS)
MAX_TIMELINE: Final = 40
# Words that make a statement causal; such a statement must cite evidence.
CAUSAL: Final = re.compile(
    r"caused by|due to|because|root cause|led to|resulted in|triggered|as a result", re.I
)
_ACTIONS: Final[dict[str, list[tuple[str, str]]]] = {
    "deploy_regression": [
        ("mitigate", "Roll {service} back to the previous image"),
        ("prevent", "Gate {service}'s rollouts on its error rate (canary analysis)"),
    ],
    "config_change": [
        ("mitigate", "Restore the previous value of the changed configuration"),
        ("prevent", "Check configuration changes against the service's limits before rollout"),
    ],
    "resource_exhaustion": [
        ("mitigate", "Restore {service}'s memory limit"),
        ("prevent", "Size limits from the observed working set (p99 plus headroom)"),
    ],
    "capacity_traffic": [
        ("mitigate", "Scale {service} out or raise its autoscaler maximum"),
        ("prevent", "Rate-limit per client and plan capacity for the observed peak"),
    ],
    "dependency_failure": [
        ("mitigate", "Degrade gracefully while {subject} fails"),
        ("prevent", "Timeouts, retry budgets and circuit breaking for {subject}"),
    ],
    "cert_expiry": [
        ("mitigate", "Renew the certificate ({subject})"),
        ("prevent", "Alert on certificate expiry 14 days ahead and on renewal failures"),
    ],
    "crash_loop": [
        ("mitigate", "Revert {service}'s argument change"),
        ("prevent", "Validate flags in CI and with a startup probe before rollout"),
    ],
    "noisy_neighbour": [
        ("mitigate", "Give {subject} resource limits or move it off the shared node"),
        ("prevent", "Require limits for every workload (LimitRange) and spread {service}"),
    ],
    "policy_change": [
        ("mitigate", "Amend {subject} to allow the traffic {service} needs"),
        ("prevent", "Test policy changes against the namespace's traffic before applying"),
    ],
    "storage_degradation": [
        ("mitigate", "Free or grow {subject}"),
        ("prevent", "Alert on the volume's fill rate and IO latency"),
    ],
    "node_failure": [
        ("mitigate", "Cordon and replace {subject}"),
        ("prevent", "Spread {service}'s replicas across nodes (topology spread constraints)"),
    ],
}


class UncitedClaim(ValueError):
    """The drafter tried to state something without evidence: a bug, never shown."""


def _claim(text: str, kind: str, ids: Iterable[str]) -> Claim:
    cited = list(dict.fromkeys(i for i in ids if i))
    if not cited:
        raise UncitedClaim(f"no evidence for: {text}")
    return Claim(text=text, type=kind, evidence_ids=cited)


def _at(moment: datetime | None) -> str:
    return f"{moment:%H:%M:%S}" if moment is not None else "?"


def _wording(confidence: str) -> str:
    """ "Root cause" only at high confidence (the reference's D6)."""
    return {"high": "Root cause", "medium": "Likely cause"}.get(confidence, "Possible cause")


def draft(request: RcaRequest, facts: Facts, ranking: Ranking) -> RcaDocument:
    top = None if ranking.undetermined or not ranking.candidates else ranking.candidates[0]
    top_hypothesis = ranking.hypotheses[0] if ranking.hypotheses else None
    sections = {key: RcaSection(key=key, title=title) for key, title in SECTIONS}
    sections["summary"].claims.extend(_summary(facts, ranking, top))
    sections["impact"].claims.extend(_impact(facts))
    sections["root_cause"].claims.extend(_root_cause(facts, ranking))
    sections["timeline"].claims.extend(_timeline(facts, ranking))
    sections["detection"].claims.extend(_detection(facts, request))
    sections["resolution"].claims.extend(_resolution(facts))
    items = _action_items(facts, ranking)
    sections["action_items"].claims.extend(
        _claim(f"{i.type}: {i.text} (owner: unassigned)", "inference", i.evidence_ids)
        for i in items
    )
    sections["missing_evidence"].claims.extend(_missing(facts, ranking))
    alertname = facts.alerts[0].name if facts.alerts else "incident"
    cause = "undetermined" if top is None else top.category
    document = RcaDocument(
        title=f"{facts.service}: {alertname} at {facts.onset:%Y-%m-%d %H:%M} UTC — {cause}",
        incident_key=request.incident_key,
        service=request.service,
        namespace=request.namespace,
        severity=request.severity,
        status="draft",
        version=1,
        sections=list(sections.values()),
        hypotheses=ranking.hypotheses,
        ruled_out=ranking.ruled_out,
        evidence=facts.evidence,
        action_items=items,
        undetermined=ranking.undetermined,
        onset=timestamp(facts.onset),
    )
    if top_hypothesis is not None and ranking.undetermined:
        top_hypothesis.confidence = "low"
    document.window_start.CopyFrom(request.window_start)
    document.window_end.CopyFrom(request.window_end)
    return document


def _summary(facts: Facts, ranking: Ranking, top: Candidate | None) -> list[Claim]:
    claims: list[Claim] = []
    if facts.alerts:
        names = ", ".join(dict.fromkeys(a.name for a in facts.alerts))
        claims.append(
            _claim(
                f"{names} fired for {facts.service} in {facts.namespace}; symptom onset "
                f"{facts.onset:%Y-%m-%d %H:%M:%S} UTC.",
                "observation",
                [facts.onset_id, *(a.id for a in facts.alerts)],
            )
        )
    else:
        claims.append(
            _claim(
                f"{facts.service} in {facts.namespace}: symptom onset "
                f"{facts.onset:%Y-%m-%d %H:%M:%S} UTC.",
                "observation",
                [facts.onset_id],
            )
        )
    if top is not None:
        hypothesis = ranking.hypotheses[0]
        claims.append(
            _claim(
                f"{_wording(hypothesis.confidence)} ({hypothesis.confidence} confidence): "
                f"{top.statement}.",
                "causal",
                hypothesis.supports,
            )
        )
    else:
        claims.append(
            _claim(
                f"The cause is undetermined: {ranking.why_undetermined}.",
                "inference",
                [facts.onset_id, *(i for h in ranking.hypotheses[:1] for i in h.supports)],
            )
        )
    return claims


def _impact(facts: Facts) -> list[Claim]:
    claims = []
    for series in facts.series:
        if not series.own or series.series.signal not in ("error_rate", "latency", "request_rate"):
            continue
        if series.ratio < 1.5 and series.peak <= series.baseline * 1.5:
            continue
        labels = ", ".join(f"{k}={v}" for k, v in sorted(series.labels.items()) if k != "service")
        claims.append(
            _claim(
                f"{series.series.signal}{' (' + labels + ')' if labels else ''} went from "
                f"{series.baseline:.3g} before onset to {series.after:.3g} after "
                f"(peak {series.peak:.3g}).",
                "observation",
                [series.series.id],
            )
        )
    for alert in facts.alerts:
        start, end = utc(alert.starts_at), utc(alert.ends_at)
        if start is not None and end is not None and end > start:
            minutes = (end - start).total_seconds() / 60
            claims.append(
                _claim(f"{alert.name} fired for {minutes:.0f} min.", "observation", [alert.id])
            )
    if not claims:
        claims.append(
            _claim(
                "No signal of the service's own moved measurably; the impact is not measured.",
                "inference",
                [facts.onset_id, *facts.missing_ids.values()],
            )
        )
    return claims[:8]


def _root_cause(facts: Facts, ranking: Ranking) -> list[Claim]:
    claims: list[Claim] = []
    candidates = ranking.candidates
    if not ranking.undetermined and candidates:
        top, hypothesis = candidates[0], ranking.hypotheses[0]
        claims.append(
            _claim(
                f"{_wording(hypothesis.confidence)}: {top.statement} "
                f"(score {hypothesis.score:g}, {hypothesis.confidence} confidence).",
                "causal",
                hypothesis.supports,
            )
        )
        if top.trigger is not None:
            change = top.trigger.change
            claims.append(
                _claim(
                    f"Trigger: {change.kind} change to {change.resource or change.service}"
                    + (f" by {change.author}" if change.author else "")
                    + f", {top.trigger.lead_minutes:.0f} min before onset.",
                    "causal",
                    [change.id, facts.onset_id],
                )
            )
        for term in top.supports:
            claims.append(_claim(f"For: {term.note}.", "observation", [term.evidence_id]))
        for term in top.contradicts:
            claims.append(_claim(f"Against: {term.note}.", "observation", [term.evidence_id]))
        first = 1
    else:
        claims.append(
            _claim(
                f"Undetermined: {ranking.why_undetermined}.",
                "inference",
                [facts.onset_id, *(i for h in ranking.hypotheses[:3] for i in h.supports)],
            )
        )
        first = 0
    for candidate, hypothesis in list(zip(candidates, ranking.hypotheses, strict=True))[first:3]:
        claims.append(
            _claim(
                f"Possible cause ({candidate.category}, score {hypothesis.score:g}): "
                f"{candidate.statement}.",
                "inference",
                hypothesis.supports,
            )
        )
    for ruled in ranking.ruled_out[:10]:
        claims.append(
            _claim(f"Ruled out {ruled.subject}: {ruled.reason}.", "inference", ruled.evidence_ids)
        )
    return claims


def _timeline(facts: Facts, ranking: Ranking) -> list[Claim]:
    cited = {i for h in ranking.hypotheses[:3] for i in (*h.supports, *h.contradicts)}
    rows: list[tuple[datetime, str, str]] = [(facts.onset, facts.onset_id, "symptom onset")]
    for alert in facts.alerts:
        if (start := utc(alert.starts_at)) is not None:
            rows.append((start, alert.id, f"{alert.name} fired"))
        if (end := utc(alert.ends_at)) is not None:
            rows.append((end, alert.id, f"{alert.name} resolved"))
    for change in facts.changes:
        rows.append(
            (change.at, change.change.id,
             f"{change.change.kind} change to {change.change.resource or change.change.service}"
             + (f": {change.change.summary}" if change.change.summary else ""))
        )  # fmt: skip
    for event in facts.events:
        if event.own or event.event.id in cited:
            rows.append((event.at, event.event.id, f"{event.event.reason} {event.event.object}"))
    for sig in facts.signatures:
        if sig.new or sig.id in cited:
            rows.append((sig.first_seen, sig.id, f"first log '{sig.example[:100]}'"))
    rows.sort(key=lambda r: (r[0], r[1]))
    return [
        _claim(f"{moment:%Y-%m-%d %H:%M:%S} {text}", "observation", [evidence_id])
        for moment, evidence_id, text in rows[:MAX_TIMELINE]
    ]


def _detection(facts: Facts, request: RcaRequest) -> list[Claim]:
    claims = []
    for alert in facts.alerts[:3]:
        start = utc(alert.starts_at)
        if start is None:
            continue
        delay = (start - facts.onset).total_seconds() / 60
        claims.append(
            _claim(
                f"{alert.name} fired at {_at(start)} UTC, {delay:.0f} min after symptom onset.",
                "observation",
                [alert.id, facts.onset_id],
            )
        )
    if not claims:
        ids = [facts.missing_ids.get("alerts", ""), facts.onset_id]
        claims.append(
            _claim(
                f"No alert for this incident is in the evidence; it was opened by "
                f"{request.source or 'a person'}.",
                "inference",
                ids,
            )
        )
    return claims


def _resolution(facts: Facts) -> list[Claim]:
    claims = []
    for alert in facts.alerts:
        if (end := utc(alert.ends_at)) is not None:
            claims.append(
                _claim(f"{alert.name} resolved at {_at(end)} UTC.", "observation", [alert.id])
            )
    for change in facts.changes:
        if change.change.kind == "healing" and not change.precedes:
            claims.append(
                _claim(
                    f"Kaizen healing acted: {change.change.summary}.",
                    "observation",
                    [change.change.id],
                )
            )
    if not claims:
        claims.append(
            _claim(
                "No resolution is recorded in the evidence; a reviewer should say how it ended.",
                "inference",
                [facts.onset_id],
            )
        )
    return claims


def _action_items(facts: Facts, ranking: Ranking) -> list[ActionItem]:
    if ranking.undetermined or not ranking.candidates:
        wanted = [m for h in ranking.hypotheses[:3] for m in h.missing] or [
            "metrics, logs and changes of the service around onset"
        ]
        ids = [facts.onset_id, *(i for h in ranking.hypotheses[:1] for i in h.supports)]
        return [
            ActionItem(text=f"Collect the missing evidence: {m}", type="process", evidence_ids=ids)
            for m in dict.fromkeys(wanted)
        ][:4]
    top, hypothesis = ranking.candidates[0], ranking.hypotheses[0]
    subject = top.subject.split("/", 1)[-1]
    return [
        ActionItem(
            text=text.format(service=facts.service, subject=subject),
            type=kind,
            evidence_ids=list(hypothesis.supports),
        )
        for kind, text in _ACTIONS.get(top.category, [])
    ]


def _missing(facts: Facts, ranking: Ranking) -> list[Claim]:
    claims = [
        _claim(item.summary + ".", "observation", [item.id])
        for item in facts.evidence
        if item.kind == "missing"
    ]
    for hypothesis in ranking.hypotheses[:1]:
        for wanted in hypothesis.missing:
            claims.append(
                _claim(
                    f"Would confirm {hypothesis.category}: {wanted}.",
                    "inference",
                    hypothesis.supports,
                )
            )
    return claims


def check_claims(document: RcaDocument) -> int:
    """Mark every claim that cites nothing, or an id not in the evidence, as unsupported;
    set the document's counts and return how many are unsupported."""
    known = {item.id for item in document.evidence}
    total = unsupported = 0
    for section in document.sections:
        for claim in section.claims:
            total += 1
            unknown = [i for i in claim.evidence_ids if i not in known]
            if not claim.evidence_ids:
                claim.unsupported, claim.flag = True, "cites no evidence"
            elif unknown:
                claim.unsupported, claim.flag = True, f"cites unknown id {', '.join(unknown)}"
            unsupported += int(claim.unsupported)
    document.claims = total
    document.unsupported_claims = unsupported
    return unsupported
