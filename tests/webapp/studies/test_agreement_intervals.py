"""An interval that is no interval is refused, with its reason, alike on the statistics page, in the API and in the
CSV files: an ICC's (lower bound above the upper, or below what an ICC can be), a kappa's (past 1 or −1, or a
single point) and a mean difference's (past what two 1–5 scores can differ by, or a single point)."""

import csv
import io

import pytest
from django.utils import timezone

from webapp.studies import services
from webapp.studies.models import Assignment
from webapp.studies.serializers import StudyStatisticsSerializer

pytestmark = pytest.mark.django_db

# The user walk-through: "ana" rated 20 items (10 karyograms, both arms), "ben" 6 (4 originals, 2 enhanced). On the
# 4 originals both rated, sharpness 3 4 4 4 against 3 3 5 2: pingouin's ICC(A,k) 0.18 came with [62.35, 0.95] and
# its ICC(A,1) with [-1.03, 0.91], below the -1 two raters can reach.
ANA = [3, 4, 4, 4, 2, 3, 5, 4, 3, 2]
BEN = {(0, "original"): 3, (1, "original"): 3, (2, "original"): 5, (3, "original"): 2}
BEN |= {(4, "enhanced"): 2, (5, "enhanced"): 3}


@pytest.fixture
def walkthrough_study(make_user, finished_karyograms):
    make_user("curator", "cora")
    ana, ben = make_user("rater", "ana"), make_user("rater", "ben")
    karyograms = finished_karyograms(10)
    study = services.create_study(
        name="Walk-through", instructions="", karyograms=karyograms, raters=[ana, ben], created_by=ana
    )
    index = {k.pk: i for i, k in enumerate(karyograms)}
    Assignment.objects.filter(study=study).update(shown_at=timezone.now())
    for a in Assignment.objects.filter(study=study, repeat=False).select_related(
        "image__study_case__job", "rater"
    ):
        case, arm = index[a.image.study_case.job.karyogram_id], a.image.arm
        if a.rater == ana:
            sharpness = ANA[case] if arm == "original" else 3
        elif (case, arm) in BEN:
            sharpness = BEN[case, arm]
        else:
            continue
        services.submit_rating(study, a.rater, a.token, abnormality="none", quality=3, sharpness=sharpness)
    return study


def test_the_api_gives_null_bounds_and_the_reason(walkthrough_study, api_as):
    stats = api_as("curator", "cura").get(f"/api/studies/{walkthrough_study.pk}/statistics/").json()
    icc21, icc2k = stats["agreement"]["original_sharpness"]["icc"]
    assert icc21["n"] == icc2k["n"] == 4 and icc2k["value"] == pytest.approx(2 / 11)
    assert icc21["ci95"] == icc2k["ci95"] == [None, None]
    assert "[-1.03, 0.91]" in icc21["ci95_note"] and "below -1" in icc21["ci95_note"]
    assert "[62.35, 0.95]" in icc2k["ci95_note"] and "above its upper" in icc2k["ci95_note"]
    assert not icc21["reliable"] and not icc2k["reliable"]
    quality = stats["agreement"]["original_quality"]["icc"][0]  # every score 3: undefined, no interval either
    assert quality["value"] is None and quality["ci95_note"] == quality["note"]
    documented = StudyStatisticsSerializer(data=stats)  # the answer has the shape the schema publishes
    assert documented.is_valid(), documented.errors


def test_the_page_shows_no_interval_and_says_why(walkthrough_study, signed_in):
    html = signed_in("cora").get(f"/studies/{walkthrough_study.pk}/statistics/").content.decode()
    agreement = html.split('id="agreement"')[1].split("</table>")[0]
    rows = [row for row in agreement.split("<tr") if "original_sharpness" in row and "ICC(2," in row]
    assert len(rows) == 2
    for row in rows:
        assert (
            "(no 95 % CI)" in row and "95 % CI not computed" in row and "4 cases rated by every rater" in row
        )
    assert "<td>0.10 <span" in rows[0] and "<td>0.18 <span" in rows[1]  # the estimates, with no bounds beside
    assert "<td>0.10 [" not in agreement and "<td>0.18 [" not in agreement


def test_the_agreement_csv_leaves_the_bounds_empty_and_gives_the_reason(walkthrough_study, signed_in):
    body = signed_in("cora").get(f"/studies/{walkthrough_study.pk}/agreement.csv").content.decode("utf-8-sig")
    rows = [r for r in csv.DictReader(io.StringIO(body)) if r["arm_score"] == "original_sharpness"]
    iccs = [r for r in rows if r["statistic"].startswith("ICC(")]
    assert [r["statistic"].split(":")[0] for r in iccs] == ["ICC(2,1)", "ICC(2,k)"]
    for row in iccs:
        assert row["ci95_low"] == row["ci95_high"] == "" and row["reliable"] == "0"
        assert "95 % CI not computed" in row["note"]
    assert iccs[1]["value"].startswith("0.1818") and "[62.35, 0.95]" in iccs[1]["note"]


