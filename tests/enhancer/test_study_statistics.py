"""Blind-study statistics against scipy and pingouin, on simulated studies with and without an effect."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pingouin
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa

from enhancer.iscn import abnormalities
from enhancer.study_statistics import (
    HYPOTHESES,
    RatingRecord,
    icc,
    kappa,
    paired_test,
    study_statistics,
    wilcoxon_test,
)

KARYOTYPES = ["46,XY", "47,XY,+8", "46,XX,del(5)(q13q33)", "46,XY,t(9;22)(q34;q11.2)", "45,XX,-7"]


def simulate(
    effect: bool,
    cases: int = 60,
    raters: tuple[str, ...] = ("specialist1", "specialist2"),
    seed: int = 7,
    repeats: int = 0,
) -> list[RatingRecord]:
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
                sharp = int(
                    np.clip(base_sharp[c] - (rng.random() < 0.7 if lift else 0) + rng.integers(-1, 2), 1, 5)
                )
                duration = float(rng.normal(120 + (25 if lift else 0), 20))
                seen = lift or rng.random() < 0.4
                said = abnormalities(karyotype)[0] if abnormalities(karyotype) and seen else "none"
                records.append(
                    RatingRecord(
                        rater=rater,
                        study_case=f"S{c:03d}",
                        case=f"C{c:03d}",
                        arm=arm,
                        quality=quality,
                        sharpness=sharp,
                        duration=round(duration, 1),
                        abnormality=said,
                        known_karyotype=karyotype,
                    )
                )
        for c in range(repeats):
            first = next(
                r for r in records if r.rater == rater and r.case == f"C{c:03d}" and r.arm == "original"
            )
            records.append(replace(first, repeat=True))
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
            orig, enh = (
                _arm(records, rater, cases, "original", h.score),
                _arm(records, rater, cases, "enhanced", h.score),
            )
            assert r["n"] == 60
            reference = stats.ttest_rel(enh, orig, alternative=h.alternative)
            assert r["t"] == reference.statistic and r["p_ttest"] == reference.pvalue  # to the last digit
            d = (enh - orig)[enh != orig]
            assert r["wilcoxon"]["n_nonzero"] == len(d) and r["wilcoxon"]["zeros_dropped"] == 60 - len(d)
            assert r["wilcoxon"]["variant"].startswith("normal approximation")  # > 13 differences, with ties
            assert r["p_wilcoxon"] == stats.wilcoxon(d, alternative=h.alternative, method="asymptotic").pvalue
            assert r["p_wilcoxon"] == pytest.approx(  # zeros dropped = zero_method "wilcox"
                stats.wilcoxon(
                    enh, orig, zero_method="wilcox", alternative=h.alternative, method="asymptotic"
                ).pvalue
            )
            pg = pingouin.ttest(enh, orig, paired=True, alternative=h.alternative)
            assert r["p_ttest"] == pytest.approx(pg["p_val"].iloc[0], rel=1e-9)
            two_sided = pingouin.ttest(enh, orig, paired=True)
            assert r["ci95"] == pytest.approx(
                list(two_sided["CI95"].iloc[0]), abs=0.006
            )  # pingouin rounds to 2
            assert r["effect_size"] == pytest.approx((enh - orig).mean() / (enh - orig).std(ddof=1))
            assert r["mean_diff"] == pytest.approx(enh.mean() - orig.mean())
            assert r["p_ttest"] < 0.05 and r["p_holm"] < 0.05  # every Table 1 cell significant
    ps = [result["raters"][r][h.key]["p_ttest"] for r in ("specialist1", "specialist2") for h in HYPOTHESES]
    holm = pingouin.multicomp(ps, method="holm")[1]
    assert [
        result["raters"][r][h.key]["p_holm"] for r in ("specialist1", "specialist2") for h in HYPOTHESES
    ] == pytest.approx(list(holm), rel=1e-12)


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
    pair = quality["kappa_quadratic"][0]
    assert pair["n"] == 60 and pair["reliable"] and pair["form"] == "Cohen's kappa, quadratic weights"
    firsts = [r for r in records if r.arm == "original" and not r.repeat]
    assert pair["kappa"] == pytest.approx(
        cohen_kappa_score(
            [r.quality for r in firsts if r.rater == "specialist1"],
            [r.quality for r in firsts if r.rater == "specialist2"],
            labels=[1, 2, 3, 4, 5],
            weights="quadratic",
        )
    )
    assert pair["ci95"][0] < pair["kappa"] < pair["ci95"][1]
    long = pd.DataFrame([{"case": r.case, "rater": r.rater, "score": r.quality} for r in firsts])
    icc = pingouin.intraclass_corr(long, targets="case", raters="rater", ratings="score").set_index("Type")
    icc21, icc2k = quality["icc"]
    assert (icc21["form"], icc2k["form"]) == ("ICC(2,1)", "ICC(2,k)")
    assert "absolute agreement" in icc21["description"] and icc21["n"] == 60 and icc21["raters"] == 2
    assert icc2k["value"] == pytest.approx(icc.loc["ICC(A,k)", "ICC"])
    assert icc21["value"] == pytest.approx(icc.loc["ICC(A,1)", "ICC"])
    assert icc21["ci95"] == pytest.approx(list(icc.loc["ICC(A,1)", "CI95"])) and icc21["reliable"]
    # The simulated repeats copy the first answer: perfect self-agreement.
    assert result["consistency"]["specialist1"]["n"] == 4
    assert result["consistency"]["specialist1"]["quality"]["exact_agreement"] == 1.0
    detection = result["detection"]["specialist1"]
    assert detection["enhanced"]["detected"] == 60  # with the effect the abnormality is always named
    only_enhanced, only_original = detection["table"][1][0], detection["table"][0][1]
    assert only_original == 0 and only_enhanced > 0
    assert detection["p_mcnemar"] == pytest.approx(
        stats.binomtest(only_enhanced, only_enhanced + only_original, 0.5).pvalue
    )


def test_paired_test_without_spread_or_pairs_reports_none():
    """Every pair 1 apart: no test, and no interval either ([1, 1] was shown as a 95 % CI)."""
    same = paired_test(np.array([3, 3, 3]), np.array([4, 4, 4]), "greater")
    assert same["mean_diff"] == 1 and same["t"] is None and same["p_ttest"] is None
    assert same["ci95"] == [None, None] and "no spread" in same["ci95_note"]
    none = paired_test(np.array([]), np.array([]), "greater")
    assert none["n"] == 0 and none["ci95_note"] == "not computed: no pairs"
    assert paired_test(np.array([2.0]), np.array([3.0]), "greater")["ci95_note"] == (
        "not computed: fewer than 2 pairs"
    )
    assert study_statistics([])["raters"] == {}


def test_two_karyograms_of_one_case_are_paired_per_karyogram():
    """Pairs are study cases: two karyograms of one patient case are two pairs, never crossed (issue 14)."""
    records = []
    for rater in ("r1", "r2"):
        for k, (orig, enh) in enumerate([(1, 2), (2, 4), (3, 5), (1, 4)]):
            for arm, q in (("original", orig), ("enhanced", enh)):
                records.append(
                    RatingRecord(
                        rater=rater,
                        study_case=f"S{k}",
                        case="ACC-1" if k < 2 else f"ACC-{k}",
                        arm=arm,
                        quality=q,
                        sharpness=3,
                        duration=60.0,
                        abnormality="none",
                        known_karyotype="47,XXY",
                    )
                )
    records.append(replace(records[0], repeat=True))  # a hidden repeat of one karyogram of the shared case
    result = study_statistics(records)
    h1 = result["raters"]["r1"]["H1"]
    assert h1["n"] == 4 and h1["mean_diff"] == pytest.approx(np.mean([1, 2, 2, 3]))
    assert result["consistency"]["r1"]["n"] == 1
    assert result["detection"]["r1"]["original"] == {"n": 4, "detected": 0}  # "none" does not name 47,XXY
    assert result["detection"]["r1"]["pairs"] == 4


def test_too_few_cases_are_flagged_not_interpreted():
    scores = {"a": [1, 2, 4, 5, 3, 3, 2, 4], "b": [2, 2, 5, 4, 3, 4, 1, 5]}  # 4 cases × (original, enhanced)
    records = [
        RatingRecord(
            rater=r,
            study_case=f"S{c}",
            case=f"C{c}",
            arm=arm,
            quality=scores[r][2 * c + j],
            sharpness=2,
            duration=1.0,
            abnormality="none",
        )
        for r in scores
        for c in range(4)
        for j, arm in enumerate(("original", "enhanced"))
    ]
    result = study_statistics(records)
    icc21, _ = result["agreement"]["original_quality"]["icc"]
    assert icc21["n"] == 4 and not icc21["reliable"] and "only 4 cases" in icc21["note"]
    assert icc21["value"] is not None and icc21["ci95"][0] < icc21["value"] < icc21["ci95"][1]
    pair = result["agreement"]["original_quality"]["kappa_quadratic"][0]
    assert not pair["reliable"] and "only 4 cases" in pair["note"]
    two = study_statistics(records[:4] + records[8:12])["agreement"]["original_quality"]
    assert two["icc"][0]["value"] is None and "not computed" in two["icc"][0]["note"]
    assert (
        "needs at least two raters"
        in study_statistics(records[:8])["agreement"]["original_quality"]["icc"][0]["note"]
    )


@pytest.mark.parametrize(
    ("diff", "variant"),
    [
        ([1, 2, 3, -4, 5, 6], "exact null distribution (no ties)"),
        ([1, 1, 2, 0, 0, -1, 2, 1], "exact: all 2^n sign permutations (ties)"),
        (
            [1, 1, 2, -1, 2, 1, 1, 1, 2, 1, -1, 1, 2, 1, 1, 0],
            ("normal approximation, tie-corrected variance, no continuity correction"),
        ),
    ],
)
def test_wilcoxon_says_which_variant_it_used(diff, variant):
    result = wilcoxon_test(np.array(diff, float), "greater")
    nonzero = [d for d in diff if d]
    assert result["variant"] == variant and result["n_nonzero"] == len(nonzero)
    assert result["zeros_dropped"] == diff.count(0)
    if variant.startswith(
        "exact: all"
    ):  # with ties, the permutation p-value is the share of sign flips as extreme
        signs = np.array(np.meshgrid(*[[-1, 1]] * len(nonzero))).reshape(len(nonzero), -1).T
        ranks = stats.rankdata(np.abs(nonzero))
        observed = ranks[np.array(nonzero) > 0].sum()
        assert result["p"] == pytest.approx(np.mean((signs > 0) @ ranks >= observed - 1e-9))
    assert wilcoxon_test(np.zeros(3), "greater")["p"] is None


def test_one_pair_says_it_is_too_few_for_a_test_not_that_no_difference_was_found():
    one = paired_test(np.array([4.0]), np.array([3.0]), "greater")
    assert one["n"] == 1 and one["mean_diff"] == -1.0 and one["p_wilcoxon"] is None
    assert one["wilcoxon"]["variant"] == "not computed: fewer than 2 pairs"
    assert one["wilcoxon"]["n_nonzero"] == 1
    two = paired_test(np.array([4.0, 3.0]), np.array([4.0, 3.0]), "greater")
    assert two["wilcoxon"]["variant"] == "not computed: no non-zero difference"


def _walkthrough_records() -> list[RatingRecord]:
    """The user walk-through: "a" rated 20 items (10 cases, both arms), "b" 6 (4 originals, 2 enhanced); the 4
    cases both rated in the original arm have sharpness a 3 4 4 4 and b 3 3 5 2. pingouin gives ICC(A,k) 0.18
    with "CI" [62.35, 0.95] and ICC(A,1) [−1.03, 0.91], below the −1 an ICC(A,1) of two raters can reach."""
    b_sharpness = {("S0", "original"): 3, ("S1", "original"): 3, ("S2", "original"): 5, ("S3", "original"): 2}
    b_sharpness |= {("S4", "enhanced"): 2, ("S5", "enhanced"): 3}
    a_sharpness = [3, 4, 4, 4, 2, 3, 5, 4, 3, 2]
    records = [
        RatingRecord(
            rater="a",
            study_case=f"S{c}",
            case=f"C{c}",
            arm=arm,
            quality=3,
            sharpness=a_sharpness[c] if arm == "original" else 3,
            duration=10.0,
            abnormality="none",
        )
        for c in range(10)
        for arm in ("original", "enhanced")
    ]
    records += [
        RatingRecord(
            rater="b",
            study_case=case,
            case="C" + case[1:],
            arm=arm,
            quality=3,
            sharpness=score,
            duration=10.0,
            abnormality="none",
        )
        for (case, arm), score in b_sharpness.items()
    ]
    return records


def test_an_icc_interval_outside_what_an_icc_can_be_is_refused_with_its_reason():
    records = _walkthrough_records()
    assert (
        len([r for r in records if r.rater == "a"]) == 20 and len([r for r in records if r.rater == "b"]) == 6
    )
    long = pd.DataFrame(
        [
            {"case": r.study_case, "rater": r.rater, "score": r.sharpness}
            for r in records
            if r.arm == "original" and r.study_case in {"S0", "S1", "S2", "S3"}
        ]
    )
    raw = pingouin.intraclass_corr(long, targets="case", raters="rater", ratings="score").set_index("Type")
    assert list(raw.loc["ICC(A,k)", "CI95"]) == [62.35, 0.95] and list(raw.loc["ICC(A,1)", "CI95"])[0] < -1
    icc21, icc2k = study_statistics(records)["agreement"]["original_sharpness"]["icc"]
    assert icc21["n"] == icc2k["n"] == 4 and icc21["raters"] == 2
    # The estimates are possible values and stay; their intervals are not intervals and go, saying why.
    assert icc2k["value"] == pytest.approx(raw.loc["ICC(A,k)", "ICC"]) == pytest.approx(2 / 11)
    assert icc21["value"] == pytest.approx(raw.loc["ICC(A,1)", "ICC"])
    for result, bound in ((icc21, "below -1, the least"), (icc2k, "above its upper")):
        assert result["ci95"] == [None, None] and not result["reliable"]
        assert result["ci95_note"].startswith("95 % CI not computed") and bound in result["ci95_note"]
        assert "4 cases rated by every rater" in result["ci95_note"]
        assert result["ci95_note"] in result["note"] and "read the 95 % CI" not in result["note"]


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        # ICC(A,1) −1.33: below the −1 two raters can give; its ICC(A,k) would be 8.0, above 1
        ([1, 1, 1, 3], [2, 2, 2, 1], "outside what an ICC"),
        ([1, 1, 1, 1], [2, 2, 2, 2], "no residual variance"),  # b = a + 1: no CI at all (NaN)
    ],
)
def test_an_impossible_icc_estimate_or_a_missing_interval_is_not_shown(a, b, why):
    wide = pd.DataFrame({"a": a, "b": b}, index=pd.Index([f"S{i}" for i in range(4)], name="study_case"))
    for result in icc(wide):
        assert result["ci95"] == [None, None] and why in result["ci95_note"] and not result["reliable"]
        if why == "outside what an ICC":
            assert result["value"] is None and why in result["note"]


def test_a_valid_icc_interval_is_kept_as_pingouin_gives_it():
    """10 cases with some agreement: both intervals hold their estimate, inside the possible range."""
    a = [1, 2, 2, 3, 3, 4, 4, 5, 5, 2]
    b = [2, 2, 3, 3, 4, 4, 5, 5, 4, 1]
    wide = pd.DataFrame({"a": a, "b": b}, index=pd.Index([f"S{i}" for i in range(10)], name="study_case"))
    long = wide.reset_index().melt(id_vars="study_case", var_name="rater", value_name="score")
    raw = pingouin.intraclass_corr(long, targets="study_case", raters="rater", ratings="score").set_index(
        "Type"
    )
    icc21, icc2k = icc(wide)
    assert icc21["ci95"] == list(raw.loc["ICC(A,1)", "CI95"]) and icc21["ci95_note"] is None
    assert icc2k["ci95"] == list(raw.loc["ICC(A,k)", "CI95"]) and icc2k["ci95_note"] is None
    assert -1 <= icc21["ci95"][0] <= icc21["value"] <= icc21["ci95"][1] <= 1


def _statsmodels_kappa(a: list[int], b: list[int]):
    table = pd.crosstab(pd.Categorical(a, range(1, 6)), pd.Categorical(b, range(1, 6)), dropna=False)
    with np.errstate(invalid="ignore"):
        return cohens_kappa(table.to_numpy(), wt="quadratic")


@pytest.mark.parametrize(
    ("a", "b", "raw", "why"),
    [
        # 4 cases, near agreement: kappa 0.92 with [0.76, 1.08], above the 1 a kappa can be
        ([2, 3, 4, 5], [2, 3, 5, 5], [0.76, 1.08], "its upper bound is above 1, the most a kappa can be"),
        ([3, 3, 4], [3, 4, 4], [-0.37, 1.17], "its upper bound is above 1, the most a kappa can be"),
        # 2 cases, disagreement: kappa −0.67 with [−1.59, 0.26], below −1
        ([4, 3], [3, 5], [-1.59, 0.26], "its lower bound is below -1, the least a kappa can be"),
    ],
)
def test_a_kappa_interval_outside_minus_one_to_one_is_refused_with_its_reason(a, b, raw, why):
    result = _statsmodels_kappa(a, b)
    assert [round(result.kappa_low, 2), round(result.kappa_upp, 2)] == raw  # what was shown as the 95 % CI
    pair = kappa(pd.Series(a, dtype=float), pd.Series(b, dtype=float))
    assert pair["kappa"] == pytest.approx(
        cohen_kappa_score(a, b, labels=[1, 2, 3, 4, 5], weights="quadratic")
    )
    assert pair["ci95"] == [None, None] and not pair["reliable"]
    assert pair["ci95_note"].startswith("95 % CI not computed") and why in pair["ci95_note"]
    assert f"[{raw[0]:.2f}, {raw[1]:.2f}]" in pair["ci95_note"] and f"{len(a)} cases" in pair["ci95_note"]
    assert pair["ci95_note"] in pair["note"] and "read the 95 % CI" not in pair["note"]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ([2, 3, 4], [2, 3, 4]),  # perfect agreement: [1, 1]
        ([5, 4], [3, 2]),  # 2 cases: [0.11, 0.11]
        ([5, 1, 1], [5, 5, 5]),  # a variance of −1e-17: NaN bounds
    ],
)
def test_a_kappa_interval_that_is_a_point_is_refused_with_its_reason(a, b):
    result = _statsmodels_kappa(a, b)
    assert not result.kappa_upp > result.kappa_low  # a point, or NaN
    pair = kappa(pd.Series(a, dtype=float), pd.Series(b, dtype=float))
    assert pair["kappa"] is not None and pair["ci95"] == [None, None] and not pair["reliable"]
    assert "standard error is 0" in pair["ci95_note"] and "single point" in pair["ci95_note"]
    assert pair["ci95_note"] in pair["note"]


def test_a_valid_kappa_interval_is_kept_as_statsmodels_gives_it():
    a = [1, 2, 2, 3, 3, 4, 4, 5, 5, 2]
    b = [2, 2, 3, 3, 4, 4, 5, 5, 4, 1]
    result = _statsmodels_kappa(a, b)
    pair = kappa(pd.Series(a, dtype=float), pd.Series(b, dtype=float))
    assert pair["ci95"] == [result.kappa_low, result.kappa_upp] and pair["ci95_note"] is None
    assert -1 <= pair["ci95"][0] < pair["kappa"] < pair["ci95"][1] <= 1
    assert "read the 95 % CI" in pair["note"]
    undefined = kappa(pd.Series([3.0, 3.0]), pd.Series([3.0, 3.0]))  # every score the same: no kappa
    assert undefined["kappa"] is None and undefined["ci95_note"] == undefined["note"]


def test_the_kappa_of_hidden_repeats_follows_the_same_rule():
    """The simulated repeats copy the first answer: perfect self-agreement, whose interval is a point."""
    result = study_statistics(simulate(effect=True, repeats=4))
    repeats = result["consistency"]["specialist1"]["quality"]["kappa_quadratic"]
    assert repeats["kappa"] == 1.0 and repeats["ci95"] == [None, None]
    assert "single point" in repeats["ci95_note"]


def _pairs_of(rater: str, quality: list[tuple[int, int]]) -> list[RatingRecord]:
    return [
        RatingRecord(
            rater=rater,
            study_case=f"S{c}",
            case=f"C{c}",
            arm=arm,
            quality=q,
            sharpness=3,
            duration=60.0 + 10 * c + (25 * c if arm == "enhanced" else 0),
            abnormality="none",
        )
        for c, pair in enumerate(quality)
        for arm, q in zip(("original", "enhanced"), pair, strict=True)
    ]


def test_a_mean_difference_interval_beyond_what_scores_can_differ_is_refused():
    """4 pairs of quality differences −2, 4, 4, 4: the t-interval [−2.27, 7.27] reaches past the +4 that two
    1–5 scores can differ by; the time's interval, with no such limit, stays."""
    records = _pairs_of("r", [(3, 1), (1, 5), (1, 5), (1, 5)])
    diff = np.array([-2, 4, 4, 4], float)
    raw = stats.t.interval(0.95, 3, loc=diff.mean(), scale=diff.std(ddof=1) / 2)
    assert raw[1] > 4
    result = study_statistics(records)["raters"]["r"]
    h1, h3 = result["H1"], result["H3"]
    assert h1["mean_diff"] == 2.5 and h1["p_ttest"] is not None  # the paper's test is still given
    assert h1["ci95"] == [None, None]
    assert f"[{raw[0]:.2f}, {raw[1]:.2f}]" in h1["ci95_note"] and "above 4" in h1["ci95_note"]
    assert "the most a mean difference of two 1–5 scores can be" in h1["ci95_note"]
    assert "4 pairs are too few" in h1["ci95_note"]
    assert h3["ci95"][0] < h3["mean_diff"] < h3["ci95"][1] and h3["ci95_note"] is None
    unbounded = paired_test(np.array([3, 1, 1, 1]), np.array([1, 5, 5, 5]), "greater")  # no limits given
    assert unbounded["ci95"] == pytest.approx(list(raw)) and unbounded["ci95_note"] is None
