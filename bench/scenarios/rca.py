"""RCA analyzer accuracy on the evaluation fixtures (tests/rca/fixtures), offline.

The deterministic analyzer is scored exactly against each fixture's truth: top-1 and
top-3 accuracy (category and subject), the unsupported-claim rate over every claim of
every draft, and how often it blamed a red herring. ``python -m activities.rca.evaluate
DIR`` prints the same figures for another directory of fixtures in the same format.
"""

from __future__ import annotations

import asyncio
import time

from activities.rca.evaluate import DEFAULT_DIR, Score, evaluate, load_fixtures
from bench.context import Bench


async def run(bench: Bench) -> None:
    report = bench.report
    report.section("RCA analyzer (deterministic, on tests/rca/fixtures)")
    fixtures = load_fixtures(DEFAULT_DIR)
    started = time.perf_counter()
    score: Score = await asyncio.to_thread(evaluate, fixtures)
    elapsed_ms = (time.perf_counter() - started) * 1000 / max(len(fixtures), 1) / 2
    report.figure("rca_fixtures", [score.fixtures], "incidents")
    report.figure("rca_top1_accuracy", [score.rate("top1")], "ratio")
    report.figure("rca_top3_accuracy", [score.rate("top3")], "ratio")
    report.figure("rca_unsupported_claim_rate", [score.unsupported_rate], "ratio")
    report.figure("rca_red_herring_rate", [score.rate("red_herring")], "ratio")
    report.figure("rca_analysis_ms", [elapsed_ms], "ms/incident")
    report.note(
        "rca_accuracy",
        "the rules were written alongside these fixtures: a training score; run "
        "`python -m activities.rca.evaluate DIR` on incidents they have not seen",
    )