# Four karyograms both raters rated in both arms. Original sharpness, ana 2 3 4 5 against ben 2 3 5 5: kappa 0.92,
# whose asymptotic interval [0.76, 1.08] was shown though a kappa is at most 1. Ana's quality, original 3 1 1 1 and
# enhanced 1 5 5 5: differences −2 4 4 4, whose t-interval [−2.27, 7.27] reaches past the +4 two scores can differ.
NEAR = {
    "ana": {"original": ([3, 1, 1, 1], [2, 3, 4, 5]), "enhanced": ([1, 5, 5, 5], [3, 3, 3, 3])},
    "ben": {"original": ([3, 3, 2, 3], [2, 3, 5, 5]), "enhanced": ([4, 3, 3, 4], [3, 3, 3, 3])},
}


@pytest.fixture
def near_agreement_study(make_user, finished_karyograms):
    cora = make_user("curator", "cora")
    raters = [make_user("rater", name) for name in NEAR]
    karyograms = finished_karyograms(4)
    study = services.create_study(
        name="Near agreement", instructions="", karyograms=karyograms, raters=raters, created_by=cora
    )
    index = {k.pk: i for i, k in enumerate(karyograms)}
    Assignment.objects.filter(study=study).update(shown_at=timezone.now())
    for a in Assignment.objects.filter(study=study, repeat=False).select_related(
        "image__study_case__job", "rater"
    ):
        quality, sharpness = NEAR[a.rater.username][a.image.arm]
        case = index[a.image.study_case.job.karyogram_id]
        services.submit_rating(
            study, a.rater, a.token, abnormality="none", quality=quality[case], sharpness=sharpness[case]
        )
    return study


def test_the_api_gives_null_kappa_and_mean_difference_bounds_and_the_reason(near_agreement_study, api_as):
    stats = api_as("curator", "cura").get(f"/api/studies/{near_agreement_study.pk}/statistics/").json()
    (pair,) = stats["agreement"]["original_sharpness"]["kappa_quadratic"]
    assert pair["raters"] == ["ana", "ben"] and pair["n"] == 4 and pair["kappa"] == pytest.approx(11 / 12)
    assert pair["ci95"] == [None, None] and not pair["reliable"]
    assert "[0.76, 1.08]" in pair["ci95_note"] and "above 1, the most a kappa can be" in pair["ci95_note"]
    assert pair["ci95_note"] in pair["note"]
    h1 = stats["raters"]["ana"]["H1"]
    assert h1["n"] == 4 and h1["mean_diff"] == 2.5 and h1["ci95"] == [None, None]
    assert "[-2.27, 7.27]" in h1["ci95_note"] and "above 4" in h1["ci95_note"]
    valid = stats["raters"]["ben"]["H1"]  # differences 1 0 1 1: [−0.05, 1.55], an interval, kept
    assert valid["ci95"][0] < valid["mean_diff"] < valid["ci95"][1] and valid["ci95_note"] is None
    documented = StudyStatisticsSerializer(data=stats)
    assert documented.is_valid(), documented.errors


def test_the_page_shows_no_kappa_or_mean_difference_interval_and_says_why(near_agreement_study, signed_in):
    html = signed_in("cora").get(f"/studies/{near_agreement_study.pk}/statistics/").content.decode()
    agreement = html.split('id="agreement"')[1].split("</table>")[0]
    (row,) = [r for r in agreement.split("<tr") if "original_sharpness" in r and "κ quadratic" in r]
    assert "<td>0.92 <span" in row and "(no 95 % CI)" in row and "above 1, the most a kappa can be" in row
    assert "0.92 [" not in agreement
    tests = html.split('id="tests"')[1].split("</table>")[0]
    (h1,) = [r for r in tests.split("<tr") if "<th>ana</th><td>H1</td>" in r]
    assert "<td>2.50 <span" in h1 and "(no 95 % CI)" in h1 and "[-2.27, 7.27]" in h1 and "above 4" in h1
    (kept,) = [r for r in tests.split("<tr") if "<th>ben</th><td>H1</td>" in r]
    assert "<td>0.75 [" in kept and "no 95 % CI" not in kept


def test_the_csv_files_leave_the_kappa_and_mean_difference_bounds_empty(near_agreement_study, signed_in):
    client = signed_in("cora")
    body = client.get(f"/studies/{near_agreement_study.pk}/agreement.csv").content.decode("utf-8-sig")
    (pair,) = [
        r
        for r in csv.DictReader(io.StringIO(body))
        if r["arm_score"] == "original_sharpness" and r["statistic"].startswith("Cohen")
    ]
    assert pair["value"].startswith("0.9166") and pair["ci95_low"] == pair["ci95_high"] == ""
    assert pair["reliable"] == "0" and "[0.76, 1.08]" in pair["note"]
    body = client.get(f"/studies/{near_agreement_study.pk}/results.csv").content.decode("utf-8-sig")
    rows = {(r["rater"], r["hypothesis"]): r for r in csv.DictReader(io.StringIO(body))}
    h1 = rows["ana", "H1"]
    assert h1["mean_diff"] == "2.5" and h1["ci95_low"] == h1["ci95_high"] == ""
    assert "[-2.27, 7.27]" in h1["ci95_note"]
    assert rows["ben", "H1"]["ci95_low"] and rows["ben", "H1"]["ci95_note"] == ""
