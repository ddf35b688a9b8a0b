"""The curation loop through the real Redis and Celery worker, watched in Chromium.

A curator snapshots a dataset of synthetic karyograms, trains a tiny model for a few iterations
(live progress, loss curves, samples), sees it evaluated, activates it (or an admin overrides its failed
bars); the next enhancement job uses it and records that version. Also: the registry's gate and the way back
to the shipped model, a run page that drops Cancel when the run ends, and no 404 (favicon) on the way.
"""

import pytest

from tests.factories import KaryogramFactory, trained_model_versions
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobState
from webapp.curation.gate import failed_bars
from webapp.curation.models import Dataset, ModelVersion, RunState, TrainingRun


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_curator_trains_evaluates_and_activates_a_model(
    page, live_server, log_in, make_user, celery_worker, labelled_karyograms, karyogram_png
):
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
    page.wait_for_function(
        "() => document.querySelectorAll('#loss-plot polyline').length >= 4", timeout=120_000
    )
    page.wait_for_selector("#training-sample:not([hidden])", timeout=120_000)
    desk = page.viewport_size
    page.set_viewport_size({"width": 390, "height": 844})  # QA: the 768-px sample grid made the page 776 wide
    assert page.evaluate("document.documentElement.scrollWidth") <= 391
    page.set_viewport_size(desk)
    page.wait_for_function(
        "() => document.querySelector('[data-run-state]').textContent === 'Done'", timeout=300_000
    )
    run = TrainingRun.objects.get()
    assert run.state == RunState.DONE and run.iteration == run.iterations == 8 and len(run.losses) >= 2
    version = run.model
    cyclegan = version.evaluation["synthetic_pairs"]["methods"]["cyclegan"]
    assert 0 <= cyclegan["ssim_fg"] <= 1 and "identity" in version.evaluation["synthetic_pairs"]["methods"]
    assert version.dataset.name == "tiny-set" and version.training_params["preset"] == "tiny"

    # Activation is gated by the evaluation: a model of 8 iterations usually fails its bars, and then only an
    # admin may activate it, with a reason.
    page.goto(live_server.url + "/curation/models/")
    row = page.locator(f"tr[data-model='{version.name}']")
    failures = failed_bars(version.evaluation)
    if failures:
        assert row.get_by_role("button", name="Activate").count() == 0
        assert failures[0] in row.locator("td.bars").inner_text()
        make_user("admin", "ada")
        page.get_by_role("button", name="Log out").click()
        log_in("ada")
        page.goto(live_server.url + "/curation/models/")
        row.get_by_label("Reason for activating it anyway").fill("Browser test: any model will do here.")
        row.get_by_role("button", name="Activate anyway").click()
    else:
        row.get_by_role("button", name="Activate").click()
    page.wait_for_selector("text=is now the active model")
    assert ModelVersion.objects.get(is_active=True) == version

    technologist = make_user("technologist", "tess")
    karyogram = KaryogramFactory(
        case__accession="AFTER-TRAINING", case__created_by=technologist, png=karyogram_png
    )
    job = services.start_job(karyogram, technologist)
    for _ in range(600):
        job.refresh_from_db()
        if job.state in (JobState.DONE, JobState.FAILED):
            break
        page.wait_for_timeout(200)
    assert job.state == JobState.DONE, job.error
    assert job.model_version == version.version_label
    assert EnhancementJob.objects.get(pk=job.pk).model_version.startswith("tiny-set-run")


def _not_found(page) -> list[str]:
    """URLs the page asked for that answered 404 (the favicon was one on every page)."""
    missing = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    return missing


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_registry_gate_and_the_way_back_to_the_shipped_model(page, live_server, log_in, make_user):
    make_user("curator", "cleo")
    trained_model_versions({"broken": 0.07, "good": 0.45})
    missing = _not_found(page)
    log_in("cleo")
    page.get_by_role("link", name="Models").click()
    shipped = page.locator("tr[data-model^='shipped-gpu-restore-']")
    assert "(active)" in shipped.inner_text()
    broken = page.locator("tr[data-model='broken']")
    assert "foreground SSIM 0.070 is below the poor input's 0.410" in broken.inner_text()
    assert broken.get_by_role("button").count() == 0
    page.locator("tr[data-model='good']").get_by_role("button", name="Activate").click()
    page.wait_for_selector("text=good is now the active model")
    assert "(active)" in page.locator("tr[data-model='good']").inner_text()
    page.locator("tr[data-model='good']").get_by_role("button", name="Deactivate").click()
    page.wait_for_selector("text=is now the active model")
    assert "(active)" in page.locator("tr[data-model^='shipped-gpu-restore-']").inner_text()
    assert not ModelVersion.objects.filter(is_active=True).exists()
    assert page.evaluate("fetch('/favicon.ico').then(r => r.status)") == 200
    assert missing == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_run_page_drops_cancel_when_the_run_ends(page, live_server, log_in, make_user):
    curator = make_user("curator", "cleo")
    dataset = Dataset.objects.create(name="d", manifest=[], state="ready", created_by=curator)
    run = TrainingRun.objects.create(
        dataset=dataset,
        preset="tiny",
        created_by=curator,
        state=RunState.TRAINING,
        iterations=10,
        iteration=3,
    )
    missing = _not_found(page)
    log_in("cleo")
    page.goto(f"{live_server.url}/curation/training/{run.pk}/")
    assert page.get_by_role("button", name="Cancel").is_visible()
    assert (
        "columns: poor input · enhanced · cycled back to poor" in page.locator("#sample-caption").inner_text()
    )
    TrainingRun.objects.filter(pk=run.pk).update(state=RunState.DONE, progress=100, iteration=10)
    page.wait_for_function("() => document.querySelector('[data-run-state]').textContent === 'Done'")
    assert page.get_by_role("button", name="Cancel").count() == 0
    assert missing == []
