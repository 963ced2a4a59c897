"""An RCA as Markdown (``GET /v1/rcas/{id}`` with ``Accept: text/markdown``).

Every machine claim is followed by its evidence ids, linked to the evidence table at the
end; an unsupported claim is shown struck through with the reason. A reviewer's text
replaces the machine's claims in its section and says who wrote it.
"""

from __future__ import annotations

from kaizen.v1.common_pb2 import Severity
from kaizen.v1.rca_pb2 import Claim, RcaDocument, RcaReview


def _cite(ids: list[str]) -> str:
    return " ".join(f"[`{i}`](#{i})" for i in ids)


def _claim(claim: Claim) -> str:
    if claim.unsupported:
        return f"- ~~{claim.text}~~ **unsupported: {claim.flag}**"
    return f"- {claim.text} {_cite(list(claim.evidence_ids))}"


def render(document: RcaDocument, review: RcaReview | None = None) -> str:
    severity = Severity.Name(document.severity).removeprefix("SEVERITY_").lower()
    lines = [
        f"# {document.title or 'RCA'}",
        "",
        f"- **Status:** {document.status} (version {document.version})",
        f"- **Service:** {document.namespace}/{document.service} · **Severity:** {severity}",
        f"- **Incident:** `{document.incident_key}`",
        f"- **Analyzer:** {document.analyzer} {document.analyzer_version}"
        + (f" · LLM: {document.llm.verdict}" if document.llm.verdict else "")
        + (
            f" ({len(document.llm.attempts)} attempts, {document.llm.total_tokens} tokens)"
            if len(document.llm.attempts) > 1
            else ""
        )
        + f" · evidence `{document.bundle_hash}`",
        f"- **Claims:** {document.claims}, unsupported: {document.unsupported_claims}",
    ]
    if review is not None and review.final_at.seconds:
        approvers = ", ".join(v.vote.approver for v in review.approval.votes)
        lines.append(f"- **Final:** {review.final_at.ToJsonString()}, approved by {approvers}")
    for section in document.sections:
        lines += ["", f"## {section.title or section.key}", ""]
        if section.text:
            lines += [section.text, "", f"_Written by {section.edited_by}._"]
        elif section.claims:
            lines += [_claim(c) for c in section.claims]
        else:
            lines.append("_Left for the reviewers._")
    if document.hypotheses:
        lines += ["", "## Hypotheses", "", "| # | category | subject | confidence | score | "
                  "for | against |", "|---|---|---|---|---|---|---|"]  # fmt: skip
        for n, h in enumerate(document.hypotheses[:5], 1):
            lines.append(
                f"| {n} | {h.category} | {h.subject} | {h.confidence} | {h.score:g} | "
                f"{_cite(list(h.supports))} | {_cite(list(h.contradicts))} |"
            )
    if document.similar:
        lines += ["", "## Similar incidents", ""]
        for s in document.similar:
            lines.append(
                f"- `{s.rca_id}` {s.title} (score {s.score:g}; matched: "
                f"{', '.join(s.matched_terms)})"
            )
    if review is not None and (review.edits or review.comments or review.ratings):
        lines += ["", "## Review", ""]
        for e in review.edits:
            lines.append(f"- {e.at.ToJsonString()} {e.edit.editor} edited {e.edit.section} "
                         f"(version {e.version})")  # fmt: skip
        for c in review.comments:
            lines.append(f"- {c.at.ToJsonString()} {c.comment.author}: {c.comment.text}")
        for r in review.ratings:
            lines.append(f"- {r.rating.reviewer} rated the draft {r.rating.score}/5")
    lines += ["", "## Evidence", "", "| id | kind | source | summary | link |",
              "|---|---|---|---|---|"]  # fmt: skip
    for item in document.evidence:
        summary = item.summary.replace("|", "\\|")[:300]
        lines.append(
            f'| <a id="{item.id}"></a>`{item.id}` | {item.kind} | {item.source} | {summary} | '
            f"{item.link.replace('|', '/')[:200]} |"
        )
    return "\n".join(lines) + "\n"
