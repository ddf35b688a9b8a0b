"""Statistics of a blinded original-versus-enhanced rating study (the paper's Table 1, and more).

Input is one record per rating; per rater, each case is a pair (original, enhanced). Three
one-sided hypotheses as in the paper: H1 quality is higher when enhanced, H2 band sharpness
is better (a lower score, 1 sharp … 5 fuzzy) when enhanced, H3 analysis takes longer when
enhanced. The paired t-test is the paper's; the Wilcoxon signed-rank test is there because
the scales are ordinal. Holm's correction runs over every rater × hypothesis t-test.
"""

import math
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd
import pingouin
from scipy import stats
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

ARMS = ("original", "enhanced")
SCALE = [1, 2, 3, 4, 5]


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


@dataclass(frozen=True)
class RatingRecord:
    """The latest rating of one shown item. `repeat` marks a hidden repeat of an item already shown."""

    rater: str
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


def paired_test(original: np.ndarray, enhanced: np.ndarray, alternative: str) -> dict:
    """One-sided paired comparison of enhanced against original: t-test, Wilcoxon, CI, Cohen's d_z."""
    original, enhanced = np.asarray(original, float), np.asarray(enhanced, float)
    n = len(original)
    result = {"n": n, "mean_original": None, "mean_enhanced": None, "mean_diff": None, "ci95": [None, None],
              "t": None, "p_ttest": None, "p_wilcoxon": None, "effect_size": None}
    if n == 0:
        return result
    diff = enhanced - original
    result.update(mean_original=_number(original.mean()), mean_enhanced=_number(enhanced.mean()),
                  mean_diff=_number(diff.mean()))
    if n < 2:
        return result
    sd = diff.std(ddof=1)
    if sd > 0:
        test = stats.ttest_rel(enhanced, original, alternative=alternative)
        low, high = stats.t.interval(0.95, n - 1, loc=diff.mean(), scale=sd / math.sqrt(n))  # two-sided 95%
        result.update(t=_number(test.statistic), p_ttest=_number(test.pvalue), ci95=[_number(low), _number(high)],
                      effect_size=_number(diff.mean() / sd))
    else:  # every pair differs by the same amount: no spread, no test
        result["ci95"] = [_number(diff.mean()), _number(diff.mean())]
    if np.any(diff != 0):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # small samples: scipy notes the exact/normal switch
            result["p_wilcoxon"] = _number(stats.wilcoxon(enhanced, original, alternative=alternative).pvalue)
    return result


def _frame(records: Iterable[RatingRecord]) -> pd.DataFrame:
    frame = pd.DataFrame([r.__dict__ for r in records],
                         columns=list(RatingRecord.__dataclass_fields__))
    return frame.astype({"quality": float, "sharpness": float, "duration": float, "repeat": bool})


def _pairs(frame: pd.DataFrame, rater: str, score: str) -> pd.DataFrame:
    """Cases the rater scored in both arms (first showings only): columns original, enhanced."""
    mine = frame[(frame.rater == rater) & ~frame.repeat]
    wide = mine.pivot_table(index="case", columns="arm", values=score, aggfunc="first")
    return wide.reindex(columns=list(ARMS)).dropna()


def hypothesis_tests(frame: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """Per rater and hypothesis: paired tests, then Holm-corrected t-test p-values over all of them."""
    results: dict[str, dict[str, dict]] = {}
    for rater in sorted(frame.rater.unique()):
        results[rater] = {}
        for h in HYPOTHESES:
            pairs = _pairs(frame, rater, h.score)
            results[rater][h.key] = paired_test(pairs["original"].to_numpy(), pairs["enhanced"].to_numpy(),
                                                h.alternative)
    tested = [(r, h) for r, by_h in results.items() for h, res in by_h.items() if res["p_ttest"] is not None]
    adjusted = multipletests([results[r][h]["p_ttest"] for r, h in tested], method="holm")[1] if tested else []
    for by_h in results.values():
        for result in by_h.values():
            result["p_holm"] = None
    for (rater, h), p in zip(tested, adjusted, strict=True):
        results[rater][h]["p_holm"] = _number(p)
    return results


def _kappa(a: pd.Series, b: pd.Series) -> float | None:
    if len(a) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)  # one category only: kappa undefined (None)
        warnings.simplefilter("ignore", RuntimeWarning)
        return _number(cohen_kappa_score(a.astype(int), b.astype(int), labels=SCALE, weights="quadratic"))


def agreement(frame: pd.DataFrame) -> dict:
    """Between raters, per arm and score: quadratic-weighted kappa for each pair, ICC(2,1) and ICC(2,k).

    The ICCs are two-way random effects, absolute agreement (pingouin's ICC(A,1) and ICC(A,k)).
    """
    firsts = frame[~frame.repeat]
    raters = sorted(firsts.rater.unique())
    out: dict = {}
    for arm in ARMS:
        for score in ("quality", "sharpness"):
            wide = firsts[firsts.arm == arm].pivot_table(index="case", columns="rater", values=score,
                                                         aggfunc="first")
            pairs = []
            for a, b in combinations(raters, 2):
                both = wide[[a, b]].dropna() if {a, b} <= set(wide.columns) else wide.iloc[0:0]
                pairs.append({"raters": [a, b], "n": len(both), "kappa": _kappa(both[a], both[b])
                              if len(both) else None})
            out[f"{arm}_{score}"] = {"kappa_quadratic": pairs, **_icc(wide)}
    return out


