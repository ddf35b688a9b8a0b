"""Statistics of a blinded original-versus-enhanced rating study (the paper's Table 1, and more).

Input is one record per rating; per rater, each study case (one karyogram: its original and its
enhanced image) is a pair. Several karyograms of one patient case are separate study cases. Three
one-sided hypotheses as in the paper: H1 quality is higher when enhanced, H2 band sharpness
is better (a lower score, 1 sharp … 5 fuzzy) when enhanced, H3 analysis takes longer when
enhanced. The paired t-test is the paper's; the Wilcoxon signed-rank test is there because
the scales are ordinal. Holm's correction runs over every rater × hypothesis t-test.
"""

import math
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
import pingouin
from scipy import stats
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.multitest import multipletests

from .iscn import IscnError, detected

ARMS = ("original", "enhanced")
SCALE = [1, 2, 3, 4, 5]
# Below this many cases a reliability figure is not to be relied on (Koo & Li 2016 ask for at least 30);
# below MIN_CASES_* it is not computed at all.
RELIABLE_CASES = 30
MIN_CASES_ICC, MIN_CASES_KAPPA = 3, 2
# Wilcoxon: exact null distribution up to this many non-zero differences without ties (as scipy's own
# threshold), exhaustive permutations with ties up to EXACT_WITH_TIES, otherwise the normal approximation.
EXACT_NO_TIES, EXACT_WITH_TIES = 50, 13


@dataclass(frozen=True)
class Hypothesis:
    key: str
    score: str  # record field compared between the arms
    alternative: str  # of enhanced − original: "greater" or "less"
    text: str


HYPOTHESES = (
    Hypothesis("H1", "quality", "greater", "Overall quality is higher when enhanced"),
    Hypothesis("H2", "sharpness", "less", "Bands are sharper (lower score) when enhanced"),
    Hypothesis("H3", "duration", "greater", "Analysis takes longer when enhanced"),
)


@dataclass(frozen=True, kw_only=True)
class RatingRecord:
    """The latest rating of one shown item. `repeat` marks a hidden repeat of an item already shown.

    `study_case` identifies the pair (one karyogram's original and enhanced images) and is what ratings
    are paired by; `case` is the patient case it belongs to, for reading only.
    """

    rater: str
    study_case: str
    case: str
    arm: str  # "original" or "enhanced"
    quality: int
    sharpness: int
    duration: float  # seconds
    abnormality: str
    repeat: bool = False
    known_karyotype: str = ""


def _number(value) -> float | None:
    """A JSON-safe float: None for missing, NaN or infinite values."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _difference_limits(score: str) -> tuple[float, float]:
    """What a mean difference enhanced − original of `score` can be: ±4 for the 1–5 scales, unbounded for a
    time (a time has no upper limit)."""
    if score == "duration":
        return -math.inf, math.inf
    span = SCALE[-1] - SCALE[0]
    return -span, span


def _interval_fault(
    value: float, low: float, high: float, least: float, most: float, what: str, slack: float = 0.0
) -> str | None:
    """Why [low, high] is not a 95 % CI of the estimate `value` of a figure that can only lie from `least` to
    `most` (`what` names it), or None when it is one.

    The one rule for every interval the statistics give: finite, in order, within the figure's possible
    range and holding the estimate. An interval that breaks it is refused with this reason rather than clipped
    to the range: a clipped bound is a number no method computed, and the break itself says the approximation
    behind the interval does not hold on so few cases. `slack` allows for bounds a library rounded.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return "its bounds are not finite"
    if low > high:
        return "its lower bound is above its upper"
    if low < least - slack:
        return f"its lower bound is below {least:.3g}, the least {what} can be"
    if high > most + slack:
        return f"its upper bound is above {most:.3g}, the most {what} can be"
    if not low - slack <= value <= high + slack:
        return "it does not hold the estimate"
    return None


