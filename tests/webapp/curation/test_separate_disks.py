"""The web process needs neither the worker's disk nor a model in memory: the live training sample and the
model comparison work with the web app and the Celery worker on different TRAINING_DIRs (sharing only the
database, Redis and media storage, as on separate machines)."""

import io
import re
import time

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from tests.conftest import PASSWORD
from webapp.curation import active_model, comparison
from webapp.curation.models import ModelComparison, RunState, TrainingRun

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


def _png(client: Client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png", url
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.3)
    return found


def test_training_sample_and_comparison_come_from_storage_not_the_workers_disk(
    celery_worker, make_user, counted_dataset
):
    worker_dir = celery_worker.extra_env["TRAINING_DIR"]
    assert str(settings.TRAINING_DIR) != worker_dir
    curator = make_user("curator", "two-machines")
    dataset = counted_dataset("two-machines", curator)
    client = Client()
    client.login(username="two-machines", password=PASSWORD)
    client.post(f"/curation/datasets/{dataset.pk}/train/", {"preset": "tiny"})
    run = TrainingRun.objects.get()
    assert client.get(f"/curation/training/{run.pk}/sample.png").status_code in (404, 200)

    run = _until(
        lambda: (r := TrainingRun.objects.get(pk=run.pk)).model_id and r,
        180,
        "the run registered no model",
    )
    assert run.state in (RunState.EVALUATING, RunState.DONE), run.error
    sample = _png(client, f"/curation/training/{run.pk}/sample.png")
    assert sample.width > 0 and sample.height > sample.width / 4  # one row per sample cell, three columns
    assert not (settings.TRAINING_DIR / str(run.uid)).exists()  # the web's disk never saw the run

    comparison.sample_karyogram.cache_clear()
    active_model.enhancer_for.cache_clear()
    asked = client.post("/curation/models/compare/", {"a": run.model.pk, "b": run.model.pk})
    made = ModelComparison.objects.get()
    assert asked["Location"] == f"/curation/models/compare/{made.pk}/"
    _until(
        lambda: ModelComparison.objects.get(pk=made.pk).state in ("done", "failed"),
        180,
        "the comparison did not finish",
    )
    made.refresh_from_db()
    assert made.state == "done", made.error
    page = client.get(asked["Location"]).content.decode()
    cells = re.findall(r'<img src="(/curation/models/compare/\d+/[^"]+\.png)"', page)
    assert len(cells) == 3 * len(comparison.SAMPLE_LABELS)
    assert all(_png(client, url).size == (256, 256) for url in cells)
    # This process ran no model and made no sample cells: the worker did.
    assert comparison.sample_karyogram.cache_info().currsize == 0
    assert active_model.enhancer_for.cache_info().currsize == 0