def _icc(wide: pd.DataFrame) -> dict:
    complete = wide.dropna()
    result = {"icc_n": len(complete), "icc2_1": None, "icc2_k": None}
    if complete.shape[1] < 2 or len(complete) < 3 or complete.to_numpy().std() == 0:
        return result
    long = complete.reset_index().melt(id_vars="case", var_name="rater", value_name="score")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        table = pingouin.intraclass_corr(long, targets="case", raters="rater", ratings="score").set_index("Type")
    result.update(icc2_1=_number(table.loc["ICC(A,1)", "ICC"]), icc2_k=_number(table.loc["ICC(A,k)", "ICC"]))
    return result


def consistency(frame: pd.DataFrame) -> dict[str, dict]:
    """Each rater against themself on hidden repeats: agreement of the repeat with the first showing."""
    out = {}
    for rater in sorted(frame.rater.unique()):
        mine = frame[frame.rater == rater]
        first = mine[~mine.repeat].set_index(["case", "arm"])
        again = mine[mine.repeat].set_index(["case", "arm"])
        common = again.index.intersection(first.index)
        entry = {"n": len(common)}
        for score in ("quality", "sharpness"):
            a, b = first.loc[common, score], again.loc[common, score]
            entry[score] = {"exact_agreement": _number((a == b).mean()) if len(common) else None,
                            "mean_abs_diff": _number((a - b).abs().mean()) if len(common) else None,
                            "kappa_quadratic": _kappa(a, b)}
        out[rater] = entry
    return out


_NORMAL_WORDS = re.compile(r"^(none|normal|noabnormality|nad|-)?$")  # matched with the spaces removed
_ABNORMALITY_CORE = re.compile(r"^([+-]\w+|[a-z]+\([^)]*\))")


def abnormalities(karyotype: str) -> list[str]:
    """The abnormality cores of an ISCN karyotype: '47,XY,+8,del(5)(q13q33)' → ['+8', 'del(5)']."""
    parts = (p.strip().lower().replace(" ", "") for p in karyotype.split(",")[2:])
    return [found.group(1) for found in map(_ABNORMALITY_CORE.match, parts) if found]


def detected(suspected: str, karyotype: str) -> bool:
    """Whether a rater's suspected abnormality names the known one (or says none for a normal karyotype)."""
    said = suspected.strip().lower().replace(" ", "")
    expected = abnormalities(karyotype)
    if not expected:
        return bool(_NORMAL_WORDS.match(said))
    shorthand = {e: re.sub(r"^del\((\w+)\)$", r"del(\1q)", e) for e in expected}
    return any(e in said or shorthand[e] in said for e in expected)


def detection(frame: pd.DataFrame) -> dict[str, dict]:
    """Per rater: how often the known karyotype was named in each arm, and McNemar's exact test."""
    known = frame[~frame.repeat & (frame.known_karyotype.str.strip() != "")]
    out = {}
    for rater in sorted(frame.rater.unique()):
        mine = known[known.rater == rater].copy()
        mine["hit"] = [detected(s, k) for s, k in zip(mine.abnormality, mine.known_karyotype, strict=True)]
        entry = {arm: {"n": int((mine.arm == arm).sum()), "detected": int(mine[mine.arm == arm].hit.sum())}
                 for arm in ARMS}
        wide = mine.pivot_table(index="case", columns="arm", values="hit", aggfunc="first").reindex(
            columns=list(ARMS)).dropna().astype(bool)
        table = [[int((wide.original & wide.enhanced).sum()), int((wide.original & ~wide.enhanced).sum())],
                 [int((~wide.original & wide.enhanced).sum()), int((~wide.original & ~wide.enhanced).sum())]]
        discordant = table[0][1] + table[1][0]
        entry["pairs"] = len(wide)
        entry["table"] = table
        entry["p_mcnemar"] = _number(mcnemar(table, exact=True).pvalue) if discordant else None
        out[rater] = entry
    return out


def study_statistics(records: Iterable[RatingRecord]) -> dict:
    """Everything the statistics page shows, as JSON-ready values."""
    frame = _frame(records)
    return {
        "hypotheses": {h.key: {"score": h.score, "alternative": h.alternative, "text": h.text} for h in HYPOTHESES},
        "raters": hypothesis_tests(frame) if len(frame) else {},
        "agreement": agreement(frame) if len(frame) else {},
        "consistency": consistency(frame) if len(frame) else {},
        "detection": detection(frame) if len(frame) else {},
    }
