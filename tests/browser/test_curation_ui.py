"""The curation loop through the real Redis and Celery worker, watched in Chromium.

A curator snapshots a dataset of synthetic karyograms, trains a tiny model for a few iterations
(live progress, loss curves, samples), sees it evaluated, activates it (or an admin overrides its failed
bars); the next enhancement job uses it and records that version. Also: the registry's gate and the way back
to the shipped model, a run page that drops Cancel when the run ends, no 404 (favicon) on the way, and a
models page that follows evaluations (queued, waiting, running, done or failed) without a reload, on a phone.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from enhancer.training.config import preset
from tests.factories import KaryogramFactory, ModelVersionFactory, trained_model_versions
from tests.support.services import free_port
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobState
from webapp.core import queue
from webapp.curation.gate import failed_bars
from webapp.curation.models import Dataset, ModelEvaluation, ModelVersion, RunState, TrainingRun


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

    # Empty fields keep the preset's values, which they show as placeholders for the preset chosen.
    assert page.get_attribute("#id_n_epochs", "placeholder") == str(preset("cpu-small").n_epochs)
    page.select_option("#id_preset", "tiny")
    assert page.get_attribute("#id_n_epochs", "placeholder") == str(preset("tiny").n_epochs)
    assert page.get_attribute("#id_epoch_size", "placeholder") == str(preset("tiny").epoch_size)
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


@pytest.fixture
def running_run(make_user):
    """A tiny training run of curator "cleo", at iteration 3 of 10."""

    def make() -> TrainingRun:
        curator = make_user("curator", "cleo")
        dataset = Dataset.objects.create(name="d", manifest=[], state="ready", created_by=curator)
        return TrainingRun.objects.create(
            dataset=dataset,
            preset="tiny",
            created_by=curator,
            state=RunState.TRAINING,
            iterations=10,
            iteration=3,
        )

    return make


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_run_page_drops_cancel_when_the_run_ends(page, live_server, log_in, running_run):
    run = running_run()
    missing = _not_found(page)
    log_in("cleo")
    page.goto(f"{live_server.url}/curation/training/{run.pk}/")
    assert page.get_by_role("button", name="Cancel training").is_visible()
    assert (
        "columns: poor input · enhanced · cycled back to poor" in page.locator("#sample-caption").inner_text()
    )
    TrainingRun.objects.filter(pk=run.pk).update(state=RunState.DONE, progress=100, iteration=10)
    page.wait_for_function("() => document.querySelector('[data-run-state]').textContent === 'Done'")
    assert page.get_by_role("button", name="Cancel training").count() == 0
    assert missing == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_cancelling_a_run_asks_first(page, live_server, log_in, running_run):
    """Before, one tap on "Cancel" ended the run for good, with no question asked."""
    run = running_run()
    log_in("cleo")
    page.goto(f"{live_server.url}/curation/training/{run.pk}/")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Cancel training").click()
    page.wait_for_timeout(500)
    assert asked and "stops for good" in asked[0]
    assert not TrainingRun.objects.get(pk=run.pk).cancel_requested  # kept: the curator said no
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel training").click()
    page.wait_for_selector("text=Cancelling")
    assert TrainingRun.objects.get(pk=run.pk).cancel_requested


NO_OVERFLOW = """(width) => document.documentElement.scrollWidth <= width
  && [...document.querySelectorAll('td.bars > *, td.bars li')].every((el) => el.scrollWidth <= el.clientWidth + 1)"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_models_page_follows_evaluations_without_a_reload_at_phone_width(
    page, live_server, log_in, make_user, monkeypatch, settings
):
    monkeypatch.setattr(queue, "send", lambda name, **kwargs: None)  # no worker: the test moves the rows
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"  # so the waiting notice says why
    cache.clear()
    make_user("curator", "cleo")
    versions = {name: ModelVersionFactory(name=name) for name in ("fresh-upload", "broken-upload")}
    width = 375
    page.set_viewport_size({"width": width, "height": 812})
    log_in("cleo")
    page.goto(live_server.url + "/curation/models/")
    for name in versions:
        page.locator(f"tr[data-model='{name}']").get_by_role("button", name="Evaluate").click()
        page.wait_for_selector(f"tr[data-model='{name}'] [data-job-state]:text-is('Queued')")
    page.evaluate("window.sameDocument = true")  # gone if anything reloads the page
    rows = {name: page.locator(f"tr[data-model='{name}']") for name in versions}
    evaluations = {name: ModelEvaluation.objects.get(version=v) for name, v in versions.items()}

    ModelEvaluation.objects.update(updated=timezone.now() - timedelta(seconds=60))  # unmoved for a minute
    for row in rows.values():
        row.locator("[data-job-waiting]").wait_for(state="visible")
        assert "The task queue (Redis) cannot be reached" in row.locator("[data-job-waiting]").inner_text()
    assert page.evaluate(NO_OVERFLOW, width)

    fresh, broken = evaluations["fresh-upload"], evaluations["broken-upload"]
    ModelEvaluation.objects.filter(pk=fresh.pk).update(
        state="evaluating", progress=10, updated=timezone.now()
    )
    page.wait_for_selector("tr[data-model='fresh-upload'] [data-job-state]:text-is('Evaluating')")
    assert rows["fresh-upload"].locator("[data-job-waiting]").is_hidden()
    assert (
        page.evaluate("document.querySelector(\"[data-job-progress='model-%d']\").value" % fresh.version_id)
        == 10
    )

    poor = {"ssim_fg": 0.41, "band_corr": 0.67, "length_ratio": 0.97}
    ModelVersion.objects.filter(name="fresh-upload").update(
        evaluation={"synthetic_pairs": {"methods": {"identity": poor, "cyclegan": {**poor, "ssim_fg": 0.62}}}}
    )
    ModelEvaluation.objects.filter(pk=fresh.pk).update(state="done", progress=100)
    ModelEvaluation.objects.filter(pk=broken.pk).update(
        state="failed", error="The evaluation could not run: size mismatch for model.1.weight"
    )
    rows["fresh-upload"].get_by_role("button", name="Activate").wait_for()
    assert "0.620" in rows["fresh-upload"].inner_text() and "passes" in rows["fresh-upload"].inner_text()
    failed = rows["broken-upload"].locator(".evaluation[data-state='failed']")
    failed.wait_for()
    assert "The evaluation failed: The evaluation could not run: size mismatch" in failed.inner_text()
    assert rows["broken-upload"].get_by_role("button", name="Evaluate").is_visible()
    assert page.locator("[data-poll='1']").count() == 0
    assert page.evaluate("window.sameDocument") is True
    assert page.evaluate(NO_OVERFLOW, width)
    cache.clear()
