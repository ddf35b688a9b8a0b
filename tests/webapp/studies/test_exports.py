"""CSV exports: text people typed cannot become a spreadsheet formula or a number."""

import csv
import io

import pytest

from webapp.cases.models import Karyogram
from webapp.studies import services
from webapp.studies.exports import safe_cell

pytestmark = pytest.mark.django_db

ANSWERS = ["=2+5", '=HYPERLINK("http://evil.example","click")', "@SUM(1+1)", "+8", "-7"]  # stored stripped


@pytest.mark.parametrize(
    "value, written",
    [
        ("=2+5", "'=2+5"),
        ("+8", "'+8"),
        ("-7", "'-7"),
        ("@SUM(1+1)", "'@SUM(1+1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("47,XXY", "47,XXY"),
        ("none", "none"),
        ("", ""),
        (-0.5, -0.5),
        (3, 3),
        (None, None),
    ],
)
def test_safe_cell_quotes_only_text_a_spreadsheet_would_evaluate(value, written):
    assert safe_cell(value) == written


@pytest.fixture
def rated_study(make_user, finished_karyograms, signed_in):
    """Two raters, one named "+eve", answered with formulas and ISCN; a file and a case name that start with "="
    and "-"; enhanced rated sharper, so H2's mean difference is a negative number."""
    karyograms = finished_karyograms(3)
    Karyogram.objects.filter(pk=karyograms[0].pk).update(original_name="=cmd.png")
    case = karyograms[1].case
    case.accession = "-ACC"
    case.save()
    raters = [make_user("rater", "+eve"), make_user("rater", "bob")]
    study = services.create_study(
        name="S", instructions="", karyograms=karyograms, raters=raters, created_by=raters[0]
    )
    for rater in raters:
        i = 0
        while (assignment := services.next_assignment(study, rater)) is not None:
            enhanced = assignment.image.arm == "enhanced"
            services.submit_rating(
                study,
                rater,
                assignment.token,
                abnormality=ANSWERS[i % len(ANSWERS)],
                quality=3 + enhanced,
                sharpness=4 - 2 * enhanced - (i % 2),  # enhanced 1–2, original 3–4: every difference < 0
            )
            i += 1
        first = study.assignments.filter(rater=rater).order_by("position").first()
        sharpness = 2 if first.image.arm == "enhanced" else 4  # the correction keeps the arm's side
        services.submit_rating(
            study, rater, first.token, abnormality="-7", quality=3, sharpness=sharpness, reason="=correction"
        )
    make_user("curator", "cura")
    return study, signed_in("cura")


def _rows(client, url) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.mark.parametrize("where", ["page", "api"])
def test_no_export_writes_typed_text_that_a_spreadsheet_would_evaluate(rated_study, where):
    study, client = rated_study
    url = {
        "page": lambda what: f"/studies/{study.pk}/{what}.csv",
        "api": lambda what: f"/api/studies/{study.pk}/export/?what={what}",
    }[where]
    ratings = _rows(client, url("ratings"))
    assert {r["abnormality"] for r in ratings} == {"'" + a for a in ANSWERS}
    assert {r["rater"] for r in ratings} == {"'+eve", "bob"}
    assert {r["karyogram"] for r in ratings} == {
        "'=cmd.png",
        "patient-1-original.png",
        "patient-2-original.png",
    }
    assert {r["case_accession"] for r in ratings} == {"ACC-SECRET-000", "'-ACC", "ACC-SECRET-002"}
    assert {r["reason"] for r in ratings} == {"", "'=correction"}

    results = _rows(client, url("results"))
    assert {r["rater"] for r in results} == {"'+eve", "bob"}
    h2 = [r for r in results if r["hypothesis"] == "H2"]
    assert all(float(r["mean_diff"]) < 0 for r in h2)  # numbers stay numbers

    agreement = _rows(client, url("agreement"))
    kappa = [r for r in agreement if r["raters"].count("–") == 1]
    assert kappa and all(r["raters"] == "'+eve – bob" for r in kappa)


def test_page_downloads_open_in_a_spreadsheet_as_utf8_and_the_api_export_stays_plain(rated_study):
    """Excel reads a CSV file without a byte-order mark as ANSI: the en dash between raters came out "â€“"."""
    study, client = rated_study
    for what in ("ratings", "results", "agreement"):
        page = client.get(f"/studies/{study.pk}/{what}.csv").content
        api = client.get(f"/api/studies/{study.pk}/export/?what={what}").content
        assert page.startswith(b"\xef\xbb\xbf") and page[3:] == api and not api.startswith(b"\xef\xbb\xbf")
    agreement = client.get(f"/studies/{study.pk}/agreement.csv").content.decode("utf-8-sig")
    assert "'+eve – bob" in agreement
