"""Similar incidents (SQLite FTS5 and bm25, PostgreSQL tsvector and ts_rank_cd) and the review
board's refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy.engine import Engine
from temporalio.exceptions import ApplicationError

from activities.rca.analyzer import analyze
from activities.rca.evaluate import DEFAULT_DIR, load_fixtures
from kaizen.persistence.db import session_scope
from kaizen.persistence.rca import list_records, save_record, similar
from kaizen.settings import Settings
from kaizen.v1.rca_pb2 import (
    RcaChangeRequest,
    RcaDocument,
    RcaEdit,
    RcaRating,
    RcaRecordWrite,
    RcaReview,
    RcaReviewPlan,
)
from tests.conftest import Keys
from workflows.rca import review as refusals
from workflows.rca.review import ReviewBoard

FIXTURES = {f.id: f for f in load_fixtures(DEFAULT_DIR)}


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """The persistence tests run on both databases Kaizen supports: the engine and the API
    use the test's database, its tables made by the project's own make_engine."""
    if request.param == "sqlite":
        return settings
    url = request.getfixturevalue("postgres_url")
    return settings.model_copy(update={"database_url": url})


def store(engine: Engine, fixture_id: str, *, status: str) -> RcaDocument:
    f = FIXTURES[fixture_id]
    document = analyze(f.request, f.evidence)
    document.status = status
    with session_scope(engine) as session:
        save_record(
            session,
            RcaRecordWrite(rca_id=f"rca:default:{fixture_id}", tenant="default",
                           document=document, review=RcaReview()),
        )  # fmt: skip
    return document


async def test_similar_incidents_find_the_fixtures_sibling(
    engine: Engine, api: httpx.AsyncClient, keys: Keys
) -> None:
    for fixture_id in FIXTURES:
        if fixture_id != "F13-bad-deploy-again":
            store(engine, fixture_id, status="final")
    newest = store(engine, "F13-bad-deploy-again", status="in_review")
    with session_scope(engine) as session:
        found = similar(session, "default", newest, exclude="rca:default:F13-bad-deploy-again")
    # The sibling alone: the other fixtures share words with F13 but not enough to pass.
    assert [f.rca_id for f in found] == ["rca:default:F01-bad-deploy-5xx"], found
    assert found[0].category == "deploy_regression"
    assert len(found[0].matched_terms) >= 2 and "nullpointerexception" in found[0].matched_terms
    assert 0 < found[0].score <= 1

    reply = await api.get(
        "/v1/rcas/rca:default:F13-bad-deploy-again/similar", headers=Keys.header(keys.viewer)
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["similar"][0]["rca_id"] == "rca:default:F01-bad-deploy-5xx"
    # The rest of the RCA records on the same database: read back, filtered and searched.
    reply = await api.get(
        "/v1/rcas/rca:default:F01-bad-deploy-5xx", headers=Keys.header(keys.viewer)
    )
    assert reply.status_code == 200, reply.text
    assert reply.json()["status"] == "final"
    with session_scope(engine) as session:
        in_review = [r.id for r in list_records(session, "default", status="in_review")]
        searched = {r.id for r in list_records(session, "default", search="NullPointerException")}
    assert in_review == ["rca:default:F13-bad-deploy-again"]
    assert {"rca:default:F01-bad-deploy-5xx", "rca:default:F13-bad-deploy-again"} <= searched
    # An incident unlike any other has no neighbour rather than the least bad one.
    with session_scope(engine) as session:
        lonely = RcaDocument(service="zz", namespace="qq", title="qwertyuiop asdfghjkl")
        assert similar(session, "default", lonely, exclude="") == []


async def test_a_final_rca_is_written_once(engine: Engine) -> None:
    document = store(engine, "F02-oom-after-limit-cut", status="final")
    document.title = "rewritten"
    with session_scope(engine) as session:
        write = RcaRecordWrite(
            rca_id="rca:default:F02-oom-after-limit-cut", tenant="default", document=document
        )
        assert save_record(session, write) is False


def board(reviewers: list[str]) -> ReviewBoard:
    f = FIXTURES["F01-bad-deploy-5xx"]
    review = ReviewBoard(requested_by="olivia")
    review.open(
        analyze(f.request, f.evidence),
        RcaReviewPlan(reviewers=reviewers, approvals_required=1),
        datetime.now(UTC),
    )
    return review


def refused(kind: str, check: object, *args: object) -> None:
    with pytest.raises(ApplicationError) as error:
        check(*args)  # type: ignore[operator]
    assert error.value.type == kind


def test_only_reviewers_touch_the_document() -> None:
    review = board(["alice", "bob"])
    version = review.document.version
    edit = RcaEdit(section="summary", text="x", base_version=version, editor="mallory")
    refused(refusals.NOT_A_REVIEWER, review.check_edit, edit)
    refused(refusals.NOT_A_REVIEWER, review.check_rating, RcaRating(reviewer="eve", score=3))
    edit.editor = "alice"
    review.check_edit(edit)
    review.apply_edit(edit, datetime.now(UTC))
    refused(refusals.VERSION_CONFLICT, review.check_edit, edit)  # made against the old version
    edit.section = "nope"
    edit.base_version = review.document.version
    refused(refusals.UNKNOWN_SECTION, review.check_edit, edit)
    refused(refusals.INVALID_REVIEW, review.check_rating, RcaRating(reviewer="bob", score=9))


def test_changes_requested_then_answered_by_an_edit() -> None:
    review = board([])
    review.apply_change_request(RcaChangeRequest(reviewer="bob", reason="why?"), datetime.now(UTC))
    assert review.status == "changes_requested"
    edit = RcaEdit(section="impact", text="y", base_version=review.document.version, editor="al")
    assert review.apply_edit(edit, datetime.now(UTC)) is True  # the gate reopens
    assert review.status == "in_review"


def test_a_final_document_refuses_everything() -> None:
    review = board([])
    review.finalize(datetime.now(UTC))
    edit = RcaEdit(section="summary", text="z", base_version=review.document.version, editor="a")
    refused(refusals.RCA_FINAL, review.check_edit, edit)
    asked = RcaChangeRequest(reviewer="a", reason="r")
    refused(refusals.RCA_FINAL, review.check_change_request, asked)
