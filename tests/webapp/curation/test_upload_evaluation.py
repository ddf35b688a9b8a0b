"""An uploaded model is evaluated like a trained one (a worker, queue gpu, sent after the upload commits),
so the activation gate can pass it; weights registered already are pointed out, an exact copy refused."""

import json
import time

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from enhancer.model.checkpoint import CARD, WEIGHTS
from tests.webapp.curation.test_curation import _model_files
from webapp.core import queue
from webapp.curation import registry
from webapp.curation.models import EvaluationState, ModelEvaluation, ModelVersion
from workers.training import evaluate_version_task


def _upload(client, name: str, weights: bytes, card: bytes, **extra):
    return client.post(
        "/curation/models/upload/",
        {
            "name": name,
            "weights": SimpleUploadedFile("generator.safetensors", weights),
            "card": SimpleUploadedFile("model_card.json", card),
        },
        **extra,
    )


def _row(html: str, name: str) -> str:
    start = html.index(f'<tr data-model="{name}" ')
    return html[start : html.index("</tr>", start)]


@pytest.fixture
def sent(monkeypatch):
    """The tasks sent to the broker: (name, kwargs)."""
    sent = []
    monkeypatch.setattr(queue, "send", lambda name, **kwargs: sent.append((name, kwargs)))
    return sent


