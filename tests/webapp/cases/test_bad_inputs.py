"""The bad-input corpus through the API and the upload page: a clear 400 or message, never a 500,
nothing left behind; valid-but-awkward images are accepted and handled."""

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from tests.conftest import PASSWORD
from tests.factories import CaseFactory, KaryogramFactory
from tests.support.bad_inputs import ACCEPTED, REFUSED
from webapp.cases import services
from webapp.cases.models import Case, EnhancementJob, JobState, Karyogram

pytestmark = pytest.mark.django_db
SHARED_FIGURE = (
    Path(__file__).resolve().parents[4]
    / "shared"
    / "data"
    / "real"
    / "karyograms"
    / "journal_two_panel_45X_47XXX.jpg"
)


def _stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.fixture
def case_api(api_as):
    api = api_as("technologist")
    case_id = api.post("/api/cases/", {"accession": "BAD-INPUT"}, format="json").json()["id"]
    return api, case_id


@pytest.mark.parametrize(("name", "data", "says"), REFUSED, ids=[r[0] for r in REFUSED])
def test_api_refuses_bad_files_with_a_clear_400(case_api, name, data, says):
    api, case_id = case_api
    before_files, before_rows = _stored_files(), (Karyogram.objects.count(), EnhancementJob.objects.count())
    response = api.post(
        f"/api/cases/{case_id}/karyograms/", {"image": SimpleUploadedFile(name, data)}, format="multipart"
    )
    assert response.status_code == 400
    message = response.json()["image"][0]
    assert says.lower() in message.lower() and message.startswith(f"{name}: ")
    assert (Karyogram.objects.count(), EnhancementJob.objects.count()) == before_rows
    assert _stored_files() == before_files


@pytest.mark.parametrize(("name", "data", "says"), REFUSED[:4], ids=[r[0] for r in REFUSED[:4]])
def test_upload_page_names_each_refused_file(make_user, name, data, says):
    user = make_user("technologist", "page-uploader")
    case = CaseFactory(created_by=user)
    client = Client()
    client.login(username="page-uploader", password=PASSWORD)
    good = ACCEPTED[0]
    response = client.post(
        f"/cases/{case.pk}/upload/",
        {"images": [SimpleUploadedFile(name, data), SimpleUploadedFile(good[0], good[1])]},
        follow=True,
    )
    text = response.content.decode()
    assert response.status_code == 200 and name in text and says.lower() in text.lower()
    assert list(case.karyograms.values_list("original_name", flat=True)) == [good[0]]  # the good one still in


def test_an_empty_file_is_refused_in_the_same_words_by_the_api_and_the_page(case_api, make_user):
    """Walk-through: the API answered DRF's "The submitted file is empty." where the page says "empty.png: The
    file is empty." and the command line "error: The file is empty."."""
    api, case_id = case_api
    response = api.post(
        f"/api/cases/{case_id}/karyograms/",
        {"image": SimpleUploadedFile("empty.png", b"")},
        format="multipart",
    )
    assert response.status_code == 400 and response.json() == {"image": ["empty.png: The file is empty."]}
    client = Client()
    client.force_login(api.user)
    page = client.post(
        f"/cases/{case_id}/upload/", {"images": [SimpleUploadedFile("empty.png", b"")]}, follow=True
    ).content.decode()
    assert "empty.png: The file is empty." in page
    assert Karyogram.objects.count() == 0


