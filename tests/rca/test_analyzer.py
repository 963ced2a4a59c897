"""The deterministic analyzer on the evaluation fixtures: exact scores, no uncited claim,
byte-identical drafts, and the timing and scope gates under perturbation."""

from __future__ import annotations

import io
import math
import shutil
from contextlib import redirect_stdout
from datetime import timedelta
from pathlib import Path

import pytest

from activities.rca.analyzer import analyze
from activities.rca.draft import UncitedClaim, _claim, check_claims
from activities.rca.evaluate import DEFAULT_DIR, evaluate, judge, load_fixture, load_fixtures, main
from activities.rca.evidence import expand_notation, timestamp, utc
from kaizen.v1.rca_pb2 import ChangeDiff, ChangeRecord, Claim, RcaSection

FIXTURES = load_fixtures(DEFAULT_DIR)


def fixture(prefix: str):  # type: ignore[no-untyped-def]
    return next(f for f in FIXTURES if f.id.startswith(prefix))


def test_at_least_twelve_fixtures_of_distinct_causes() -> None:
    assert len(FIXTURES) >= 12
    assert len({f.truth["category"] for f in FIXTURES}) >= 12


def test_scores_on_the_fixtures() -> None:
    score = evaluate(FIXTURES)
    assert score.rate("top1") == 1.0, [v.fixture.id for v in score.verdicts if not v.top1]
    assert score.rate("top3") == 1.0
    assert score.unsupported == 0 and score.claims > 200
    assert score.rate("red_herring") == 0.0
    assert all(v.deterministic for v in score.verdicts)


@pytest.mark.parametrize("f", FIXTURES, ids=lambda f: f.id)
def test_every_claim_cites_evidence_that_exists(f) -> None:  # type: ignore[no-untyped-def]
    document = analyze(f.request, f.evidence)
    known = {e.id for e in document.evidence}
    for section in document.sections:
        for claim in section.claims:
            assert claim.evidence_ids and set(claim.evidence_ids) <= known, claim
    assert document.bundle_hash and document.analyzer == "deterministic"


def test_inconclusive_names_what_is_missing() -> None:
    document = analyze(fixture("F12").request, fixture("F12").evidence)
    assert document.undetermined
    text = " ".join(c.text for s in document.sections for c in s.claims)
    assert "inventory-api's latency and error metrics" in text
    assert "Root cause" not in text
    ruled = {r.subject for r in document.ruled_out}
    assert "service/telemetry-collector" in ruled


def test_a_trigger_moved_after_onset_is_no_longer_blamed() -> None:
    f = fixture("F01")
    evidence = type(f.evidence)()
    evidence.CopyFrom(f.evidence)
    change = evidence.changes[0]
    at = utc(change.at)
    assert at is not None
    change.at.CopyFrom(timestamp(at + timedelta(minutes=12)))
    change.ClearField("until")
    document = analyze(f.request, evidence)
    top = document.hypotheses[0] if document.hypotheses else None
    assert top is None or top.trigger_id != "ch-1" or document.undetermined
    assert any("after onset" in r.reason for r in document.ruled_out)


def test_an_unrelated_deploy_changes_nothing() -> None:
    f = fixture("F04")
    evidence = type(f.evidence)()
    evidence.CopyFrom(f.evidence)
    onset = analyze(f.request, f.evidence).onset
    evidence.changes.append(
        ChangeRecord(
            id="ch-noise",
            at=timestamp(utc(onset) - timedelta(minutes=3)),
            kind="image",  # type: ignore[operator]
            service="billing",
            namespace="shop",
            resource="Deployment/billing",
            diff=[
                ChangeDiff(
                    path="spec.template.spec.containers[app].image", before="b:1", after="b:2"
                )
            ],
        )  # fmt: skip
    )
    verdict = judge(type(f)(f.id, f.title, f.request, evidence, f.truth, f.sibling))
    assert verdict.top1


def test_the_drafter_refuses_a_claim_without_evidence() -> None:
    with pytest.raises(UncitedClaim):
        _claim("the deploy caused it", "causal", [])


def test_check_claims_flags_uncited_and_unknown_ids() -> None:
    document = analyze(fixture("F01").request, fixture("F01").evidence)
    document.sections.append(
        RcaSection(
            key="extra",
            claims=[
                Claim(text="because of DNS", type="causal"),
                Claim(text="x", type="observation", evidence_ids=["ev-nope"]),
            ],
        )  # fmt: skip
    )
    assert check_claims(document) == 2
    flags = [c.flag for c in document.sections[-1].claims]
    assert flags == ["cites no evidence", "cites unknown id ev-nope"]


def test_series_notation() -> None:
    assert expand_notation("1+2x2 5x1") == [1, 3, 5, 5, 5]
    values = expand_notation("_ 3-1x2 _x2")
    assert math.isnan(values[0]) and values[1:4] == [3, 2, 1] and len(values) == 6


def test_runs_on_another_directory(tmp_path: Path) -> None:
    for name in ("F02-oom-after-limit-cut.json", "F12-inconclusive.json"):
        shutil.copy(DEFAULT_DIR / name, tmp_path / name)
    out = io.StringIO()
    with redirect_stdout(out):
        assert main([str(tmp_path)]) == 0
    lines = out.getvalue().splitlines()
    assert lines[0] == "fixtures 2"
    assert "top1_accuracy 1.000" in lines and "top3_accuracy 1.000" in lines
    assert any(line.startswith("unsupported_claim_rate 0.000") for line in lines)
    assert load_fixture(tmp_path / "F12-inconclusive.json").truth["undetermined"]
