"""A model's evaluation is followed live on the models page (progress.js polls its status), and an
evaluation that cannot run fails at once with the reason, for an upload and for a training run's last step
(QA: a training run whose evaluation raised stayed "Evaluating 99 %" and was retried unseen)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import ModelVersionFactory, TrainingRunFactory
from tests.support.services import free_port
from tests.webapp.curation.test_upload_evaluation import _row
from webapp.core import queue
from webapp.curation import evaluation as evaluation_module
from webapp.curation.models import EvaluationState, ModelEvaluation, RunState, TrainingRun
from workers.training import evaluate_model_task, evaluate_version_task

FIGURES = {"ssim_fg": 0.62, "band_corr": 0.8, "length_ratio": 0.99}
POOR = {"ssim_fg": 0.41, "band_corr": 0.67, "length_ratio": 0.97}


@pytest.fixture
def sent(monkeypatch):
    """The tasks sent to the broker: (name, kwargs)."""
    sent = []
    monkeypatch.setattr(queue, "send", lambda name, **kwargs: sent.append((name, kwargs)))
    return sent


@pytest.fixture
def evaluate_as(monkeypatch):
    """Make the worker's evaluation return figures, or raise what weights that cannot run raise; halfway it
    reports half done, and `set_outcome.halfway` keeps the progress the rows then showed."""

    def set_outcome(outcome):
        def evaluate(version, progress):
            progress(0.5)
            set_outcome.halfway.append(list(ModelEvaluation.objects.values_list("progress", flat=True)))
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        monkeypatch.setattr(evaluation_module, "evaluate_version", evaluate)

    set_outcome.halfway = []
    return set_outcome


def _status(client, version) -> dict:
    response = client.get(f"/curation/models/{version.pk}/evaluation/")
    assert response.status_code == 200
    return response.json()


@pytest.mark.django_db(transaction=True)
def test_the_status_follows_an_evaluation_from_queued_to_done(curator, sent, evaluate_as):
    version = ModelVersionFactory(name="uploaded-one")
    assert curator.get(f"/curation/models/{version.pk}/evaluation/").status_code == 404  # never sent
    curator.post(f"/curation/models/{version.pk}/evaluate/")
    evaluation = ModelEvaluation.objects.get(version=version)
    assert sent == [(queue.EVALUATE_VERSION, {"evaluation_pk": evaluation.pk})]
    status = _status(curator, version)
    assert status == {
        "state": "queued",
        "stage": "Queued",
        "progress": 0,
        "active": True,
        "error": "",
        "waiting_for_worker": "",  # just queued: a worker may be about to take it
        "by_training_run": False,
    }
    row = _row(curator.get("/curation/models/").content.decode(), "uploaded-one")
    assert f'data-job-url="/curation/models/{version.pk}/evaluation/"' in row and 'data-poll="1"' in row
    assert f'data-job-refresh="model-row-{version.pk}"' in row and "updates by itself" in row
    assert "reload" not in row

    ModelEvaluation.objects.filter(pk=evaluation.pk).update(state=EvaluationState.EVALUATING, progress=10)
    assert _status(curator, version)["stage"] == "Evaluating"

    evaluate_as({"synthetic_pairs": {"methods": {"identity": POOR, "cyclegan": FIGURES}}})
    evaluate_version_task(evaluation_pk=evaluation.pk)
    assert evaluate_as.halfway == [[54]]  # walk-through: the bar stood at its start for the whole run
    status = _status(curator, version)
    assert (status["state"], status["progress"], status["error"]) == ("done", 100, "")
    assert status["active"] is False  # progress.js stops polling
    row = _row(curator.get("/curation/models/").content.decode(), "uploaded-one")
    assert "0.620" in row and "data-poll" not in row and ">Activate</button>" in row


@pytest.mark.django_db(transaction=True)
def test_a_failed_evaluation_reports_its_reason(curator, sent, evaluate_as):
    version = ModelVersionFactory(name="uploaded-two")
    curator.post(f"/curation/models/{version.pk}/evaluate/")
    evaluate_as(RuntimeError("size mismatch for model.1.weight"))
    evaluate_version_task(evaluation_pk=ModelEvaluation.objects.get().pk)
    status = _status(curator, version)
    assert status["state"] == "failed" and status["stage"] == "Failed"
    assert status["error"] == "The evaluation could not run: size mismatch for model.1.weight"
    row = _row(curator.get("/curation/models/").content.decode(), "uploaded-two")
    assert "The evaluation failed: The evaluation could not run: size mismatch" in row
    assert f'action="/curation/models/{version.pk}/evaluate/"' in row and "data-poll" not in row


@pytest.mark.django_db
def test_an_evaluation_or_run_no_worker_takes_says_so(curator, settings):
    cache.clear()  # the broker is asked afresh, not read from another test's cached answer
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    version = ModelVersionFactory(name="uploaded-three")
    ModelEvaluation.objects.create(version=version, created_by=curator.user)
    ModelEvaluation.objects.update(updated=timezone.now() - timedelta(seconds=60))
    waiting = _status(curator, version)["waiting_for_worker"]
    assert waiting.startswith("The task queue (Redis) cannot be reached")
    assert waiting in _row(curator.get("/curation/models/").content.decode(), "uploaded-three")
    run = TrainingRunFactory(dataset__created_by=curator.user, state=RunState.EVALUATING)
    TrainingRun.objects.update(updated=timezone.now() - timedelta(seconds=60))
    assert curator.get(f"/curation/training/{run.pk}/status/").json()["waiting_for_worker"] == waiting
    assert waiting in curator.get(f"/curation/training/{run.pk}/").content.decode()  # on the run page too
    cache.clear()


@pytest.mark.django_db(transaction=True)
def test_a_training_runs_evaluation_that_cannot_run_fails_the_run_with_what_to_do(curator, sent, evaluate_as):
    version = ModelVersionFactory(name="trained-two", source="trained")
    run = TrainingRunFactory(dataset__created_by=curator.user, state=RunState.EVALUATING, model=version)
    status = _status(curator, version)
    assert (status["state"], status["by_training_run"]) == ("evaluating", True)
    row = _row(curator.get("/curation/models/").content.decode(), "trained-two")
    assert "its training run evaluates it" in row and 'data-poll="1"' in row

    evaluate_as(ValueError("the card names an unknown generator"))
    evaluate_model_task(run_pk=run.pk)  # raised before, and the sweep sent it again hours later
    run.refresh_from_db()
    assert run.state == RunState.FAILED and run.finished is not None
    assert run.error.startswith(
        "Training finished and registered the model trained-two, but its evaluation could not run: "
        "the card names an unknown generator. It cannot be activated until it is evaluated: press “Evaluate”"
    )
    training = curator.get(f"/curation/training/{run.pk}/status/").json()
    assert (training["state"], training["error"], training["active"]) == ("failed", run.error, False)
    assert run.error in curator.get(f"/curation/training/{run.pk}/").content.decode()
    assert _status(curator, version)["error"] == run.error
    row = _row(curator.get("/curation/models/").content.decode(), "trained-two")
    assert "The evaluation failed: Training finished" in row
    assert f'action="/curation/models/{version.pk}/evaluate/"' in row

    curator.post(f"/curation/models/{version.pk}/evaluate/")  # what the message tells the curator to do
    evaluation = ModelEvaluation.objects.get(version=version)
    assert sent[-1] == (queue.EVALUATE_VERSION, {"evaluation_pk": evaluation.pk})
    status = _status(curator, version)
    assert (status["state"], status["by_training_run"]) == ("queued", False)  # the newest evaluation counts
    assert TrainingRun.objects.get().state == RunState.FAILED


@pytest.mark.django_db
def test_refreshing_a_row_leaves_the_pages_notices_for_the_next_page(curator, sent):
    version = ModelVersionFactory(name="noticed")
    curator.post(f"/curation/models/{version.pk}/evaluate/")  # leaves a one-time notice
    refresh = curator.get("/curation/models/", HTTP_X_ROW_REFRESH="1").content.decode()
    assert 'class="messages"' not in refresh  # what progress.js fetches to swap a finished row in
    assert 'class="messages"' in curator.get("/curation/models/").content.decode()
