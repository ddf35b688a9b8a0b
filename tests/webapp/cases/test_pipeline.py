"""Upload → slice → enhance → reassemble through the real Redis and a real Celery worker."""

import io
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from enhancer.io import read_karyogram
from webapp.cases.models import Case, EnhancementJob, JobState


def wait_for_job(api, job_id: int, timeout: float = 120, until=("done", "failed")) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = api.get(f"/api/jobs/{job_id}/").json()
        if body["state"] in until:
            return body
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} did not reach {until}: {body}")


def upload(api, png: bytes, accession: str) -> dict:
    case = api.post(
        "/api/cases/", {"accession": accession, "sample_type": "bone_marrow"}, format="json"
    ).json()
    response = api.post(
        f"/api/cases/{case['id']}/karyograms/",
        {"image": SimpleUploadedFile("k.png", png)},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    return response.json()


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_upload_reaches_done_with_a_result_like_the_original(api_as, celery_worker, karyogram_png):
    api = api_as("technologist")
    created = upload(api, karyogram_png, "E2E-1")
    assert created["job"]["state"] == "queued"
    job = wait_for_job(api, created["job"]["id"])
    assert job["state"] == "done", job["error"]
    assert job["progress"] == 100 and len(job["cells"]) == 24 and job["model_version"]
    assert [c["objects"] for c in job["cells"] if c["label"] == "8"] == [3]
    assert set(job["timings"]) == {"slicing", "enhancing", "assembling"}
    # The reassembly step measured the whole result against the original and kept it on the job.
    report = job["report"]
    assert [f["name"] for f in report["figures"]] == [
        "mask IoU",
        "length",
        "grid texture",
        "band contrast",
        "homolog agreement",
    ]
    assert 0 < report["mask_iou"] <= 1 and report["homolog_pairs"] > 0
    result = api.get(job["result_url"])
    assert result.status_code == 200
    enhanced = read_karyogram(b"".join(result.streaming_content))
    original = read_karyogram(karyogram_png)
    assert enhanced.info == original.info
    assert (enhanced.pixels != original.pixels).any()
    png = api.get(job["result_url"] + "?as=png")
    assert Image.open(io.BytesIO(b"".join(png.streaming_content))).format == "PNG"

    # Setting cell 1's strength to 0 restores its chromosomes; other cells keep their enhancement.
    from webapp.cases.services import set_cell_strengths

    job_row = EnhancementJob.objects.get(pk=job["id"])
    set_cell_strengths(job_row, {"1": 0.0})
    again = read_karyogram(b"".join(api.get(job["result_url"]).streaming_content))
    x0, y0, x1, y1 = next(c["box"] for c in job["cells"] if c["label"] == "1")
    assert (again.pixels[y0:y1, x0:x1] == original.pixels[y0:y1, x0:x1]).all()
    assert (again.pixels != original.pixels).any()
    assert [
        c["strength"] for c in api.get(f"/api/jobs/{job['id']}/").json()["cells"] if c["label"] == "1"
    ] == [0.0]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_unreadable_layout_fails_with_a_message_and_retry_makes_a_new_job(api_as, celery_worker):
    api = api_as("technologist")
    blank = io.BytesIO()
    Image.new("L", (600, 400), 255).save(blank, format="PNG")
    created = upload(api, blank.getvalue(), "E2E-2")
    job = wait_for_job(api, created["job"]["id"])
    assert job["state"] == "failed" and "could not be sliced" in job["error"]
    retried = api.post(f"/api/jobs/{job['id']}/retry/")
    assert retried.status_code == 202 and retried.json()["id"] != job["id"]


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_worker_killed_during_enhance_still_ends_in_one_done(api_as, celery_worker, karyogram_png):
    api = api_as("technologist")
    created = upload(api, karyogram_png, "E2E-3")
    job_id = created["job"]["id"]
    deadline = time.monotonic() + 60
    while EnhancementJob.objects.get(pk=job_id).state not in (
        JobState.ENHANCING,
        JobState.ASSEMBLING,
        JobState.DONE,
    ):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    celery_worker.kill()
    state_at_kill = EnhancementJob.objects.get(pk=job_id).state
    celery_worker.start()
    # As the stack does when it starts: re-send what the database says is unfinished (a message
    # may have died with the worker before it was published); duplicates are harmless.
    from webapp.core.sweep import resend_unfinished

    resend_unfinished()
    job = wait_for_job(api, job_id, timeout=120)
    assert job["state"] == "done", (state_at_kill, job)
    assert EnhancementJob.objects.filter(karyogram__case__accession="E2E-3").count() == 1
    assert Case.objects.get(accession="E2E-3").karyograms.count() == 1