@pytest.mark.parametrize(("name", "data"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_awkward_but_valid_images_are_accepted(case_api, name, data):
    api, case_id = case_api
    response = api.post(
        f"/api/cases/{case_id}/karyograms/", {"image": SimpleUploadedFile(name, data)}, format="multipart"
    )
    assert response.status_code == 201, response.content


def test_polyglot_is_never_served_raw(make_user):
    user = make_user("technologist", "poly")
    name, data = next(a for a in ACCEPTED if a[0] == "polyglot.png")
    karyogram = KaryogramFactory(case__created_by=user, name=name, png=data)
    job = services.start_job(karyogram, user, enqueue=False)
    client = Client()
    client.login(username="poly", password=PASSWORD)
    response = client.get(f"/jobs/{job.pk}/image/original.png")
    assert response["Content-Type"] == "image/png" and response["X-Content-Type-Options"] == "nosniff"
    assert b"<script>" not in response.content and Image.open(io.BytesIO(response.content)).size == (300, 200)


@pytest.mark.parametrize("source", ["blank", "two-panel figure"])
def test_images_without_a_karyogram_layout_fail_the_job_with_a_reason(make_user, source):
    from workers.tasks import slice_karyogram_task

    if source == "blank":
        data = next(a for a in ACCEPTED if a[0] == "blank.png")[1]
    else:
        if not SHARED_FIGURE.exists():
            pytest.skip(f"../shared is absent on this machine ({SHARED_FIGURE})")
        data = SHARED_FIGURE.read_bytes()
    user = make_user("technologist", "layout")
    karyogram = KaryogramFactory(case__created_by=user, png=data)
    job = services.start_job(karyogram, user, enqueue=False)
    slice_karyogram_task.run(job_pk=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.error.startswith("The karyogram could not be sliced:")
    assert len(job.error) > 60  # says why, not just that
    if source == "blank":
        assert job.error == (
            "The karyogram could not be sliced: no chromosome was found; this does not look like a karyogram."
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("strength", "-5"),
        ("strength", "NaN"),
        ("strength", "1e309"),
        ("strength", "lots"),
        ("cells", "25"),
        ("cells", "twenty"),
    ],
)
def test_absurd_upload_options_get_a_400(case_api, field, value):
    api, case_id = case_api
    data = {"image": SimpleUploadedFile(*ACCEPTED[2][:2]), field: value}
    response = api.post(f"/api/cases/{case_id}/karyograms/", data, format="multipart")
    assert response.status_code == 400 and field in response.json()
    assert Karyogram.objects.count() == 0


UNICODE = "Ünïcødé ‮ 漢字 🧬 <b>&amp;</b> ' \" ; DROP TABLE"


def test_unicode_in_every_text_field_round_trips(api_as):
    api = api_as("technologist")
    body = {
        "accession": "ÄÖ-ü-漢字-🧬",
        "referral_reason": UNICODE,
        "known_karyotype": "46,XX,del(5)(q13q33) 🧬",
        "notes": UNICODE * 20,
    }
    created = api.post("/api/cases/", body, format="json")
    assert created.status_code == 201
    fetched = api.get(f"/api/cases/{created.json()['id']}/").json()
    assert {k: fetched[k] for k in body} == body
    page = Client()
    page.force_login(api.user)
    html = page.get(f"/cases/{created.json()['id']}/").content.decode()
    assert "<b>&amp;</b>" not in html and "&lt;b&gt;" in html  # escaped, not rendered


@pytest.mark.parametrize("field", ["accession", "referral_reason", "known_karyotype"])
def test_overlong_strings_get_a_400_not_a_500(api_as, field):
    api = api_as("technologist")
    body = {"accession": "LONG", field: "x" * 100_000}
    response = api.post("/api/cases/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert Case.objects.count() == 0


def test_the_same_file_uploaded_twice_is_kept_and_pointed_out(make_user, case_api):
    user = make_user("technologist", "twice-uploader")
    case = CaseFactory(created_by=user)
    client = Client()
    client.login(username="twice-uploader", password=PASSWORD)
    name, data = ACCEPTED[0]
    client.post(f"/cases/{case.pk}/upload/", {"images": [SimpleUploadedFile(name, data)]})
    again = client.post(
        f"/cases/{case.pk}/upload/", {"images": [SimpleUploadedFile("copy.png", data)]}, follow=True
    ).content.decode()
    first, second = case.karyograms.order_by("pk")
    assert f"copy.png is byte for byte the same file as {name}" in again and "both are kept" in again
    assert first.same_file_as is None and second.same_file_as == first
    assert first.same_file_in_other_case is None and second.same_file_in_other_case is None
    api, other_case = case_api  # another case: a copy there is pointed out as perhaps another patient's
    url = f"/api/cases/{other_case}/karyograms/"
    first_there = api.post(url, {"image": SimpleUploadedFile(name, data)}).json()
    second_there = api.post(url, {"image": SimpleUploadedFile(name, data)}).json()
    assert first_there["same_file_as"] is None and second_there["same_file_as"] == first_there["id"]
    assert first_there["same_file_in_other_case"] == first.pk == second_there["same_file_in_other_case"]


def test_a_file_already_filed_under_another_case_is_pointed_out_by_accession(make_user):
    """The same bytes under two accessions is one patient's image filed under another's: say which case."""
    user = make_user("technologist", "two-patients")
    first_case = CaseFactory(created_by=user, accession="PATIENT-A")
    second_case = CaseFactory(created_by=user, accession="PATIENT-B")
    client = Client()
    client.login(username="two-patients", password=PASSWORD)
    name, data = ACCEPTED[0]
    page = client.post(
        f"/cases/{first_case.pk}/upload/", {"images": [SimpleUploadedFile(name, data)]}, follow=True
    ).content.decode()
    assert "check that it belongs" not in page
    page = client.post(
        f"/cases/{second_case.pk}/upload/", {"images": [SimpleUploadedFile("b.png", data)]}, follow=True
    ).content.decode()
    assert f"b.png is byte for byte the same file as {name} of case PATIENT-A" in page
    assert "check that it belongs to this patient" in page and second_case.karyograms.count() == 1
