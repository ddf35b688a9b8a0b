"""The whole karyogram's report (`enhancer.karyogram_report`) on a job: measured on the stored result by the
worker's last step and again at each strength change, kept on the row, given by the API and shown on the page."""

from dataclasses import replace

import pytest
from django.core.files.storage import default_storage
from django.utils.html import escape

from enhancer.io import encode_karyogram, read_karyogram
from enhancer.karyogram_report import KaryogramReport, report_karyogram
from tests.conftest import PASSWORD
from tests.factories import EnhancementJobFactory, KaryogramFactory
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobCell, JobState
from workers import tasks

pytestmark = pytest.mark.django_db

MEASURED = KaryogramReport(
    mask_iou=0.9712,
    length_ratio=1.008,
    grid_ratio=1.02,
    band_contrast_ratio=1.05,  # below the 1.2× target
    homolog_corr_before=0.844,
    homolog_corr_after=0.851,
    homolog_pairs=21,
)
FIGURES = ["mask IoU", "length", "grid texture", "band contrast", "homolog agreement"]


def _stored(job: EnhancementJob) -> KaryogramReport:
    """The report of `job`'s downloadable result against its original, measured here from the stored files."""
    with job.karyogram.original.open("rb") as f:
        original = read_karyogram(f.read())
    with default_storage.open(job.result.name, "rb") as f:  # the file named now, not one opened before
        result = read_karyogram(f.read())
    return report_karyogram(original.grey, result.grey, [tuple(c.box) for c in job.cell_rows.all()])


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_the_report_describes_the_stored_result_and_follows_a_strength_change(
    make_user, karyogram_png, settings, tmp_path, suffix
):
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", "report-tech")
    upload = karyogram_png
    if suffix == ".jpg":  # a JPEG result is measured as its encoding left it, as it downloads
        png = read_karyogram(karyogram_png)
        upload = encode_karyogram(png.pixels, replace(png.info, format="JPEG"))
    karyogram = KaryogramFactory(case__created_by=user, png=upload, name=f"k{suffix}")
    job = services.start_job(karyogram, user, enqueue=False)
    for step in (tasks.slice_karyogram_task, tasks.enhance_cells_task, tasks.reassemble_task):
        step(job_pk=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    enhanced = job.karyogram_report
    assert enhanced == _stored(job) and enhanced.mask_iou < 1  # the model changed the karyogram

    services.set_cell_strengths(job, dict.fromkeys(job.cell_rows.values_list("label", flat=True), 0.0))
    assert job.karyogram_report == EnhancementJob.objects.get(pk=job.pk).karyogram_report == _stored(job)
    original = job.karyogram_report  # at strength 0 the result is the original
    assert (original.mask_iou, original.length_ratio, original.grid_ratio) == (1, 1, 1)
    assert original.homolog_corr_after == original.homolog_corr_before is not None
    assert original.shortfalls() == ["band contrast 1.00× (target ≥ 1.2×)"]  # nothing sharpened


def test_a_job_finished_before_results_were_measured_is_measured_when_first_shown(
    client, api_as, make_user, karyogram_png, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", "tech-for-study")
    job = services.start_job(KaryogramFactory(case__created_by=user, png=karyogram_png), user, enqueue=False)
    for step in (tasks.slice_karyogram_task, tasks.enhance_cells_task, tasks.reassemble_task):
        step(job_pk=job.pk)
    EnhancementJob.objects.filter(pk=job.pk).update(report=None)  # as a job done before migration 0014
    job.refresh_from_db()
    page = _page(client, job)
    assert "data-job-report" in page and escape(_stored(job).shortfalls()[0]) in page
    assert EnhancementJob.objects.get(pk=job.pk).karyogram_report == _stored(job)

    EnhancementJob.objects.filter(pk=job.pk).update(report=None)
    assert (
        api_as("technologist").get(f"/api/jobs/{job.pk}/").json()["report"]["mask_iou"]
        == _stored(job).mask_iou
    )

    stale = EnhancementJob.objects.get(pk=job.pk)  # read before a strength change that then commits
    EnhancementJob.objects.filter(pk=job.pk).update(report=None, result="jobs/elsewhere.png")
    services.measure_unmeasured(stale)
    assert EnhancementJob.objects.get(pk=job.pk).report is None  # not the served result's: not kept


def test_a_result_whose_file_is_gone_is_shown_without_a_report(client, finished_karyograms, caplog):
    job = finished_karyograms(1)[0].jobs.get()
    JobCell.objects.create(job=job, label="1", index=0, box=[0, 0, 60, 90], object_count=1)
    default_storage.delete(job.result.name)
    page = _page(client, job)
    assert "data-job-report" not in page and "Before and after" in page
    assert "its original or result could not be read to measure the result" in caplog.text
    assert EnhancementJob.objects.get(pk=job.pk).report is None


def test_the_report_round_trips_through_the_row():
    job = EnhancementJobFactory(state=JobState.DONE, report=MEASURED.to_json())
    assert EnhancementJob.objects.get(pk=job.pk).karyogram_report == MEASURED
    assert EnhancementJobFactory(state=JobState.ENHANCING).karyogram_report is None


def test_the_api_gives_the_report_of_a_finished_job_and_null_before(api_as):
    api = api_as("technologist")
    running = EnhancementJobFactory(state=JobState.ENHANCING)
    assert api.get(f"/api/jobs/{running.pk}/").json()["report"] is None
    done = EnhancementJobFactory(state=JobState.DONE, report=MEASURED.to_json())
    report = api.get(f"/api/jobs/{done.pk}/").json()["report"]
    assert {name: report[name] for name in MEASURED.to_json()} == MEASURED.to_json()
    assert report["figures"] == [
        {"name": f.name, "value": f.value, "target": f.target, "holds": f.holds, "meaning": f.meaning}
        for f in MEASURED.figures()
    ]
    assert [f["name"] for f in report["figures"]] == FIGURES
    assert report["shortfalls"] == ["band contrast 1.05× (target ≥ 1.2×)"]
    assert report["description"] == MEASURED.describe()


def _page(client, job: EnhancementJob) -> str:
    client.login(username="tech-for-study", password=PASSWORD)
    return client.get(job.get_absolute_url()).content.decode()


def test_the_job_page_shows_each_figure_and_says_which_target_does_not_hold(client, finished_karyograms):
    job = finished_karyograms(1)[0].jobs.get()
    assert "data-job-report" not in _page(client, job)  # no report, and no cells to measure one from
    EnhancementJob.objects.filter(pk=job.pk).update(report=MEASURED.to_json())
    page = _page(client, job)
    card = page.split("data-job-report")[1].split("</section>")[0]
    assert "The whole karyogram against the original" in card
    rows = {name: card.split(f'data-report-figure="{name}"')[1].split("</tr>")[0] for name in FIGURES}
    for figure in MEASURED.figures():
        row = rows[figure.name]
        assert escape(figure.value) in row and escape(figure.target) in row and escape(figure.meaning) in row
    assert 'data-report-holds="true">✓ yes<' in rows["mask IoU"]
    assert 'data-report-holds="false">✗ no<' in rows["band contrast"]
    assert escape("Below target: band contrast 1.05× (target ≥ 1.2×).") in card
    assert "without a ground truth, on the result as downloaded" in card
    assert "The fidelity guard judged each cell on its own" in card


def test_a_report_whose_measured_targets_all_hold_says_so(client, finished_karyograms):
    job = finished_karyograms(1)[0].jobs.get()
    unpaired = replace(MEASURED, band_contrast_ratio=1.3, homolog_corr_before=None, homolog_corr_after=None)
    EnhancementJob.objects.filter(pk=job.pk).update(report=unpaired.to_json())
    card = _page(client, job).split("data-job-report")[1].split("</section>")[0]
    assert "Every target measured holds." in card and "Below target" not in card
    homologs = card.split('data-report-figure="homolog agreement"')[1].split("</tr>")[0]
    assert 'data-report-holds="null">— not measured<' in homologs
    assert "no homolog pair could be compared" in homologs
