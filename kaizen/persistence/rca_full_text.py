"""The RCAs' full-text index (``rca_search``) on each database Kaizen runs on.

One row per RCA: its id, tenant and status (not searched), then six text columns weighted
alertname 3, service 2, cause 2, signatures 2, summary 1, changes 1. Only the SQL that
differs between databases lives here, keyed by the dialect's name; what goes into a row
and how hits become similar incidents is ``kaizen.persistence.rca``'s, shared by both.

- SQLite: an FTS5 virtual table (porter stemming), ranked by ``bm25`` with those column
  weights. bm25 is negative, the better match the more negative; it weighs how rare each
  matched term is across all RCAs and discounts long rows.
- PostgreSQL: a plain table whose stored generated ``tsvector`` ('english' stemming, words
  split at every non-alphanumeric character as unicode61 splits them) puts alertname in
  class A, service/cause/signatures in B, summary/changes in C (weights 1, 2/3, 1/3: the
  same ratios), behind a GIN index. It is ranked by ``ts_rank_cd``: cover density, i.e.
  how many query terms a row has and how close together, times their class weight,
  divided by 1 + log(row length) as bm25 discounts long rows and by how far apart the
  matches lie; it knows nothing of how rare a term is. The score is that rank negated, so
  on both databases lower is better and a hit's score over the best hit's is its
  similarity in (0, 1].

The query string is the same on both: each term (lower-case letters, digits, underscores)
double-quoted, OR-ed. FTS5 reads it as phrases, ``websearch_to_tsquery`` reads ``"x" OR
"y"`` as ``'x' | 'y'``; a term with an underscore is a two-word phrase on both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from sqlalchemy import Connection, text
from sqlmodel import Session

TABLE: Final = "rca_search"
COLUMN_WEIGHTS: Final = {
    "alertname": 3,
    "service": 2,
    "cause": 2,
    "signatures": 2,
    "summary": 1,
    "changes": 1,
}
COLUMNS: Final = tuple(COLUMN_WEIGHTS)
MAX_TERMS: Final = 32
# PostgreSQL's weight classes by our column weight, and ts_rank_cd's weights of {D,C,B,A}
# (each at most 1, so 3:2:1 becomes 1, 2/3, 1/3; D is unused).
_CLASSES: Final = {3: "A", 2: "B", 1: "C"}
_CLASS_WEIGHTS: Final = "{0, 0.3333, 0.6667, 1}"
# ts_rank_cd's normalization: divided by 1 + log(row length) (1) and by the mean harmonic
# distance between the matched extents (4). With length alone, F13's neighbours in the
# shipped fixtures were F01 (1.0), F04 (0.30) and F05 (0.21); with both, F01 alone, as
# with bm25 on SQLite.
_NORMALIZATION: Final = 1 | 4


@dataclass(frozen=True)
class _FullText:
    create: tuple[str, ...]
    """Idempotent DDL for the table and its index."""
    match: str
    """A WHERE condition: the row matches the query ``:q``."""
    score: str
    """The row's rank for ``:q``; lower is better."""


_TSQUERY: Final = "websearch_to_tsquery('english', :q)"
# PostgreSQL's parser keeps ``java.lang.NullPointerException`` or ``/api/v1/pay`` whole (a
# host, a path): split at every non-alphanumeric character first, as FTS5's unicode61 does,
# so that both databases index the same words.
_TSVECTOR: Final = " || ".join(
    f"setweight(to_tsvector('english', regexp_replace({name}, '[^[:alnum:]]+', ' ', 'g')), "
    f"'{_CLASSES[weight]}')"
    for name, weight in COLUMN_WEIGHTS.items()
)
_BY_DIALECT: Final = {
    "sqlite": _FullText(
        create=(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
            f"rca_id UNINDEXED, tenant UNINDEXED, status UNINDEXED, {', '.join(COLUMNS)}, "
            "tokenize='porter unicode61')",
        ),
        match=f"{TABLE} MATCH :q",
        score=f"bm25({TABLE}, 0, 0, 0, {', '.join(map(str, COLUMN_WEIGHTS.values()))})",
    ),
    "postgresql": _FullText(
        create=(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (rca_id TEXT PRIMARY KEY, tenant TEXT NOT NULL, "
            f"status TEXT NOT NULL, {', '.join(f'{c} TEXT NOT NULL' for c in COLUMNS)}, "
            f"document tsvector GENERATED ALWAYS AS ({_TSVECTOR}) STORED)",
            f"CREATE INDEX IF NOT EXISTS {TABLE}_document ON {TABLE} USING GIN (document)",
            f"CREATE INDEX IF NOT EXISTS {TABLE}_tenant ON {TABLE} (tenant)",
        ),
        match=f"document @@ {_TSQUERY}",
        score=f"-ts_rank_cd('{_CLASS_WEIGHTS}', document, {_TSQUERY}, {_NORMALIZATION})",
    ),
}


@dataclass(frozen=True)
class SearchHit:
    rca_id: str
    score: float
    """Lower is better (see the module's docstring); only ratios between hits mean much."""
    columns: dict[str, str]


def _full_text(dialect: str) -> _FullText | None:
    """The dialect's full-text SQL; None where Kaizen has none (searches find nothing)."""
    return _BY_DIALECT.get(dialect)


def create_index(connection: Connection) -> None:
    """Create the index where it does not exist yet (called with the tables)."""
    full_text = _full_text(connection.dialect.name)
    for statement in full_text.create if full_text else ():
        connection.execute(text(statement))


def write(session: Session, rca_id: str, tenant: str, status: str, columns: dict[str, str]) -> None:
    """Replace the RCA's row with ``columns`` (every name of COLUMNS)."""
    if _full_text(session.get_bind().dialect.name) is None:
        return
    session.execute(text(f"DELETE FROM {TABLE} WHERE rca_id = :id"), {"id": rca_id})
    session.execute(
        text(
            f"INSERT INTO {TABLE} (rca_id, tenant, status, {', '.join(COLUMNS)}) "
            f"VALUES (:id, :tenant, :status, {', '.join(f':{c}' for c in COLUMNS)})"
        ),
        {"id": rca_id, "tenant": tenant, "status": status, **columns},
    )


def query(terms: list[str]) -> str:
    """The match expression for ``terms``: any of them (see the module's docstring)."""
    return " OR ".join(f'"{term}"' for term in terms[:MAX_TERMS])


def ranked(session: Session, tenant: str, terms: list[str], limit: int) -> list[SearchHit]:
    """The tenant's rows matching any of ``terms``, best first."""
    full_text = _full_text(session.get_bind().dialect.name)
    if full_text is None or not terms:
        return []
    rows = session.execute(
        text(
            f"SELECT rca_id, {full_text.score} AS score, {', '.join(COLUMNS)} FROM {TABLE} "
            f"WHERE {full_text.match} AND tenant = :t ORDER BY score, rca_id LIMIT :n"
        ),
        {"q": query(terms), "t": tenant, "n": limit},
    )
    return [
        SearchHit(str(row[0]), float(row[1]), dict(zip(COLUMNS, map(str, row[2:]), strict=True)))
        for row in rows
    ]