def paired_test(
    original: np.ndarray,
    enhanced: np.ndarray,
    alternative: str,
    limits: tuple[float, float] = (-math.inf, math.inf),
) -> dict:
    """One-sided paired comparison of enhanced against original: t-test, Wilcoxon, CI, Cohen's d_z.

    `limits` is what the mean difference can be (`_difference_limits`). The two-sided t-interval is given only
    when it is one (`_interval_fault`: finite and within `limits`) and has a width; otherwise its bounds are
    None and `ci95_note` says why, as for the kappa and the ICC: with no spread in the differences the
    interval is a point, and on a few pairs with much spread the t quantile (12.7 on 2 pairs) carries it
    beyond what a difference of two scores can be.
    """
    original, enhanced = np.asarray(original, float), np.asarray(enhanced, float)
    n = len(original)
    result = {
        "n": n,
        "mean_original": None,
        "mean_enhanced": None,
        "mean_diff": None,
        "ci95": [None, None],
        "ci95_note": "not computed: no pairs",
        "t": None,
        "p_ttest": None,
        "p_wilcoxon": None,
        "wilcoxon": wilcoxon_test(np.array([]), alternative),
        "effect_size": None,
    }
    if n == 0:
        return result
    diff = enhanced - original
    result.update(
        mean_original=_number(original.mean()),
        mean_enhanced=_number(enhanced.mean()),
        mean_diff=_number(diff.mean()),
    )
    if n < 2:
        result["ci95_note"] = "not computed: fewer than 2 pairs"
        result["wilcoxon"] = wilcoxon_test(diff, alternative)  # says why there is no p-value
        return result
    sd = diff.std(ddof=1)
    if sd > 0:
        test = stats.ttest_rel(enhanced, original, alternative=alternative)
        low, high = stats.t.interval(0.95, n - 1, loc=diff.mean(), scale=sd / math.sqrt(n))  # two-sided 95%
        fault = _interval_fault(
            float(diff.mean()), low, high, *limits, f"a mean difference of two {SCALE[0]}–{SCALE[-1]} scores"
        )
        result.update(
            t=_number(test.statistic),
            p_ttest=_number(test.pvalue),
            effect_size=_number(diff.mean() / sd),
        )
        if fault is None:
            result.update(ci95=[float(low), float(high)], ci95_note=None)
        else:
            result["ci95_note"] = (
                f"95 % CI not computed: the t-interval, [{low:.2f}, {high:.2f}], is not valid ({fault}); "
                f"{n} pairs are too few for it"
            )
    else:  # every pair differs by the same amount: no spread, no test, and an interval that is a point
        result["ci95_note"] = (
            "95 % CI not computed: every pair differs by the same amount, so the differences have no spread "
            "and the t-interval no width"
        )
    result["wilcoxon"] = wilcoxon_test(diff, alternative)
    result["p_wilcoxon"] = result["wilcoxon"]["p"]
    return result


def wilcoxon_test(diff: np.ndarray, alternative: str) -> dict:
    """Wilcoxon signed-rank test of the differences, saying which variant gave the p-value.

    Zero differences are dropped (Wilcoxon's own method); the p-value is exact without ties up to
    EXACT_NO_TIES differences, from all sign permutations with ties up to EXACT_WITH_TIES, and otherwise
    the normal approximation with the tie-corrected variance and no continuity correction.
    """
    diff = np.asarray(diff, float)
    nonzero = diff[diff != 0]
    m = len(nonzero)
    ties = len(np.unique(np.abs(nonzero))) < m
    if len(diff) < 2:
        method, variant = None, "not computed: fewer than 2 pairs"
    elif m == 0:
        method, variant = None, "not computed: no non-zero difference"
    elif not ties and m <= EXACT_NO_TIES:
        method, variant = "exact", "exact null distribution (no ties)"
    elif m <= EXACT_WITH_TIES:
        method, variant = stats.PermutationMethod(n_resamples=2**m), "exact: all 2^n sign permutations (ties)"
    else:
        method = "asymptotic"
        variant = "normal approximation, tie-corrected variance, no continuity correction"
    p = None
    if method is not None:
        p = _number(stats.wilcoxon(nonzero, alternative=alternative, method=method).pvalue)
    return {
        "p": p,
        "variant": variant,
        "zero_method": "zero differences dropped (Wilcoxon)",
        "n_nonzero": m,
        "zeros_dropped": len(diff) - m,
        "ties": bool(ties),
    }


def _frame(records: Iterable[RatingRecord]) -> pd.DataFrame:
    frame = pd.DataFrame([r.__dict__ for r in records], columns=list(RatingRecord.__dataclass_fields__))
    return frame.astype({"quality": float, "sharpness": float, "duration": float, "repeat": bool})


def _pairs(frame: pd.DataFrame, rater: str, score: str) -> pd.DataFrame:
    """Study cases the rater scored in both arms (first showings only): columns original, enhanced."""
    mine = frame[(frame.rater == rater) & ~frame.repeat]
    wide = mine.pivot(index="study_case", columns="arm", values=score)
    return wide.reindex(columns=list(ARMS)).dropna()


