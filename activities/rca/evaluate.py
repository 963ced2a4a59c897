"""The analyzer's evaluation harness: ``python -m activities.rca.evaluate [DIR]``.

A fixture is one JSON file: ``id``, ``title``, ``request`` (as ``POST /v1/rca-runs`` takes
it), ``evidence`` (an inline evidence bundle, exactly as the API takes it) and ``truth``
(written by the fixture's author, never judged by a model)::

    {"category": "deploy_regression", "subject": "deployment/checkout",
     "trigger_change_id": "ch-1", "acceptable_alternatives": [], "must_not_blame": ["ch-2"],
     "undetermined": false}

Scoring is exact: top-1 passes when the first hypothesis has the true category and
subject (for an undetermined truth, when the draft says undetermined); top-3 when any
of the first three does. A draft that blames a ``must_not_blame`` change or subject is a
red herring. Unsupported claims are counted over every claim of every draft. Each draft is
made twice and must be byte-identical.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from activities.rca.analyzer import analyze
from kaizen.contract.json_codec import from_api
from kaizen.v1.rca_pb2 import EvidenceBundle, Hypothesis, RcaDocument, RcaRequest

DEFAULT_DIR: Final = Path(__file__).resolve().parents[2] / "tests" / "rca" / "fixtures"


@dataclass(frozen=True)
class Fixture:
    id: str
    title: str
    request: RcaRequest
    evidence: EvidenceBundle
    truth: dict[str, Any]
    sibling: str


@dataclass(frozen=True)
class Verdict:
    fixture: Fixture
    document: RcaDocument
    top1: bool
    top3: bool
    red_herring: bool
    trigger_ok: bool | None
    deterministic: bool


@dataclass(frozen=True)
class Score:
    verdicts: list[Verdict]

    @property
    def fixtures(self) -> int:
        return len(self.verdicts)

    def rate(self, attribute: str) -> float:
        return sum(bool(getattr(v, attribute)) for v in self.verdicts) / max(self.fixtures, 1)

    @property
    def claims(self) -> int:
        return sum(v.document.claims for v in self.verdicts)

    @property
    def unsupported(self) -> int:
        return sum(v.document.unsupported_claims for v in self.verdicts)

    @property
    def unsupported_rate(self) -> float:
        return self.unsupported / max(self.claims, 1)


def load_fixture(path: Path) -> Fixture:
    body = json.loads(path.read_text())
    request = from_api(body["request"], RcaRequest)
    request.incident_key = request.incident_key or f"fixture:{body['id']}"
    return Fixture(
        id=body["id"],
        title=body.get("title", ""),
        request=request,
        evidence=from_api(body.get("evidence", {}), EvidenceBundle),
        truth=body["truth"],
        sibling=body.get("sibling", ""),
    )


def load_fixtures(directory: Path) -> list[Fixture]:
    return [load_fixture(path) for path in sorted(directory.glob("*.json"))]


def _matches(hypothesis: Hypothesis, truth: dict[str, Any]) -> bool:
    wanted = [{"category": truth["category"], "subject": truth.get("subject", "")}]
    wanted += list(truth.get("acceptable_alternatives", []))
    return any(
        hypothesis.category == w["category"]
        and (not w.get("subject") or hypothesis.subject == w["subject"])
        for w in wanted
    )


def judge(fixture: Fixture) -> Verdict:
    document = analyze(fixture.request, fixture.evidence)
    again = analyze(fixture.request, fixture.evidence)
    deterministic = document.SerializeToString(deterministic=True) == again.SerializeToString(
        deterministic=True
    )
    truth = fixture.truth
    hypotheses = list(document.hypotheses)
    if truth.get("undetermined"):
        top1 = top3 = document.undetermined
    else:
        top1 = not document.undetermined and bool(hypotheses) and _matches(hypotheses[0], truth)
        top3 = any(_matches(h, truth) for h in hypotheses[:3])
    blamed = (
        {hypotheses[0].subject, hypotheses[0].trigger_id}
        if hypotheses and not document.undetermined
        else set()
    )
    red_herring = bool(blamed & set(truth.get("must_not_blame", [])))
    trigger = truth.get("trigger_change_id", "")
    trigger_ok = (bool(hypotheses) and hypotheses[0].trigger_id == trigger) if trigger else None
    return Verdict(fixture, document, top1, top3, red_herring, trigger_ok, deterministic)


def evaluate(fixtures: Sequence[Fixture]) -> Score:
    return Score([judge(f) for f in fixtures])


def report(score: Score) -> list[str]:
    triggers = [v for v in score.verdicts if v.trigger_ok is not None]
    undetermined = [v for v in score.verdicts if v.fixture.truth.get("undetermined")]
    lines = [
        f"fixtures {score.fixtures}",
        f"top1_accuracy {score.rate('top1'):.3f}",
        f"top3_accuracy {score.rate('top3'):.3f}",
        f"unsupported_claim_rate {score.unsupported_rate:.3f} "
        f"({score.unsupported} of {score.claims} claims)",
        f"red_herring_rate {score.rate('red_herring'):.3f}",
        f"trigger_accuracy {sum(bool(v.trigger_ok) for v in triggers)}/{len(triggers)}",
        f"undetermined_accuracy {sum(v.top1 for v in undetermined)}/{len(undetermined)}",
        f"deterministic {'yes' if all(v.deterministic for v in score.verdicts) else 'NO'}",
    ]
    for v in score.verdicts:
        top = v.document.hypotheses[0] if v.document.hypotheses else None
        got = "undetermined" if v.document.undetermined or top is None else (
            f"{top.category} {top.subject} ({top.confidence}, {top.score:g})"
        )  # fmt: skip
        mark = "ok" if v.top1 else ("top3" if v.top3 else "MISS")
        lines.append(f"  {mark:5} {v.fixture.id}: truth {v.fixture.truth['category']}; got {got}")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    fixtures = load_fixtures(args.directory)
    if not fixtures:
        sys.stderr.write(f"no fixtures (*.json) in {args.directory}\n")
        return 2
    for line in report(evaluate(fixtures)):
        sys.stdout.write(line + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
