"""CSV files of a study: the raw ratings, the statistics per rater and hypothesis, and rater agreement.

Every text cell goes through `safe_cell`: rater answers, reasons, usernames and file names are typed by
people, and a spreadsheet would run "=HYPERLINK(…)" or read the ISCN "+8" as the number 8.
"""

import csv
import io

from enhancer.study_statistics import HYPOTHESES

from .models import Study
from .services import latest_ratings

SPREADSHEET_BOM = "\ufeff"  # UTF-8 byte-order mark: how Excel tells a UTF-8 CSV file from an ANSI one
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # OWASP CSV injection: what a spreadsheet evaluates

RATING_COLUMNS = [
    "rater",
    "study_case",
    "karyogram",
    "case_accession",
    "arm",
    "quality",
    "sharpness",
    "duration_seconds",
    "abnormality",
    "position",
    "repeat",
    "version",
    "measured_seconds",
    "hidden_seconds",
    "reason",
    "rated_at",
]
RESULT_COLUMNS = [
    "rater",
    "hypothesis",
    "n",
    "mean_original",
    "mean_enhanced",
    "mean_diff",
    "ci95_low",
    "ci95_high",
    "ci95_note",
    "t",
    "p_ttest",
    "p_wilcoxon",
    "wilcoxon_variant",
    "wilcoxon_zero_differences_dropped",
    "wilcoxon_n_nonzero",
    "effect_size",
    "p_holm",
]
AGREEMENT_COLUMNS = [
    "arm_score",
    "statistic",
    "raters",
    "n_cases",
    "value",
    "ci95_low",
    "ci95_high",
    "reliable",
    "note",
]


def safe_cell(value):
    """Text that a spreadsheet would take for a formula or a number, prefixed with a single quote
    (OWASP CSV injection guidance); numbers and other text unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _csv(header: list[str], rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return out.getvalue()


def ratings_csv(study: Study) -> str:
    """One row per rated showing, latest version (older versions stay in the database).

    `study_case` is the pairing unit (one karyogram's original and enhanced images); a patient case
    with several karyograms has several study cases.
    """
    rows = []
    for r in latest_ratings(study):
        a = r.assignment
        study_case = a.image.study_case
        rows.append(
            [
                a.rater.username,
                study_case.pk,
                study_case.job.karyogram.original_name,
                study_case.job.karyogram.case.accession,
                a.image.arm,
                r.quality,
                r.sharpness,
                round(r.duration_seconds, 3),
                r.abnormality,
                a.position + 1,
                int(a.repeat),
                r.version,
                round(r.measured_seconds, 3),
                round(r.hidden_seconds, 3),
                r.reason,
                r.created.isoformat(),
            ]
        )
    return _csv(RATING_COLUMNS, rows)


def results_csv(statistics: dict) -> str:
    """The Table-1 numbers: one row per rater and hypothesis, with the Wilcoxon variant used and, where the
    mean difference's interval is not valid, empty bounds and the reason in `ci95_note`."""
    rows = []
    for rater, by_h in statistics["raters"].items():
        for h in HYPOTHESES:
            r = by_h[h.key]
            w = r["wilcoxon"]
            rows.append(
                [
                    rater,
                    h.key,
                    r["n"],
                    r["mean_original"],
                    r["mean_enhanced"],
                    r["mean_diff"],
                    r["ci95"][0],
                    r["ci95"][1],
                    r["ci95_note"],
                    r["t"],
                    r["p_ttest"],
                    r["p_wilcoxon"],
                    w["variant"],
                    w["zeros_dropped"],
                    w["n_nonzero"],
                    r["effect_size"],
                    r["p_holm"],
                ]
            )
    return _csv(RESULT_COLUMNS, rows)


def agreement_csv(statistics: dict) -> str:
    """Kappa per pair of raters and ICC(2,1)/ICC(2,k), each with its 95 % CI (empty when not valid, the reason
    in the note), n and what it can mean."""
    rows = []
    for key, a in statistics["agreement"].items():
        for pair in a["kappa_quadratic"]:
            rows.append(
                [
                    key,
                    pair["form"],
                    " – ".join(pair["raters"]),
                    pair["n"],
                    pair["kappa"],
                    *pair["ci95"],
                    int(pair["reliable"]),
                    pair["note"],
                ]
            )
        for icc in a["icc"]:
            rows.append(
                [
                    key,
                    f"{icc['form']}: {icc['description']}",
                    icc["raters"],
                    icc["n"],
                    icc["value"],
                    *icc["ci95"],
                    int(icc["reliable"]),
                    icc["note"],
                ]
            )
    return _csv(AGREEMENT_COLUMNS, rows)
