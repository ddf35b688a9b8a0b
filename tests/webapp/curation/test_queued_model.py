"""A job runs the model that was active when it was queued, not one activated while it waited (walk-through:
a job queued under the validated model ran with a failing one an admin activated a minute later)."""

import pytest

from enhancer import SHIPPED_MODEL as SHIPPED
from enhancer.model.checkpoint import read_card, save_generator
from enhancer.model.networks import Architecture, UnetGenerator, init_weights
from tests.factories import KaryogramFactory
from webapp.cases import services
from webapp.curation import active_model, registry
from webapp.curation.models import ModelVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_model(tmp_path):
    arch = Architecture(ngf=4, norm="batch")
    directory = save_generator(tmp_path / "other", init_weights(UnetGenerator(arch)), arch, preset="test")
    return registry.register_directory(directory, name="other", source=ModelVersion.Source.UPLOADED)


def _queued(make_user, karyogram_png):
    user = make_user("technologist", "tq")
    karyogram = KaryogramFactory(case__created_by=user, uploaded_by=user, png=karyogram_png)
    return services.start_job(karyogram, user)


def test_a_job_keeps_the_model_active_when_it_was_queued(make_user, karyogram_png, other_model):
    waiting = _queued(make_user, karyogram_png)
    shipped = active_model.queued_label()
    assert waiting.model_version == shipped and waiting.__class__.objects.get().model_version == shipped
    registry.activate(other_model)  # while the job waits in the queue
    enhancer, label = active_model.model_for_job(waiting.model_version)
    assert label == shipped and enhancer.card["weights_sha256"] == read_card(SHIPPED)["weights_sha256"]
    later = services.start_job(waiting.karyogram, waiting.karyogram.uploaded_by)
    assert later.model_version == other_model.version_label
    enhancer, _ = active_model.model_for_job(later.model_version)
    assert enhancer.card["weights_sha256"] == other_model.weights_sha256


def test_a_job_whose_model_is_gone_is_told_to_retry():
    with pytest.raises(
        active_model.ModelGone, match=r"\(deleted:0123456789ab\) is no longer installed; retry"
    ):
        active_model.model_for_job("deleted:0123456789ab")


def test_a_job_queued_before_jobs_recorded_their_model_runs_the_active_one(other_model):
    registry.activate(other_model)
    assert active_model.model_for_job("")[1] == other_model.version_label


def test_a_job_names_the_shipped_model_as_the_models_page_does(make_user, karyogram_png):
    """Walk-through: the job page said gpu-restore:21da3c879a16, the registry shipped-gpu-restore-21da3c87."""
    job = _queued(make_user, karyogram_png)
    shipped = registry.shipped_version()
    assert job.model_version == shipped.version_label and job.model_version.startswith(shipped.name + ":")
    enhancer, label = active_model.model_for_job(job.model_version)
    assert label == job.model_version and enhancer.card["weights_sha256"] == shipped.weights_sha256


def test_a_job_recorded_under_the_cards_old_label_still_runs_the_shipped_model():
    card = read_card(SHIPPED)
    old = f"{card['preset']}:{card['weights_sha256'][:12]}"
    enhancer, label = active_model.model_for_job(old)
    assert label == old and enhancer.card["weights_sha256"] == card["weights_sha256"]
