"""The enhancement model a job runs: the registry's version active when the job was queued (the job records
its label then), loaded once per worker process and reused."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from enhancer.inference import Enhancer
from enhancer.model.checkpoint import read_card

from . import registry
from .models import ModelVersion


class ModelGone(LookupError):
    """The model a job was queued with is no longer installed; the message says what to do."""


@lru_cache(maxsize=2)
def enhancer_for(model_dir: str) -> Enhancer:
    """The model in `model_dir` on ENHANCER_DEVICE, loaded once per process."""
    return Enhancer(Path(model_dir), device=settings.ENHANCER_DEVICE)


def _card_label() -> str:
    """How jobs queued before the shipped model had a registry name recorded it: preset and weights hash."""
    card = read_card(settings.ENHANCER_MODEL_DIR)
    return f"{card.get('preset', 'model')}:{card['weights_sha256'][:12]}"


def queued_label() -> str:
    """The model a job queued now runs, as the job records it: the registry's active version, else the model
    at ENHANCER_MODEL_DIR under its registry name, as the models page lists it (its card read, its weights
    not loaded: this runs in the web process)."""
    version = registry.active_version() or registry.shipped_version()
    return version.version_label


def model_for_job(label: str) -> tuple[Enhancer, str]:
    """The model of a job queued with `label` (`queued_label`), even if another was activated since, and
    that label; a job that recorded none (queued before jobs did) runs the model active now."""
    label = label or queued_label()
    name, _, digest = label.rpartition(":")
    version = ModelVersion.objects.filter(name=name, weights_sha256__startswith=digest).first()
    if version is not None:
        return enhancer_for(str(registry.local_dir(version))), label
    if label == _card_label():
        return enhancer_for(str(settings.ENHANCER_MODEL_DIR)), label
    raise ModelGone(
        f"The model this job was queued with ({label}) is no longer installed; retry the job to run the "
        "active model."
    )


def active_model() -> tuple[Enhancer, str]:
    """The model a job queued now would run, and its label."""
    return model_for_job(queued_label())


def record_queued_model(sender, instance, raw: bool = False, **kwargs) -> None:
    """pre_save of an enhancement job: a new job records the model active now, in the same insert, so that an
    activation while it waits in the queue does not change the model it runs (the models page promises
    "from the next job on"). Connected in `CurationConfig.ready`: the cases app does not know the registry."""
    if instance._state.adding and not raw and not instance.model_version:
        instance.model_version = queued_label()
