"""The curation loop through the real Redis and Celery worker, watched in Chromium.

A curator snapshots a dataset of synthetic karyograms, trains a tiny model for a few iterations
(live progress, loss curves, samples), sees it evaluated, activates it; the next enhancement job
uses it and records that version.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from webapp.cases import services
from webapp.cases.models import Case, EnhancementJob, JobState
from webapp.curation.models import ModelVersion, RunState, TrainingRun


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_curator_trains_evaluates_and_activates_a_model(page, live_server, log_in, make_user, celery_worker,
                                                         labelled_karyograms, karyogram_png):
    make_user("curator", "cleo")
    labelled_karyograms(2, 2)
    log_in("cleo")
    page.get_by_role("link", name="Curation").click()
    assert page.locator(".thumb").count() == 4
    page.get_by_role("link", name="Datasets").first.click()
    page.get_by_role("link", name="New dataset").click()
    page.fill("#id_name", "tiny-set")
    page.fill("#id_test_fraction", "0")
    page.get_by_role("button", name="Save dataset").click()
    page.wait_for_selector("text=Dataset tiny-set")
    # The worker counts the cells; the page refreshes until it has: 12 labels × 2 karyograms per domain.
    page.wait_for_selector("#counts td:text-is('24')", timeout=60_000)

    page.select_option("#id_preset", "tiny")
    page.fill("#id_epoch_size", "8")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_selector("text=Training run")
    page.wait_for_function("() => document.querySelectorAll('#loss-plot polyline').length >= 4", timeout=120_000)
    page.wait_for_selector("#training-sample:not([hidden])", timeout=120_000)
    page.wait_for_function("() => document.querySelector('[data-run-state]').textContent === 'Done'", timeout=300_000)
    run = TrainingRun.objects.get()
    assert run.state == RunState.DONE and run.iteration == run.iterations == 8 and len(run.losses) >= 2
    version = run.model
    cyclegan = version.evaluation["synthetic_pairs"]["methods"]["cyclegan"]
    assert 0 <= cyclegan["ssim_fg"] <= 1 and "identity" in version.evaluation["synthetic_pairs"]["methods"]
    assert version.dataset.name == "tiny-set" and version.training_params["preset"] == "tiny"

    page.goto(live_server.url + "/curation/models/")
    page.get_by_role("button", name="Activate").click()
    page.wait_for_selector("text=is now the active model")
    assert ModelVersion.objects.get(is_active=True) == version

    technologist = make_user("technologist", "tess")
    case = Case.objects.create(accession="AFTER-TRAINING", created_by=technologist)
    karyogram = services.add_karyogram(case, SimpleUploadedFile("k.png", karyogram_png), technologist)
    job = services.start_job(karyogram, technologist)
    for _ in range(600):
        job.refresh_from_db()
        if job.state in (JobState.DONE, JobState.FAILED):
            break
        page.wait_for_timeout(200)
    assert job.state == JobState.DONE, job.error
    assert job.model_version == version.version_label
    assert EnhancementJob.objects.get(pk=job.pk).model_version.startswith("tiny-set-run")
