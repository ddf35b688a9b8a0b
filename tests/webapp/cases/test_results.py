"""The result page's per-cell strengths as a JSON call, download names, and failed jobs on the case page."""

import io

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from PIL import Image

from enhancer.io import read_karyogram
from tests.conftest import PASSWORD
from tests.factories import CaseFactory, KaryogramFactory
from webapp.audit.models import AuditEvent
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobCell, JobState, Karyogram, slicing_failed
from workers import tasks

pytestmark = pytest.mark.django_db


def _run(karyogram: Karyogram, user) -> EnhancementJob:
    """`karyogram` enhanced by the pipeline's own steps, run in this process."""
    job = services.start_job(karyogram, user, enqueue=False)
    for step in (tasks.slice_karyogram_task, tasks.enhance_cells_task, tasks.reassemble_task):
        step(job_pk=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    return job


@pytest.fixture
def done_job(make_user, karyogram_png, settings, tmp_path):
    """A karyogram enhanced by the pipeline's own steps, run in this process."""
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", "result-tech")
    return _run(
        KaryogramFactory(case__created_by=user, name="metaphase 7 (copy).png", png=karyogram_png), user
    )


def _preview(job, label: str, kind: str) -> bytes:
    with default_storage.open(services.cell_preview_path(job, label, kind), "rb") as f:
        return f.read()


def test_one_cells_strength_is_set_by_a_json_call_and_its_preview_follows(
    done_job, api_as, django_capture_on_commit_callbacks
):
    api = api_as("technologist")
    before = {"result": done_job.result.name, "enhanced-2": _preview(done_job, "2", "enhanced")}
    assert _preview(done_job, "1", "enhanced") != _preview(done_job, "1", "original")
    with django_capture_on_commit_callbacks(execute=True):
        response = api.post(f"/api/jobs/{done_job.pk}/strengths/", {"strengths": {"1": 0.0}}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert AuditEvent.objects.filter(action="api-job-strengths", target={"pk": str(done_job.pk)}).exists()
    assert {c["label"]: c["strength"] for c in body["cells"]}["1"] == 0.0
    assert {c["strength"] for c in body["cells"] if c["label"] != "1"} == {1.0}
    for cell in body["cells"]:  # what the result uses: as set, at most the guard's cap
        cap = cell["guard"]["strength_cap"] if cell["guard"] else 1.0
        assert cell["applied_strength"] == min(cell["strength"], cap)
    done_job.refresh_from_db()
    assert body["updated"] and done_job.result.name != before["result"]
    assert body["report"]["description"] == done_job.karyogram_report.describe()  # the new result's
    assert not default_storage.exists(before["result"])  # the replaced file is gone
    assert _preview(done_job, "1", "enhanced") == _preview(
        done_job, "1", "original"
    )  # strength 0: the original
    assert _preview(done_job, "2", "enhanced") == before["enhanced-2"]
    with done_job.result.open("rb") as f:
        result = read_karyogram(f.read())
    x0, y0, x1, y1 = done_job.cell_rows.get(label="1").box
    with done_job.karyogram.original.open("rb") as f:
        original = read_karyogram(f.read())
    assert (result.pixels[y0:y1, x0:x1] == original.pixels[y0:y1, x0:x1]).all()


def test_bad_strengths_are_refused_and_change_nothing(done_job, api_as):
    api = api_as("technologist")
    for strengths, says in [
        ({"1": 1.5}, "less than or equal"),
        ({"ZZ": 0.5}, "no cell ZZ"),
        ({}, "empty"),
        ({"1": "strong"}, "valid number"),
    ]:
        response = api.post(f"/api/jobs/{done_job.pk}/strengths/", {"strengths": strengths}, format="json")
        assert response.status_code == 400 and says in str(response.json()), (strengths, response.json())
    assert set(JobCell.objects.filter(job=done_job).values_list("strength", flat=True)) == {1.0}
    assert done_job.result.name == type(done_job).objects.get(pk=done_job.pk).result.name


def test_strengths_of_an_unfinished_job_are_refused(done_job, api_as):
    type(done_job).objects.filter(pk=done_job.pk).update(state=JobState.FAILED)
    response = api_as("technologist").post(
        f"/api/jobs/{done_job.pk}/strengths/", {"strengths": {"1": 0.5}}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"state": ["The job failed; strengths apply to a finished job."]}


@pytest.mark.parametrize(
    ("state", "says"),
    [
        (JobState.FAILED, "The job failed; there is no result."),  # not "The job is failed; … no result yet."
        (JobState.ENHANCING, "The job is enhancing; there is no result yet."),
    ],
)
def test_the_result_of_a_job_without_one_is_refused_saying_where_the_job_stands(
    api_as, make_user, state, says
):
    from tests.factories import EnhancementJobFactory

    job = EnhancementJobFactory(state=state, karyogram__case__created_by=make_user("technologist", "t"))
    response = api_as("technologist").get(f"/api/jobs/{job.pk}/result/")
    assert response.status_code == 400 and response.json() == {"state": [says]}


def _movable_labels(job) -> list[str]:
    """The cells "Apply to all" sets: those holding chromosomes whose slider moves."""
    return [c.label for c in job.cell_rows.all() if c.object_count and c.movable]


def test_the_jobs_strength_follows_apply_to_all_in_the_api_and_on_the_page(done_job, api_as, client):
    """Walk-through: after "Apply to all" at 0.50 every cell and the slider said 0.50 while GET /api/jobs/{id}/
    kept "strength": 1.0."""
    api = api_as("technologist")
    labels = _movable_labels(done_job)
    assert (
        api.post(
            f"/api/jobs/{done_job.pk}/strengths/", {"strengths": dict.fromkeys(labels, 0.5)}, format="json"
        ).json()["strength"]
        == 0.5
    )  # as "Apply to all" sends it
    assert api.get(f"/api/jobs/{done_job.pk}/").json()["strength"] == 0.5
    one = api.post(
        f"/api/jobs/{done_job.pk}/strengths/", {"strengths": {labels[0]: 0.8}}, format="json"
    ).json()
    assert one["strength"] == 0.5  # one cell moved on its own: the strength they last shared
    client.login(username="result-tech", password=PASSWORD)
    client.post(
        f"/jobs/{done_job.pk}/strengths/", {f"strength_{label}": "0.35" for label in labels}
    )  # no script
    done_job.refresh_from_db()
    assert done_job.strength == 0.35
    page = client.get(done_job.get_absolute_url()).content.decode()
    assert 'value="0.35" data-strength-all' in page
    retried = services.retry_job(done_job, done_job.created_by)  # a retry starts from it
    assert retried.strength == 0.35


def test_the_migration_gives_finished_jobs_the_strength_their_cells_share(done_job):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("webapp.cases.migrations.0012_job_strength_follows_apply_to_all")
    labels = _movable_labels(done_job)
    done_job.cell_rows.filter(label__in=labels).update(strength=0.5)  # applied to all before the job followed
    migration.follow_shared_strengths(apps, None)
    assert EnhancementJob.objects.get(pk=done_job.pk).strength == 0.5
    done_job.cell_rows.filter(label=labels[0]).update(strength=0.9)  # cells that differ leave it as it is
    migration.follow_shared_strengths(apps, None)
    assert EnhancementJob.objects.get(pk=done_job.pk).strength == 0.5


def test_the_render_runs_outside_any_transaction(done_job, monkeypatch):
    depth_outside = len(connection.savepoint_ids)  # the test's own transaction
    seen = []
    blend = services.blend

    def watched(*args, **kwargs):
        seen.append(len(connection.savepoint_ids))
        return blend(*args, **kwargs)

    monkeypatch.setattr(services, "blend", watched)
    services.set_cell_strengths(done_job, {"5": 0.5})
    assert seen == [depth_outside]


def test_a_render_overtaken_by_a_newer_change_does_not_replace_the_result(
    done_job, monkeypatch, django_capture_on_commit_callbacks
):
    blend = services.blend

    def overtaken(*args, **kwargs):
        JobCell.objects.filter(job=done_job, label="2").update(
            strength=0.25
        )  # another request commits meanwhile
        return blend(*args, **kwargs)

    monkeypatch.setattr(services, "blend", overtaken)
    kept, kept_report = done_job.result.name, done_job.report
    files_before = set(default_storage.listdir(f"jobs/{done_job.uid}")[1])
    with django_capture_on_commit_callbacks(execute=True):
        services.set_cell_strengths(done_job, {"1": 0.0})
    assert done_job.report == kept_report  # the report stays the one of the result kept
    done_job.refresh_from_db()
    assert done_job.result.name == kept and default_storage.exists(kept)
    assert done_job.report == kept_report
    assert set(default_storage.listdir(f"jobs/{done_job.uid}")[1]) == files_before  # its files were discarded


def test_downloads_are_named_after_the_uploaded_file_and_the_job(done_job, api_as):
    api = api_as("technologist")
    response = api.get(f"/api/jobs/{done_job.pk}/result/")
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="metaphase_7_copy-enhanced-job{done_job.pk}.png"'
    )
    other = services.add_karyogram(
        done_job.karyogram.case,
        SimpleUploadedFile('../ß;"évil\r\nname.png', done_job.karyogram.original.open("rb").read()),
        done_job.created_by,
    )
    job = type(done_job).objects.create(
        karyogram=other,
        state=JobState.DONE,
        created_by=done_job.created_by,
        result=done_job.result.name,
        result_png=done_job.result_png.name,
    )
    disposition = api.get(f"/api/jobs/{job.pk}/result/?as=png")["Content-Disposition"]
    assert disposition == f'attachment; filename="evil_name-enhanced-job{job.pk}.png"'
    assert api.get(f"/api/jobs/{job.pk}/result/?as=PNG").status_code == 200
    refused = api.get(f"/api/jobs/{job.pk}/result/?as=tiff")  # QA: ignored, the original's format came back
    assert refused.status_code == 400 and "?as=png" in refused.json()["as"][0]


def test_a_jpeg_with_no_cell_changed_downloads_as_the_uploaded_file(
    make_user, karyogram_png, settings, tmp_path
):
    """QA: at strength 0 a JPEG came back saved again, up to 7 grey levels off everywhere."""
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", "jpeg-tech")
    buffer = io.BytesIO()
    Image.open(io.BytesIO(karyogram_png)).convert("L").save(buffer, "JPEG", quality=80)
    uploaded = SimpleUploadedFile("export.jpg", buffer.getvalue())
    job = _run(services.add_karyogram(CaseFactory(created_by=user), uploaded, user), user)
    labels = list(job.cell_rows.values_list("label", flat=True))

    def result() -> bytes:
        job.refresh_from_db()
        with job.result.open("rb") as f:
            return f.read()

    assert result() != buffer.getvalue()  # enhanced: saved again
    services.set_cell_strengths(job, dict.fromkeys(labels, 0.0))
    assert result() == buffer.getvalue()
    with job.result_png.open("rb") as f:
        assert np.array_equal(
            np.asarray(Image.open(f)), np.asarray(Image.open(io.BytesIO(buffer.getvalue())))
        )
    services.set_cell_strengths(job, {labels[0]: 1.0})
    assert result() != buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("CASE-7 metaphase.tif", "CASE-7_metaphase"),
        ("…", "karyogram"),
        ("a.b.c.jpg", "a_b_c"),
        ("Ünïcödé Ωmega.png", "Unicode_mega"),
    ],
)
def test_download_names_keep_safe_characters_only(name, expected):
    job = EnhancementJob(pk=12, karyogram=Karyogram(original_name=name, format="TIFF"))
    assert services.download_name(job) == f"{expected}-enhanced-job12.tif"
    assert services.download_name(job, png=True) == f"{expected}-enhanced-job12.png"