@pytest.mark.django_db
def test_an_upload_is_sent_for_evaluation_once_it_commits_and_then_gated(
    curator, tmp_path, sent, django_capture_on_commit_callbacks
):
    weights, card = _model_files(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(curator, "uploaded-eval", weights, card, follow=True)
    version = ModelVersion.objects.get(name="uploaded-eval")
    evaluation = ModelEvaluation.objects.get(version=version)
    assert sent == [(queue.EVALUATE_VERSION, {"evaluation_pk": evaluation.pk})]
    assert queue.QUEUE_OF[queue.EVALUATE_VERSION] == "gpu"
    assert "a worker is evaluating it" in " ".join(str(m) for m in response.context["messages"])
    row = _row(response.content.decode(), "uploaded-eval")
    assert 'data-state="queued"' in row and "a worker evaluates it" in row
    assert "Can be activated once its evaluation passes the bars" in row

    evaluate_version_task(evaluation_pk=evaluation.pk)  # what the gpu worker runs

    evaluation.refresh_from_db()
    version.refresh_from_db()
    assert evaluation.state == EvaluationState.DONE and evaluation.progress == 100
    methods = version.evaluation["synthetic_pairs"]["methods"]
    assert {"identity", "cyclegan"} <= set(methods) and "ssim_fg" in methods["cyclegan"]
    failures = registry.activation_failures(version)
    assert "the model has no evaluation yet" not in failures  # the gate judges the real figures now
    row = _row(curator.get("/curation/models/").content.decode(), "uploaded-eval")
    assert "no evaluation yet" not in row and "a worker evaluates it" not in row
    assert f"{methods['cyclegan']['ssim_fg']:.3f}" in row
    assert ("Activate</button>" in row) is (not failures)
    evaluate_version_task(evaluation_pk=evaluation.pk)  # a redelivered message does nothing
    assert ModelEvaluation.objects.get().state == EvaluationState.DONE


@pytest.mark.django_db
def test_a_failed_evaluation_is_shown_and_can_be_sent_again(curator, tmp_path, sent, monkeypatch):
    from webapp.curation import evaluation as evaluation_module

    weights, card = _model_files(tmp_path)
    _upload(curator, "uploaded-fails", weights, card)
    version = ModelVersion.objects.get(name="uploaded-fails")
    first = ModelEvaluation.objects.get(version=version)

    def broken(version, progress):
        raise RuntimeError("shape mismatch in the decoder")

    monkeypatch.setattr(evaluation_module, "evaluate_version", broken)
    evaluate_version_task(evaluation_pk=first.pk)
    first.refresh_from_db()
    assert first.state == EvaluationState.FAILED and "shape mismatch" in first.error
    row = _row(curator.get("/curation/models/").content.decode(), "uploaded-fails")
    assert "The evaluation failed: The evaluation could not run: shape mismatch in the decoder" in row
    assert f'action="/curation/models/{version.pk}/evaluate/"' in row
    response = curator.post(f"/curation/models/{version.pk}/evaluate/", follow=True)
    assert "uploaded-fails is being evaluated" in " ".join(str(m) for m in response.context["messages"])
    again = ModelEvaluation.objects.filter(version=version).exclude(pk=first.pk).get()
    assert again.state == EvaluationState.QUEUED
    curator.post(f"/curation/models/{version.pk}/evaluate/")  # one under way: not sent twice
    assert ModelEvaluation.objects.filter(version=version).count() == 2


@pytest.mark.django_db
def test_the_same_weights_and_card_are_refused_and_the_same_weights_pointed_out(curator, tmp_path, sent):
    weights, card = _model_files(tmp_path)
    assert _upload(curator, "original", weights, card).status_code == 302
    copy = _upload(curator, "copy", weights, card)
    assert copy.status_code == 400
    assert (
        "These weights and this model card are those of original, registered already" in copy.content.decode()
    )
    shipped = registry.shipped_version()
    directory = settings.ENHANCER_MODEL_DIR
    shipped_copy = _upload(
        curator, "shipped-copy", (directory / WEIGHTS).read_bytes(), (directory / CARD).read_bytes()
    )
    assert shipped_copy.status_code == 400 and f"are those of {shipped.name}" in shipped_copy.content.decode()
    assert set(ModelVersion.objects.values_list("name", flat=True)) == {"original", shipped.name}

    other_card = json.dumps(json.loads(card) | {"keep_background": True}).encode()
    response = _upload(curator, "background-kept", weights, other_card, follow=True)
    assert "It has the same weights as original (another model card)" in " ".join(
        str(m) for m in response.context["messages"]
    )
    html = response.content.decode()
    assert "same weights as background-kept" in _row(html, "original")
    assert "same weights as original" in _row(html, "background-kept")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_worker_evaluates_an_upload_and_the_models_page_shows_it(celery_worker, curator, tmp_path):
    weights, card = _model_files(tmp_path)
    assert _upload(curator, "worker-evaluated", weights, card).status_code == 302
    deadline = time.monotonic() + 240
    while (evaluation := ModelEvaluation.objects.get()).is_active:
        assert time.monotonic() < deadline, evaluation.state
        time.sleep(0.5)
    assert evaluation.state == EvaluationState.DONE, evaluation.error
    row = _row(curator.get("/curation/models/").content.decode(), "worker-evaluated")
    assert (
        "no evaluation yet" not in row
        and "synthetic_pairs" in ModelVersion.objects.get(name="worker-evaluated").evaluation
    )


@pytest.mark.django_db
def test_the_sweep_sends_an_evaluation_whose_message_was_lost_again(curator, tmp_path, sent, settings):
    from datetime import timedelta

    from django.utils import timezone

    from webapp.core import sweep

    states = {value for value, _ in ModelEvaluation._meta.get_field("state").choices}
    assert set(ModelEvaluation.STEPS) == set(ModelEvaluation.ACTIVE_STATES) <= states
    assert ModelEvaluation in sweep.swept_models()
    weights, card = _model_files(tmp_path)
    _upload(curator, "lost-message", weights, card)  # on_commit never runs here: the message is lost
    evaluation = ModelEvaluation.objects.get()
    settings.STALE_QUEUED_SECONDS = 60
    ModelEvaluation.objects.update(updated=timezone.now() - timedelta(seconds=120))
    assert sweep.sweep_stale()["curation.modelevaluation"] == 1
    assert sent == [(queue.EVALUATE_VERSION, {"evaluation_pk": evaluation.pk})]


@pytest.mark.django_db
def test_a_version_its_training_run_evaluates_gets_no_second_evaluation(curator, counted_dataset, sent):
    from webapp.curation.models import RunState, TrainingRun

    version = ModelVersion.objects.create(
        name="trained-one", source="trained", storage_prefix="models/trained-one", weights_sha256="7" * 64
    )
    TrainingRun.objects.create(
        dataset=counted_dataset("runs", curator.user),
        preset="tiny",
        state=RunState.EVALUATING,
        model=version,
        created_by=curator.user,
    )
    row = _row(curator.get("/curation/models/").content.decode(), "trained-one")
    assert "its training run evaluates it" in row and "/evaluate/" not in row
    response = curator.post(f"/curation/models/{version.pk}/evaluate/", follow=True)
    assert "being evaluated by its training run already" in " ".join(
        str(m) for m in response.context["messages"]
    )
    assert not ModelEvaluation.objects.exists()


@pytest.mark.django_db
def test_the_shipped_model_is_evaluated_on_request_like_any_other_and_never_gated(curator, sent, monkeypatch):
    """Its row showed blank figures and no Evaluate button; the comparison page sent a lab to the README."""
    from webapp.curation import evaluation as evaluation_module

    shipped = registry.shipped_version()
    row = _row(curator.get("/curation/models/").content.decode(), shipped.name)
    assert f'action="/curation/models/{shipped.pk}/evaluate/"' in row and "never gated" in row
    curator.post(f"/curation/models/{shipped.pk}/evaluate/")
    evaluation = ModelEvaluation.objects.get(version=shipped)
    assert evaluation.state == EvaluationState.QUEUED
    evaluated = []

    def measured(model_dir, pairs, device, progress):  # the worker's evaluation, without its minute of CPU
        progress(1.0)
        evaluated.append(model_dir)
        return {"methods": {"cyclegan": {"ssim_fg": 0.8123}, "identity": {"ssim_fg": 0.7}}}, None

    monkeypatch.setattr(evaluation_module, "evaluate", measured)
    evaluate_version_task(evaluation_pk=evaluation.pk)
    assert evaluated == [settings.ENHANCER_MODEL_DIR]  # the shipped weights themselves
    row = _row(curator.get("/curation/models/").content.decode(), shipped.name)
    assert "0.812" in row and "never gated" in row and "/evaluate/" not in row
    assert registry.activation_failures(shipped) == []
    older = ModelVersion.objects.create(name="shipped-older", source="shipped", weights_sha256="0" * 64)
    refused = curator.post(f"/curation/models/{older.pk}/evaluate/", follow=True)
    assert "weights of shipped-older shipped with an earlier release and are no longer installed" in " ".join(
        str(m) for m in refused.context["messages"]
    )  # the installed weights' figures are not stored on an older shipped row
    assert not ModelEvaluation.objects.filter(version=older).exists()
