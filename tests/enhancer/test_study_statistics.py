"""Blind-study statistics against scipy and pingouin, on simulated studies with and without an effect."""

import numpy as np
import pingouin
import pytest
from scipy import stats

from enhancer.study_statistics import (
    HYPOTHESES, RatingRecord, abnormalities, detected, paired_test, study_statistics,
)

KARYOTYPES = ["46,XY", "47,XY,+8", "46,XX,del(5)(q13q33)", "46,XY,t(9;22)(q34;q11.2)", "45,XX,-7"]


def simulate(effect: bool, cases: int = 60, raters: tuple[str, ...] = ("specialist1", "specialist2"),
             seed: int = 7, repeats: int = 0) -> list[RatingRecord]:
    """Ratings drawn per case and rater; with `effect`, enhanced quality +1, sharpness −0.7, time +25 s."""
    rng = np.random.default_rng(seed)
    records = []
    base_quality = rng.integers(1, 4, cases)
    base_sharp = rng.integers(3, 6, cases)
    for rater in raters:
        for c in range(cases):
            karyotype = KARYOTYPES[c % len(KARYOTYPES)]
            for arm in ("original", "enhanced"):
                lift = effect and arm == "enhanced"
                quality = int(np.clip(base_quality[c] + (1 if lift else 0) + rng.integers(-1, 2), 1, 5))
                sharp = int(np.clip(base_sharp[c] - (rng.random() < 0.7 if lift else 0) + rng.integers(-1, 2), 1, 5))
                duration = float(rng.normal(120 + (25 if lift else 0), 20))
                seen = lift or rng.random() < 0.4
                said = abnormalities(karyotype)[0] if abnormalities(karyotype) and seen else "none"
                records.append(RatingRecord(rater, f"C{c:03d}", arm, quality, sharp, round(duration, 1), said,
                                            known_karyotype=karyotype))
        for c in range(repeats):
            first = next(r for r in records if r.rater == rater and r.case == f"C{c:03d}" and r.arm == "original")
            records.append(RatingRecord(rater, first.case, "original", first.quality, first.sharpness,
                                        first.duration, first.abnormality, repeat=True,
                                        known_karyotype=first.known_karyotype))
    return records


def _arm(records, rater, case_order, arm, score):
    by = {r.case: getattr(r, score) for r in records if r.rater == rater and r.arm == arm and not r.repeat}
    return np.array([by[c] for c in case_order], float)


def test_simulated_effect_reproduces_table_1_and_matches_scipy_and_pingouin():
    records = simulate(effect=True, repeats=4)
    result = study_statistics(records)
    assert list(result["raters"]) == ["specialist1", "specialist2"]
    cases = sorted({r.case for r in records})
    for rater, by_h in result["raters"].items():
        for h in HYPOTHESES:
            r = by_h[h.key]
            orig, enh = _arm(records, rater, cases, "original", h.score), _arm(records, rater, cases, "enhanced", h.score)
            assert r["n"] == 60
            reference = stats.ttest_rel(enh, orig, alternative=h.alternative)
            assert r["t"] == reference.statistic and r["p_ttest"] == reference.pvalue  # to the last digit
            assert r["p_wilcoxon"] == stats.wilcoxon(enh, orig, alternative=h.alternative).pvalue
            pg = pingouin.ttest(enh, orig, paired=True, alternative=h.alternative)
            assert r["p_ttest"] == pytest.approx(pg["p_val"].iloc[0], rel=1e-9)
            two_sided = pingouin.ttest(enh, orig, paired=True)
            assert r["ci95"] == pytest.approx(list(two_sided["CI95"].iloc[0]), abs=0.006)  # pingouin rounds to 2
            assert r["effect_size"] == pytest.approx((enh - orig).mean() / (enh - orig).std(ddof=1))
            assert r["mean_diff"] == pytest.approx(enh.mean() - orig.mean())
            assert r["p_ttest"] < 0.05 and r["p_holm"] < 0.05  # every Table 1 cell significant
    ps = [result["raters"][r][h.key]["p_ttest"] for r in ("specialist1", "specialist2") for h in HYPOTHESES]
    holm = pingouin.multicomp(ps, method="holm")[1]
    assert [result["raters"][r][h.key]["p_holm"] for r in ("specialist1", "specialist2") for h in HYPOTHESES] == \
        pytest.approx(list(holm), rel=1e-12)


def test_no_effect_is_not_significant():
    result = study_statistics(simulate(effect=False, seed=3))
    for by_h in result["raters"].values():
        for r in by_h.values():
            assert r["p_holm"] > 0.05, r


def test_agreement_consistency_and_detection():
    records = simulate(effect=True, repeats=4)
    result = study_statistics(records)
    quality = result["agreement"]["original_quality"]
    assert quality["kappa_quadratic"][0]["raters"] == ["specialist1", "specialist2"]
    assert quality["kappa_quadratic"][0]["n"] == 60
    import pandas as pd
    long = pd.DataFrame([{"case": r.case, "rater": r.rater, "score": r.quality} for r in records
                         if r.arm == "original" and not r.repeat])
    icc = pingouin.intraclass_corr(long, targets="case", raters="rater", ratings="score").set_index("Type")
    assert quality["icc2_k"] == pytest.approx(icc.loc["ICC(A,k)", "ICC"])
    assert quality["icc2_1"] == pytest.approx(icc.loc["ICC(A,1)", "ICC"])
    # The simulated repeats copy the first answer: perfect self-agreement.
    assert result["consistency"]["specialist1"]["n"] == 4
    assert result["consistency"]["specialist1"]["quality"]["exact_agreement"] == 1.0
    detection = result["detection"]["specialist1"]
    assert detection["enhanced"]["detected"] == 60  # with the effect the abnormality is always named
    only_enhanced, only_original = detection["table"][1][0], detection["table"][0][1]
    assert only_original == 0 and only_enhanced > 0
    assert detection["p_mcnemar"] == pytest.approx(
        stats.binomtest(only_enhanced, only_enhanced + only_original, 0.5).pvalue)


def test_paired_test_without_spread_or_pairs_reports_none():
    same = paired_test(np.array([3, 3, 3]), np.array([4, 4, 4]), "greater")
    assert same["mean_diff"] == 1 and same["t"] is None and same["p_ttest"] is None and same["ci95"] == [1, 1]
    assert paired_test(np.array([]), np.array([]), "greater")["n"] == 0
    assert study_statistics([])["raters"] == {}


@pytest.mark.parametrize(("said", "karyotype", "hit"), [
    ("+8", "47,XY,+8", True), ("trisomy 8 (+8)", "47,XY,+8", True), ("none", "47,XY,+8", False),
    ("del(5q)", "46,XX,del(5)(q13q33)", True), ("del(5)(q13q33)", "46,XX,del(5)(q13q33)", True),
    ("t(9;22)", "46,XY,t(9;22)(q34;q11.2)", True), ("t(9;21)", "46,XY,t(9;22)(q34;q11.2)", False),
    ("none", "46,XY", True), ("Normal", "46,XX", True), ("No abnormality", "46,XY", True), ("+8", "46,XY", False), ("-7", "45,XX,-7", True),
])
def test_detection_matches_iscn_abnormalities(said, karyotype, hit):
    assert detected(said, karyotype) is hit