def test_the_case_page_shows_a_failed_jobs_reason_and_the_editor(done_job, client):
    failed = services.start_job(done_job.karyogram, done_job.created_by, enqueue=False)
    type(failed).objects.filter(pk=failed.pk).update(
        state=JobState.FAILED,
        error=slicing_failed("Found 3 rows of chromosomes where a karyogram has 4.", True),
    )
    client.login(username="result-tech", password=PASSWORD)
    page = client.get(done_job.karyogram.case.get_absolute_url()).content.decode()
    row = page[page.index(f">job {failed.pk}<") : page.index(f">job {done_job.pk}<")]
    assert (
        "The karyogram could not be sliced: found 3 rows of chromosomes where a karyogram has 4. Correct the slot "
        "boxes and run again." in row
    )
    assert (
        f'href="/jobs/{failed.pk}/#correct-layout"' in row
        and "hidden" not in row.split("#correct-layout")[1][:40]
    )
    assert (
        page.count("#correct-layout") == 2 and "hidden>Correct the slot boxes" in page
    )  # the done job's is hidden


def test_a_job_sliced_before_the_original_and_transforms_were_kept_still_changes_strength(
    done_job, api_as, django_capture_on_commit_callbacks
):
    """Jobs from before the pipeline kept the decoded original and the cell transforms: a strength
    change prepares them again from the stored original, once, and gives the same pixels."""
    api = api_as("technologist")

    def result_after(strength: float) -> np.ndarray:
        with django_capture_on_commit_callbacks(execute=True):
            response = api.post(
                f"/api/jobs/{done_job.pk}/strengths/", {"strengths": {"1": strength}}, format="json"
            )
        assert response.status_code == 200, response.content
        done_job.refresh_from_db()
        with done_job.result.open("rb") as f:
            return read_karyogram(f.read()).pixels

    full, half = result_after(1.0), result_after(0.5)
    assert (full != half).any()
    for name in ("original", "transforms"):
        default_storage.delete(services.arrays_path(done_job, name))
    assert (result_after(0.5) == half).all() and (result_after(1.0) == full).all()
    assert all(default_storage.exists(services.arrays_path(done_job, n)) for n in ("original", "transforms"))
