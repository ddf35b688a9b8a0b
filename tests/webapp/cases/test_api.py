import io

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import CaseFactory, EnhancementJobFactory
from webapp.audit.models import AuditEvent
from webapp.cases.models import EnhancementJob, JobState, Karyogram


@pytest.mark.django_db
def test_technologist_creates_and_reads_cases(api_as):
    api = api_as("technologist")
    created = api.post(
        "/api/cases/",
        {
            "accession": "BM-1",
            "sample_type": "bone_marrow",
            "referral_reason": "AML",
            "known_karyotype": "46,XY",
            "notes": "ünïcødé ✓",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = api.get(f"/api/cases/{created.json()['id']}/").json()
    assert (
        body["accession"] == "BM-1"
        and body["created_by"] == "api-technologist"
        and body["notes"] == "ünïcødé ✓"
    )
    assert api.post("/api/cases/", {"accession": "BM-1"}, format="json").status_code == 400  # unique


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["rater", "curator", None])
def test_other_roles_get_403_and_anonymous_401(api_as, client, role):
    if role is None:
        response = client.get("/api/cases/")
        assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
        return
    api = api_as(role)
    assert api.get("/api/cases/").status_code == 403
    assert api.get("/api/jobs/").status_code == 403


@pytest.mark.django_db
def test_polling_a_job_reads_its_progress_without_an_audit_event_each_second(api_as):
    """Job pages poll every second; polling the audited job wrote 60 audit events a minute per open tab."""
    api = api_as("technologist")
    job = EnhancementJobFactory(state="slicing", progress=40)
    before = AuditEvent.objects.count()
    body = api.get(f"/api/jobs/{job.pk}/progress/").json()
    assert body == {
        "id": job.pk,
        "state": "slicing",
        "stage": job.get_state_display(),
        "progress": 40,
        "active": True,
        "cancellable": True,
        "error": "",
        "waiting_for_worker": job.waiting_for_worker,
        "panels": job.panels,
        "remedies": [],  # nothing to offer while it runs
    }
    assert AuditEvent.objects.count() == before
    api.get(f"/api/jobs/{job.pk}/")  # the job itself, with its case's karyogram, stays audited
    assert AuditEvent.objects.filter(action="api-job-detail").count() == 1
    assert api_as("rater").get(f"/api/jobs/{job.pk}/progress/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.png", b""),
        ("page.png", b"<html><body>not an image</body></html>"),
        ("truncated.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"),
    ],
)
def test_bad_upload_gets_a_clear_400_and_leaves_nothing(api_as, name, data, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    api = api_as("technologist")
    case = CaseFactory(created_by=api.user)
    response = api.post(
        f"/api/cases/{case.pk}/karyograms/", {"image": SimpleUploadedFile(name, data)}, format="multipart"
    )
    assert response.status_code == 400
    assert name in str(response.json()["image"][0]) or "empty" in str(response.json()["image"][0]).lower()
    assert not Karyogram.objects.exists() and not EnhancementJob.objects.exists()
    assert not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.django_db
def test_upload_over_the_size_limit_is_refused(api_as, settings, karyogram_png):
    settings.MAX_UPLOAD_BYTES = 1000
    api = api_as("technologist")
    case = CaseFactory(created_by=api.user)
    response = api.post(
        f"/api/cases/{case.pk}/karyograms/",
        {"image": SimpleUploadedFile("k.png", karyogram_png)},
        format="multipart",
    )
    assert response.status_code == 400 and "limit" in response.json()["image"][0]


@pytest.mark.django_db
def test_two_files_in_one_upload_call_are_refused_not_one_dropped(api_as, settings, tmp_path, karyogram_png):
    """Walk-through: `curl -F image=@a.jpg -F image=@b.bmp` answered 201 with b only; a was dropped unseen."""
    settings.MEDIA_ROOT = tmp_path
    api = api_as("technologist")
    case = CaseFactory(created_by=api.user)
    files = [SimpleUploadedFile("a.png", karyogram_png), SimpleUploadedFile("b.png", karyogram_png)]
    response = api.post(f"/api/cases/{case.pk}/karyograms/", {"image": files}, format="multipart")
    assert response.status_code == 400
    assert response.json()["image"] == [
        "Send one karyogram per request; this one carried 2 (a.png, b.png), none was stored."
    ]
    assert not Karyogram.objects.exists() and not any(p.is_file() for p in tmp_path.rglob("*"))


@pytest.mark.django_db
def test_schema_documents_the_pipeline_endpoints(client, make_user):
    from tests.conftest import PASSWORD

    make_user("technologist", "doc")
    client.login(username="doc", password=PASSWORD)
    schema = client.get("/api/schema/").content.decode()
    for path in (
        "/api/cases/",
        "/api/cases/{id}/karyograms/",
        "/api/jobs/{id}/",
        "/api/jobs/{id}/retry/",
        "/api/jobs/{id}/result/",
    ):
        assert path in schema


@pytest.mark.django_db
def test_a_result_can_be_asked_for_by_its_image_type_and_a_refusal_still_reads_json(
    api_as, finished_karyograms
):
    """Review: `Accept: image/png` on the result was answered 406, though the result is a PNG."""
    job = finished_karyograms(1)[0].jobs.get()
    api = api_as("technologist", "tess")
    answer = api.get(f"/api/jobs/{job.pk}/result/", HTTP_ACCEPT="image/png")
    assert answer.status_code == 200 and b"".join(answer.streaming_content).startswith(b"\x89PNG")
    refused = api.get(f"/api/jobs/{job.pk}/result/", {"as": "gif"}, HTTP_ACCEPT="image/png")
    assert refused.status_code == 400 and refused["Content-Type"] == "application/json"
    assert "Cannot convert to 'gif'" in refused.json()["as"][0]
    missing = api.get("/api/jobs/999999/result/", HTTP_ACCEPT="image/*")
    assert missing.status_code == 404 and missing.json() == {
        "detail": "No EnhancementJob matches the given query."
    }


@pytest.mark.django_db
def test_a_jpeg_result_comes_as_png_when_the_accept_header_prefers_it_and_a_type_it_lacks_is_refused(
    api_as,
):
    """Review: `Accept: image/png` on a JPEG original's result answered the JPEG, and `Accept: text/csv` too."""
    jpeg = io.BytesIO()
    Image.fromarray(np.full((60, 80), 200, np.uint8)).save(jpeg, "JPEG")
    job = EnhancementJobFactory(
        karyogram__name="k.jpg",
        karyogram__png=jpeg.getvalue(),
        state=JobState.DONE,
    )
    job.result.save("enhanced.jpg", ContentFile(jpeg.getvalue()))
    job.result_png.save("enhanced.png", ContentFile(b"\x89PNG png bytes"))
    api = api_as("technologist", "tess")
    url = f"/api/jobs/{job.pk}/result/"

    def answer(accept=None, **query):
        response = api.get(url, query, **({"HTTP_ACCEPT": accept} if accept else {}))
        return response.status_code, response["Content-Type"], response

    for accept in (None, "*/*", "image/*", "image/jpeg", "image/png;q=0.5, image/jpeg"):
        status, kind, response = answer(accept)
        assert (status, kind) == (200, "image/jpeg"), accept
        assert b"".join(response.streaming_content).startswith(b"\xff\xd8")
    for accept in ("image/png", "image/png, */*;q=0.1", None):
        status, kind, response = answer(accept, **({"as": "png"} if accept is None else {}))
        assert (status, kind) == (200, "image/png"), accept
        assert b"".join(response.streaming_content).startswith(b"\x89PNG")
    for accept, query in (("text/csv", {}), ("image/jpeg", {"as": "png"})):
        status, kind, response = answer(accept, **query)
        assert (status, kind) == (406, "application/json"), accept
        assert response.json()["detail"].startswith("This file comes as image/")
