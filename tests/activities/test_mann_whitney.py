"""Mann-Whitney U, the Hodges-Lehmann shift and its interval against known answers, and
the judge's classification and score bands (Kayenta's)."""

from __future__ import annotations

import math

import pytest

from activities.prometheus.judge import JudgeNoData, classify, score
from activities.prometheus.mann_whitney import mann_whitney
from kaizen.v1.promotion_pb2 import AnalysisJudge

KAYENTA = AnalysisJudge(
    test="mann_whitney", direction="either", confidence=0.98, effect_fraction=0.25,
    pass_score=95, marginal_score=75,
)  # fmt: skip


def test_exact_against_rs_wilcox_test_example() -> None:
    # R's ?wilcox.test: x, y below; wilcox.test(x, y, alternative = "g") gives W = 35,
    # p-value = 0.1272; with conf.int = TRUE the 95% interval is -0.15 to 0.76 and the
    # difference in location 0.305.
    x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]
    y = [1.15, 0.88, 0.90, 0.74, 1.21]
    result = mann_whitney(x, y, 0.95)
    assert result.exact and result.u == 35
    assert math.isclose(result.p_value, 2 * 0.127206, abs_tol=1e-5)
    assert math.isclose(result.lower, -0.15) and math.isclose(result.upper, 0.76)
    assert math.isclose(result.estimate, 0.305)


def test_normal_approximation_with_ties_against_clickhouse() -> None:
    # ClickHouse's tests/queries/0_stateless/01560_mann_whitney: U 223, two-sided p
    # 0.5426959774289482 (tie-corrected, continuity-corrected, as R's correct = TRUE).
    left = [310, 195, 530, 155, 530, 245, 385, 450, 465, 545,
            170, 180, 125, 180, 230, 75, 430, 480, 495, 295]  # fmt: skip
    right = [116, 171, 176, 421, 111, 326, 481, 111, 346, 441,
             261, 411, 206, 521, 456, 446, 296, 51, 426, 261]  # fmt: skip
    result = mann_whitney(left, right, 0.95)
    assert not result.exact and result.u == 223
    assert math.isclose(result.p_value, 0.5426959774289482, rel_tol=1e-12)
    assert result.lower < result.estimate < result.upper


def test_separated_samples_by_hand() -> None:
    # 3 against 3: 20 orderings, U = 0 is one of them: two-sided p = 2/20.
    result = mann_whitney([1, 2, 3], [4, 5, 6], 0.95)
    assert (result.u, result.p_value, result.estimate) == (0, 0.1, -3)
    assert (result.lower, result.upper) == (-5, -1)  # qwilcox(0.025, 3, 3) = 0: the extremes


def test_classification_follows_kayentas_rules() -> None:
    baseline = [0.10, 0.11, 0.09, 0.12, 0.10, 0.11, 0.095, 0.105]
    worse = [v + 0.2 for v in baseline]
    better = [v - 0.05 for v in baseline]
    assert classify(worse, baseline, KAYENTA) == "high"
    assert classify(better, baseline, KAYENTA) == "low"
    assert classify([*baseline[1:], baseline[0]], baseline, KAYENTA) == "pass"  # same values
    assert classify([0.2] * 4, [0.2] * 5, KAYENTA) == "pass"  # one value repeated
    noisy = [v * (1 + 1e-13) for v in baseline]  # a rate's float noise is not a shift
    assert classify(noisy, baseline, KAYENTA) == "pass"
    assert classify([0.105, 0.1, 0.11, 0.1], baseline, KAYENTA) == "pass"  # no clear shift
    assert classify([math.nan], baseline, KAYENTA) == "nodata"
    only_up = AnalysisJudge(**{**_fields(KAYENTA), "direction": "increase"})
    assert classify(better, baseline, only_up) == "pass"  # faster is not a failure


def test_score_bands() -> None:
    assert score(["pass"] * 19 + ["high"], KAYENTA).phase == "successful"  # 95
    assert score(["pass"] * 3 + ["high"], KAYENTA).phase == "inconclusive"  # 75
    assert score(["pass", "high"], KAYENTA).phase == "failed"  # 50
    assert score(["pass", "nodata"], KAYENTA).score == 100  # no data is left out
    with pytest.raises(JudgeNoData):
        score(["nodata"], KAYENTA)


def _fields(judge: AnalysisJudge) -> dict[str, object]:
    return {f.name: getattr(judge, f.name) for f in judge.DESCRIPTOR.fields}
