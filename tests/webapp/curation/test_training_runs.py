"""Training runs through the real Redis and Celery worker: live progress, and cancelling mid-run."""

import time

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from webapp.curation.models import ModelVersion, RunState, TrainingRun

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def test_a_curator_cancels_a_running_training(celery_worker, make_user, counted_dataset):
    curator = make_user("curator", "canceller")
    dataset = counted_dataset("cancel-me", curator)
    client = Client()
    client.login(username="canceller", password=PASSWORD)
    response = client.post(
        f"/curation/datasets/{dataset.pk}/train/", {"preset": "tiny", "n_epochs": 50, "epoch_size": 64}
    )
    run = TrainingRun.objects.get()
    assert response["Location"] == f"/curation/training/{run.pk}/"
    assert (
        run.params["n_epochs"] == 50
        and run.params["epoch_size"] == 64
        and run.params["excluded_labels"] == []
    )
    assert run.params["ngf"] == 4 and run.params["preset"] == "tiny"  # empty fields keep the preset's values
    deadline = time.monotonic() + 120
    while (status := client.get(f"/curation/training/{run.pk}/status/").json())["iteration"] < 5:
        assert time.monotonic() < deadline and status["state"] in ("queued", "training"), status
        time.sleep(0.2)
    assert status["losses"] and set(status["losses"][-1][1]) >= {"G_A", "D_A", "cycle_A"}
    assert status["progress"] <= TrainingRun.PROGRESS_AT[RunState.EVALUATING]  # the rest is the evaluation's
    client.post(f"/curation/training/{run.pk}/cancel/")
    deadline = time.monotonic() + 60
    while (run := TrainingRun.objects.get(pk=run.pk)).state == RunState.TRAINING:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert run.state == RunState.CANCELLED and run.iteration < run.iterations
    # the run registered no model (the shipped one is registered when a page first offers models)
    assert not ModelVersion.objects.exclude(source=ModelVersion.Source.SHIPPED).exists()
