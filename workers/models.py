"""The enhancement model of this worker process, loaded once and reused."""

from functools import lru_cache
from pathlib import Path

from django.conf import settings

from enhancer.inference import Enhancer


@lru_cache(maxsize=2)
def enhancer_for(model_dir: str) -> Enhancer:
    return Enhancer(Path(model_dir), device=settings.ENHANCER_DEVICE)


def active_model_dir() -> str:
    return str(settings.ENHANCER_MODEL_DIR)


def model_version(enhancer: Enhancer) -> str:
    card = enhancer.card
    return f"{card.get('preset', 'model')}:{card['weights_sha256'][:12]}"
