"""RCAs as Kaizen's database keeps them: one row per incident's RCA, and a full-text index.

The run (a Temporal workflow) is the source of truth while the review goes on; it writes
its document here at each step so that ``GET /v1/rcas`` lists and searches without asking
every run. A final RCA is immutable: a later write for it changes nothing.

Similar incidents are found in a full-text index with one row per RCA (SQLite FTS5 ranked
by bm25, PostgreSQL tsvector ranked by ts_rank_cd: ``kaizen.persistence.rca_full_text``).
Only a final (approved) RCA writes its cause into the index; a draft's guess never makes
another incident look similar. Queries are OR-ed distinctive tokens of the RCA's own text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final

from google.protobuf.json_format import MessageToJson, Parse
from sqlmodel import Field, Session, SQLModel, col, or_, select

from kaizen.persistence import rca_full_text
from kaizen.persistence.alert_deliveries import AlertDelivery, AlertOutcome
from kaizen.v1.common_pb2 import Severity
from kaizen.v1.rca_pb2 import RcaDocument, RcaRecordWrite, RcaReview, SimilarIncident

FINAL: Final = "final"
MIN_SHARED_TERMS: Final = 2
MIN_RELATIVE_SCORE: Final = 0.2
_STOP: Final = frozenset(
    "a an and are as at be by for from has in is it of on or that the this to was were with "
    "after before min onset fired utc change changed null none n".split()
)
_TOKEN: Final = re.compile(r"[a-z][a-z0-9_]{1,40}")


class RcaRow(SQLModel, table=True):
    __tablename__ = "rcas"

    id: str = Field(primary_key=True)
    """The RCA run's workflow id: ``rca:<tenant>:<incident key>``."""
    run_id: str = ""
    tenant: str = Field(index=True)
    service: str = Field(index=True)
    namespace: str = ""
    incident_key: str = ""
    title: str = ""
    status: str = Field(index=True)
    severity: str = ""
    category: str = ""
    """The leading hypothesis' category, or ``undetermined``."""
    confidence: str = ""
    analyzer: str = ""
    version: int = 1
    escalations: int = 0
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC), index=True)
    updated_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    final_at: datetime | None = None
    document_json: str = "{}"
    review_json: str = "{}"

    def document(self) -> RcaDocument:
        return Parse(self.document_json, RcaDocument(), ignore_unknown_fields=True)

    def review(self) -> RcaReview:
        return Parse(self.review_json, RcaReview(), ignore_unknown_fields=True)


def save_record(session: Session, write: RcaRecordWrite) -> bool:
    """Insert or update the RCA; False (nothing written) once it is final."""
    row = session.get(RcaRow, write.rca_id)
    now = datetime.now(UTC)
    if row is None:
        row = RcaRow(
            id=write.rca_id,
            tenant=write.tenant,
            service=write.document.service,
            status=write.document.status,
        )
    elif row.status == FINAL:
        return False
    document = write.document
    top = document.hypotheses[0] if document.hypotheses else None
    row.run_id = write.run_id
    row.service, row.namespace = document.service, document.namespace
    row.incident_key, row.title = document.incident_key, document.title
    row.status = document.status
    row.severity = Severity.Name(document.severity).removeprefix("SEVERITY_").lower()
    row.category = "undetermined" if document.undetermined or top is None else top.category
    row.confidence = "" if top is None else top.confidence
    row.analyzer, row.version = document.analyzer, document.version
    row.escalations = len(write.review.escalations)
    row.updated_at = now
    if document.status == FINAL:
        row.final_at = now
    row.document_json = MessageToJson(document, preserving_proto_field_name=True)
    row.review_json = MessageToJson(write.review, preserving_proto_field_name=True)
    session.add(row)
    session.flush()
    _index(session, row, document)
    return True


def get_record(session: Session, tenant: str, rca_id: str) -> RcaRow | None:
    row = session.get(RcaRow, rca_id)
    return row if row is not None and row.tenant == tenant else None


def list_records(
    session: Session,
    tenant: str,
    *,
    status: str | None = None,
    service: str | None = None,
    category: str | None = None,
    search: str | None = None,
    limit: int = 50,
) -> list[RcaRow]:
    query = select(RcaRow).where(RcaRow.tenant == tenant)
    if status is not None:
        query = query.where(RcaRow.status == status)
    if service is not None:
        query = query.where(RcaRow.service == service)
    if category is not None:
        query = query.where(RcaRow.category == category)
    if search:
        ids = _search_ids(session, tenant, search, limit * 4)
        pattern = f"%{search}%"
        query = query.where(or_(col(RcaRow.id).in_(ids), col(RcaRow.title).like(pattern)))
    return list(session.exec(query.order_by(col(RcaRow.created_at).desc()).limit(limit)))


def existing_ids(session: Session, ids: Iterable[str]) -> set[str]:
    wanted = list(ids)
    if not wanted:
        return set()
    return set(session.exec(select(RcaRow.id).where(col(RcaRow.id).in_(wanted))))


# -- full-text index ---------------------------------------------------------------------------