def hypothesis_tests(frame: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """Per rater and hypothesis: paired tests, then Holm-corrected t-test p-values over all of them."""
    results: dict[str, dict[str, dict]] = {}
    for rater in sorted(frame.rater.unique()):
        results[rater] = {}
        for h in HYPOTHESES:
            pairs = _pairs(frame, rater, h.score)
            results[rater][h.key] = paired_test(
                pairs["original"].to_numpy(),
                pairs["enhanced"].to_numpy(),
                h.alternative,
                _difference_limits(h.score),
            )
    tested = [(r, h) for r, by_h in results.items() for h, res in by_h.items() if res["p_ttest"] is not None]
    adjusted = (
        multipletests([results[r][h]["p_ttest"] for r, h in tested], method="holm")[1] if tested else []
    )
    for by_h in results.values():
        for result in by_h.values():
            result["p_holm"] = None
    for (rater, h), p in zip(tested, adjusted, strict=True):
        results[rater][h]["p_holm"] = _number(p)
    return results


def _reading(n: int, minimum: int, value: float | None, has_ci: bool = True) -> tuple[bool, str]:
    """Whether a reliability figure on `n` cases can be relied on, and a sentence saying what it means."""
    if n < minimum:
        return False, f"not computed: {n} case(s) with ratings from both raters, {minimum} needed"
    if value is None:
        return False, "undefined: every score is the same, so agreement cannot be told from chance"
    notes = []
    if n < RELIABLE_CASES:
        notes.append(
            f"only {n} cases (at least {RELIABLE_CASES} are needed for a reliable figure)"
            + (": read the 95 % CI" if has_ci else "")
        )
    if value < 0:
        notes.append("below 0: less agreement than chance, i.e. none")
    return n >= RELIABLE_CASES, "; ".join(notes) or f"{n} cases"


# A kappa variance at or below this is zero: statsmodels' formula is a difference of terms near 1 and leaves
# rounding noise (down to −1e-17, whose square root is NaN) where the true variance is 0.
KAPPA_ZERO_VARIANCE = 1e-12


def kappa(a: pd.Series, b: pd.Series) -> dict:
    """Quadratic-weighted Cohen's kappa of two raters on the 1–5 scale, with its asymptotic 95 % CI.

    The CI is statsmodels' Wald interval, kappa ± 1.96 × the large-sample standard error (Fleiss, Cohen &
    Everitt 1969). On few cases it can reach above 1 or below −1, the range of a quadratic-weighted kappa, and
    where the estimated variance is 0 (always at perfect agreement or disagreement, and on some tables of
    2 or 3 cases) it is a single point. It is then refused, as the ICC's interval is and for the same reason
    (`_interval_fault`): its bounds are None and `ci95_note`, also in `note`, says why. Clipping to [−1, 1]
    would not mend it: a point or a clipped bound claims a certainty no method computed.
    """
    n = len(a)
    value, ci, why = None, [None, None], None
    if n >= MIN_CASES_KAPPA:
        table = pd.crosstab(
            pd.Categorical(a.astype(int), SCALE), pd.Categorical(b.astype(int), SCALE), dropna=False
        ).to_numpy()
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            result = cohens_kappa(table, wt="quadratic")
        value = _number(result.kappa)
        if value is not None:
            why = _kappa_interval_note(value, result, n)
            if why is None:
                ci = [float(result.kappa_low), float(result.kappa_upp)]
    reliable, note = _reading(n, MIN_CASES_KAPPA, value, has_ci=why is None)
    if why is not None:
        reliable, note = False, f"{note}; {why}"
    return {
        "form": "Cohen's kappa, quadratic weights",
        "n": n,
        "kappa": value,
        "ci95": ci,
        "ci95_note": None if ci[0] is not None else why or note,
        "reliable": reliable,
        "note": note,
    }


def _kappa_interval_note(value: float, result, n: int) -> str | None:
    """Why statsmodels' Wald interval of this kappa is not shown, or None when it is a valid one."""
    variance = float(result.var_kappa)
    if math.isfinite(variance) and variance <= KAPPA_ZERO_VARIANCE:
        return (
            f"95 % CI not computed: the large-sample standard error is 0 on these {n} cases, so the "
            "asymptotic interval is a single point"
        )
    low, high = float(result.kappa_low), float(result.kappa_upp)
    fault = _interval_fault(value, low, high, -1.0, 1.0, "a kappa")
    if fault is None:
        return None
    return (
        f"95 % CI not computed: the asymptotic interval, [{low:.2f}, {high:.2f}], is not valid ({fault}); "
        f"{n} cases are too few for it"
    )


def agreement(frame: pd.DataFrame) -> dict:
    """Between raters, per arm and score: quadratic-weighted kappa for each pair, ICC(2,1) and ICC(2,k).

    The ICCs are two-way random effects, absolute agreement (pingouin's ICC(A,1) and ICC(A,k)), on the
    study cases every rater scored.
    """
    firsts = frame[~frame.repeat]
    raters = sorted(firsts.rater.unique())
    out: dict = {}
    for arm in ARMS:
        for score in ("quality", "sharpness"):
            wide = firsts[firsts.arm == arm].pivot(index="study_case", columns="rater", values=score)
            pairs = []
            for a, b in combinations(raters, 2):
                both = wide[[a, b]].dropna() if {a, b} <= set(wide.columns) else pd.DataFrame(columns=[a, b])
                pairs.append({"raters": [a, b], **kappa(both[a], both[b])})
            out[f"{arm}_{score}"] = {"kappa_quadratic": pairs, "icc": icc(wide)}
    return out


ICC_FORMS = {
    "ICC(2,1)": ("ICC(A,1)", "two-way random effects, absolute agreement, one rater's score"),
    "ICC(2,k)": ("ICC(A,k)", "two-way random effects, absolute agreement, mean of the k raters' scores"),
}
# pingouin rounds its CI95 to 2 decimals (its option round.column.CI95), the estimate not: a bound may miss the
# estimate by this much and still hold it.
CI_ROUNDING = 0.005


def _icc_minimum(form: str, k: int) -> float:
    """The least value the ICC can take: −1/(k−1) for one rater's score (k raters all apart as far as they can
    be); the mean of k scores has no lower limit (Spearman–Brown of −1/(k−1) is −∞). Either is at most 1."""
    return -1 / (k - 1) if form == "ICC(2,1)" else -math.inf


def _icc_range(form: str, k: int) -> str:
    minimum = _icc_minimum(form, k)
    return "at most 1" if math.isinf(minimum) else f"{minimum:.3g} to 1"


def _icc_interval_fault(form: str, k: int, value: float, low: float, high: float) -> str | None:
    """Why pingouin's (McGraw & Wong's F-based) interval is not a 95 % CI of this ICC, or None when it is one.

    With few cases the approximation's F quantiles grow so large that ICC(2,1)'s lower bound falls below
    −1/(k−1); ICC(2,k)'s bounds are ICC(2,1)'s through Spearman–Brown, k·r/(1+(k−1)·r), which has its pole at
    r = −1/(k−1), so the same fault turns up there as a lower bound above the upper one. Clipping would show an
    interval nobody computed, so such an interval is refused (`_interval_fault`), saying which condition it
    broke.
    """
    return _interval_fault(
        value, low, high, _icc_minimum(form, k), 1.0, f"an {form} of {k} raters", slack=CI_ROUNDING
    )


def icc(wide: pd.DataFrame) -> list[dict]:
    """ICC(2,1) and ICC(2,k) with 95 % CI, number of cases and raters, and whether they mean anything.

    An estimate outside what the ICC can be (`_icc_minimum` to 1: the ANOVA estimate on a few cases can be) is
    not reported; an interval is reported only when it is one of the ICC (`_icc_interval_fault`), else its
    bounds are None and `ci95_note` says why, as `note` does.
    """
    complete = wide.dropna()
    n, k = len(complete), complete.shape[1]
    table = None
    if k >= 2 and n >= MIN_CASES_ICC and complete.to_numpy().std() > 0:
        long = complete.reset_index().melt(id_vars="study_case", var_name="rater", value_name="score")
        with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            table = pingouin.intraclass_corr(
                long, targets="study_case", raters="rater", ratings="score"
            ).set_index("Type")
    out = []
    for form, (row, description) in ICC_FORMS.items():
        value, ci, why = None, [None, None], None
        if table is not None:
            value = _number(table.loc[row, "ICC"])
            low, high = (float(c) for c in table.loc[row, "CI95"])
            if value is not None and not _icc_minimum(form, k) <= value <= 1:
                why = (
                    f"not computed: the estimate {value:.2f} is outside what an {form} can be "
                    f"({_icc_range(form, k)}); {n} cases rated by every rater are too few for it"
                )
                value = None
            elif value is not None:
                fault = _icc_interval_fault(form, k, value, low, high)
                if fault is None:
                    ci = [low, high]
                elif not (math.isfinite(low) and math.isfinite(high)) and _no_residual(complete):
                    why = "95 % CI not computed: the raters differ by a constant, no residual variance"
                else:
                    why = (
                        f"95 % CI not computed: McGraw & Wong's F-based interval, [{low:.2f}, {high:.2f}], "
                        f"is not valid ({fault}); {n} cases rated by every rater are too few for it"
                    )
        reliable, note = _reading(n, MIN_CASES_ICC, value, has_ci=why is None)
        if why is not None:
            reliable = False
            note = why if value is None else f"{note}; {why}"
        if k < 2:
            reliable, note = False, "not computed: needs at least two raters"
        out.append(
            {
                "form": form,
                "description": description,
                "value": value,
                "ci95": ci,
                "ci95_note": None if ci[0] is not None else why or note,
                "n": n,
                "raters": k,
                "reliable": reliable,
                "note": note,
            }
        )
    return out


def _no_residual(complete: pd.DataFrame) -> bool:
    """Whether every rater's scores are another's plus a constant: the two-way ANOVA leaves no residual."""
    scores = complete.to_numpy(float)
    residual = scores - scores.mean(axis=1, keepdims=True) - scores.mean(axis=0) + scores.mean()
    return bool(np.allclose(residual, 0))


def consistency(frame: pd.DataFrame) -> dict[str, dict]:
    """Each rater against themself on hidden repeats: agreement of the repeat with the first showing."""
    out = {}
    for rater in sorted(frame.rater.unique()):
        mine = frame[frame.rater == rater]
        first = mine[~mine.repeat].set_index(["study_case", "arm"])
        again = mine[mine.repeat].drop_duplicates(["study_case", "arm"]).set_index(["study_case", "arm"])
        common = again.index.intersection(first.index)
        entry = {"n": len(common)}
        for score in ("quality", "sharpness"):
            a, b = first.loc[common, score], again.loc[common, score]
            entry[score] = {
                "exact_agreement": _number((a == b).mean()) if len(common) else None,
                "mean_abs_diff": _number((a - b).abs().mean()) if len(common) else None,
                "kappa_quadratic": kappa(a, b),
            }
        out[rater] = entry
    return out


def detection(frame: pd.DataFrame) -> dict[str, dict]:
    """Per rater: how often the known karyotype was named in each arm, and McNemar's exact test.

    Study cases whose known karyotype is not readable ISCN are left out and counted as `unreadable`.
    """
    known = frame[~frame.repeat & (frame.known_karyotype.str.strip() != "")].copy()
    known["hit"] = [_hit(s, k) for s, k in zip(known.abnormality, known.known_karyotype, strict=True)]
    out = {}
    for rater in sorted(frame.rater.unique()):
        mine = known[known.rater == rater]
        unreadable = sorted(set(mine[mine.hit.isna()].known_karyotype))
        mine = mine.dropna(subset=["hit"]).astype({"hit": bool})
        entry = {
            arm: {"n": int((mine.arm == arm).sum()), "detected": int(mine[mine.arm == arm].hit.sum())}
            for arm in ARMS
        }
        entry["unreadable"] = unreadable
        wide = (
            mine.pivot(index="study_case", columns="arm", values="hit")
            .reindex(columns=list(ARMS))
            .dropna()
            .astype(bool)
        )
        table = [
            [int((wide.original & wide.enhanced).sum()), int((wide.original & ~wide.enhanced).sum())],
            [int((~wide.original & wide.enhanced).sum()), int((~wide.original & ~wide.enhanced).sum())],
        ]
        discordant = table[0][1] + table[1][0]
        entry["pairs"] = len(wide)
        entry["table"] = table
        entry["p_mcnemar"] = _number(mcnemar(table, exact=True).pvalue) if discordant else None
        out[rater] = entry
    return out


def _hit(answer: str, karyotype: str) -> bool | None:
    try:
        return detected(answer, karyotype)
    except IscnError:
        return None


def study_statistics(records: Iterable[RatingRecord]) -> dict:
    """Everything the statistics page shows, as JSON-ready values."""
    frame = _frame(records)
    return {
        "hypotheses": {
            h.key: {"score": h.score, "alternative": h.alternative, "text": h.text} for h in HYPOTHESES
        },
        "raters": hypothesis_tests(frame) if len(frame) else {},
        "agreement": agreement(frame) if len(frame) else {},
        "consistency": consistency(frame) if len(frame) else {},
        "detection": detection(frame) if len(frame) else {},
    }
