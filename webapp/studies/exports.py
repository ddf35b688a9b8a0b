"""CSV files of a study: the raw ratings and the statistics per rater and hypothesis."""

import csv
import io

from enhancer.study_statistics import HYPOTHESES

from .models import Study
from .services import latest_ratings

RATING_COLUMNS = ["rater", "case_accession", "arm", "quality", "sharpness", "duration_seconds", "abnormality",
                  "position", "repeat", "version", "measured_seconds", "reason", "rated_at"]
RESULT_COLUMNS = ["rater", "hypothesis", "n", "mean_original", "mean_enhanced", "mean_diff", "ci95_low", "ci95_high",
                  "t", "p_ttest", "p_wilcoxon", "effect_size", "p_holm"]


def ratings_csv(study: Study) -> str:
    """One row per rated showing, latest version (older versions stay in the database)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RATING_COLUMNS)
    for r in latest_ratings(study):
        a = r.assignment
        writer.writerow([a.rater.username, a.image.study_case.job.karyogram.case.accession, a.image.arm, r.quality,
                         r.sharpness, round(r.duration_seconds, 3), r.abnormality, a.position + 1, int(a.repeat),
                         r.version, round(r.measured_seconds, 3), r.reason, r.created.isoformat()])
    return out.getvalue()


def results_csv(statistics: dict) -> str:
    """The Table-1 numbers: one row per rater and hypothesis."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(RESULT_COLUMNS)
    for rater, by_h in statistics["raters"].items():
        for h in HYPOTHESES:
            r = by_h[h.key]
            writer.writerow([rater, h.key, r["n"], r["mean_original"], r["mean_enhanced"], r["mean_diff"],
                             r["ci95"][0], r["ci95"][1], r["t"], r["p_ttest"], r["p_wilcoxon"], r["effect_size"],
                             r["p_holm"]])
    return out.getvalue()
