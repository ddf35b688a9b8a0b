"""The enhancement model a worker process runs: the registry's active version, loaded once and reused."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from enhancer.inference import Enhancer

from . import registry


@lru_cache(maxsize=2)
def enhancer_for(model_dir: str) -> Enhancer:
    """The model in `model_dir` on ENHANCER_DEVICE, loaded once per process."""
    return Enhancer(Path(model_dir), device=settings.ENHANCER_DEVICE)


def active_model() -> tuple[Enhancer, str]:
    """The model to use now and the version label a job records.

    The registry's active version when there is one, else the model at ENHANCER_MODEL_DIR
    (the shipped one by default), labelled by its preset and weights hash.
    """
    version = registry.active_version()
    if version is not None:
        return enhancer_for(str(registry.local_dir(version))), version.version_label
    enhancer = enhancer_for(str(settings.ENHANCER_MODEL_DIR))
    return enhancer, f"{enhancer.card.get('preset', 'model')}:{enhancer.card['weights_sha256'][:12]}"
