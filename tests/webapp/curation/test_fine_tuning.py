"""Fine-tuning from the web: a curator starts a run from a registered model of the preset's architecture."""

import pytest
from django.db.models import ProtectedError

from enhancer.model.checkpoint import save_generator
from enhancer.model.networks import UnetGenerator, init_weights
from enhancer.training.config import preset
from enhancer.training.loop import architecture
from webapp.curation import registry
from webapp.curation.models import ModelVersion, RunState, TrainingRun
from webapp.curation.training import train_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(curator, counted_dataset):
    return counted_dataset("tune", curator.user)


def tiny_version(tmp_path, user) -> ModelVersion:
    arch = architecture(preset("tiny"))
    directory = save_generator(tmp_path / "tiny", init_weights(UnetGenerator(arch)), arch, preset="tiny")
    return registry.register_directory(
        directory, name="tiny-start", source=ModelVersion.Source.UPLOADED, user=user
    )


def test_a_model_of_another_architecture_is_refused_with_the_reason(curator, dataset):
    shipped = registry.shipped_version()  # gpu-restore: ngf 16, resize up-sampling
    page = curator.post(
        f"/curation/datasets/{dataset.pk}/train/", {"preset": "tiny", "start_from": shipped.pk}, follow=True
    )
    said = page.content.decode()
    # in words, once: what differs (no dict dumps, no "__all__"), beside the form; the banner points to it
    assert said.count("is not of the architecture the tiny preset trains: ngf 16 (this training: 4)") == 1
    assert "__all__" not in said and "{&#x27;" not in said
    assert "Training not started: correct the training form below." in said
    assert not TrainingRun.objects.exists()


def test_a_run_fine_tunes_from_the_chosen_version_and_says_so(curator, dataset, tmp_path):
    client = curator
    version = tiny_version(tmp_path, client.user)
    form = client.get(f"/curation/datasets/{dataset.pk}/").content.decode()
    assert "fine-tune from" in form and "tiny-start" in form
    client.post(f"/curation/datasets/{dataset.pk}/train/", {"preset": "tiny", "start_from": version.pk})
    run = TrainingRun.objects.get()
    assert run.start_from == version and run.params["init_from"] == ""
    train_run(run.pk)
    run = TrainingRun.objects.get(pk=run.pk)
    assert run.state == RunState.EVALUATING and run.model is not None
    assert run.progress == 90  # training's share of the bar; its evaluation moves it on from there
    assert run.model.card["training"]["init_from"] == str(registry.local_dir(version))
    assert "fine-tuned from tiny-start" in client.get(f"/curation/training/{run.pk}/").content.decode()
    with pytest.raises(ProtectedError):
        version.delete()  # the provenance of a fine-tuned model is kept