def index_columns(document: RcaDocument) -> dict[str, str]:
    """What one RCA contributes to the index; the cause only once it is final."""
    alerts = [e.summary.split()[1] for e in document.evidence if e.kind == "alert"]
    signatures = [
        str(e.observation.fields["template"].string_value)
        for e in document.evidence
        if e.kind == "log_signature" and "template" in e.observation.fields
    ]
    changes = [e.summary.split(":")[0] for e in document.evidence if e.kind == "change"]
    top = document.hypotheses[0] if document.hypotheses else None
    cause = ""
    if document.status == FINAL:
        cause = "undetermined" if document.undetermined or top is None else (
            f"{top.category} {top.statement}"
        )  # fmt: skip
    summary = " ".join(
        claim.text for s in document.sections if s.key == "summary" for claim in s.claims
    )
    return {
        "alertname": " ".join(dict.fromkeys(alerts)),
        "service": f"{document.service} {document.namespace}",
        "cause": cause,
        "signatures": " ".join(signatures)[:4000],
        "summary": f"{document.title} {summary}"[:4000],
        "changes": " ".join(changes)[:2000],
    }


def _index(session: Session, row: RcaRow, document: RcaDocument) -> None:
    rca_full_text.write(session, row.id, row.tenant, row.status, index_columns(document))


def terms(textual: str) -> list[str]:
    """Distinctive lower-case tokens of ``textual``, in order, without stop words."""
    found: dict[str, None] = {}
    for token in _TOKEN.findall(textual.lower()):
        if token not in _STOP:
            found.setdefault(token, None)
    return list(found)


def _search_ids(session: Session, tenant: str, search: str, limit: int) -> list[str]:
    return [hit.rca_id for hit in rca_full_text.ranked(session, tenant, terms(search), limit)]


def similar(
    session: Session, tenant: str, document: RcaDocument, *, exclude: str, limit: int = 3
) -> list[SimilarIncident]:
    """Past RCAs that look like ``document``: at least two shared distinctive terms and a
    score within reach of the document's own, with the terms that matched; none rather
    than the least bad."""
    own = index_columns(document)
    wanted = terms(" ".join(v for k, v in own.items() if k != "cause"))
    hits = rca_full_text.ranked(session, tenant, wanted, limit * 5 + 1)
    reference = min((h.score for h in hits), default=0.0)
    found: list[SimilarIncident] = []
    for hit in hits:
        if hit.rca_id == exclude:
            continue
        shared = [t for t in wanted if t in set(terms(" ".join(hit.columns.values())))]
        relative = hit.score / reference if reference else 0.0
        if len(shared) < MIN_SHARED_TERMS or relative < MIN_RELATIVE_SCORE:
            continue
        row = session.get(RcaRow, hit.rca_id)
        found.append(
            SimilarIncident(
                rca_id=hit.rca_id,
                title=row.title if row else "",
                service=row.service if row else "",
                category=row.category if row is not None and row.status == FINAL else "",
                score=round(relative, 3),
                matched_terms=shared[:12],
                status=row.status if row else "",
            )
        )
        if len(found) >= limit:
            break
    return found


# -- incidents from Kaizen's alert records -----------------------------------------------------

AROUND: Final = timedelta(hours=1)
"""How far before an alert's first firing (and after its resolution) evidence is read."""


def alert_window(
    session: Session, tenant: str, fingerprint: str
) -> tuple[datetime, datetime] | None:
    """The window of an alert's incident from Kaizen's records: an hour before it first
    reached Kaizen to an hour after its resolution (at most a day); None if never seen."""
    rows = session.exec(
        select(AlertDelivery.received_at, AlertOutcome.status)
        .join(AlertOutcome, col(AlertDelivery.id) == col(AlertOutcome.delivery_id))
        .where(AlertDelivery.tenant == tenant, AlertOutcome.fingerprint == fingerprint)
        .order_by(col(AlertOutcome.id))
    ).all()
    if not rows:
        return None
    first = _aware(rows[0][0])
    resolved = [_aware(at) for at, status in rows if status == "resolved"]
    end = resolved[-1] if resolved else first + AROUND
    start = first - AROUND
    return start, min(end + AROUND, start + timedelta(hours=24))


@dataclass(frozen=True)
class ResolvedAlert:
    fingerprint: str
    namespace: str
    workload: str
    alertname: str


def resolved_alerts(session: Session, tenant: str, *, since: datetime) -> list[ResolvedAlert]:
    """Alerts about a workload that resolved since ``since``, newest first, one per alert."""
    rows = session.exec(
        select(AlertOutcome)
        .join(AlertDelivery, col(AlertDelivery.id) == col(AlertOutcome.delivery_id))
        .where(
            AlertDelivery.tenant == tenant,
            col(AlertDelivery.received_at) >= since,
            AlertOutcome.status == "resolved",
            AlertOutcome.workload != "",
            AlertOutcome.fingerprint != "",
        )
        .order_by(col(AlertOutcome.id).desc())
    ).all()
    found: dict[str, ResolvedAlert] = {}
    for row in rows:
        found.setdefault(
            row.fingerprint,
            ResolvedAlert(row.fingerprint, row.namespace, row.workload, row.alertname),
        )
    return list(found.values())


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
