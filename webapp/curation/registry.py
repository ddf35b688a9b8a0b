"""The model registry: versions kept in media storage, exactly one active, loaded without pickle."""

import hashlib
import json
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from enhancer.model.checkpoint import CARD, WEIGHTS, load_generator
from webapp.cases.services import put_file

from .models import ModelVersion

FILES = (WEIGHTS, CARD, f"reverse/{WEIGHTS}", f"reverse/{CARD}")


class ModelError(ValueError):
    """Model files that cannot be registered; the message says why."""


def check_model_dir(directory: Path) -> dict:
    """Load the generator in `directory` (safetensors, strict keys) and return its card with the real hash."""
    try:
        _, card = load_generator(directory, "cpu")
    except Exception as exc:  # a malformed card, header or tensor set: all mean "not a generator of ours"
        raise ModelError(f"The files are not a ChromoEnhancer generator: {exc}") from exc
    digest = hashlib.sha256((directory / WEIGHTS).read_bytes()).hexdigest()
    if card.get("weights_sha256", digest) != digest:
        raise ModelError("The model card's weights_sha256 does not match the weights file.")
    return {**card, "weights_sha256": digest}


def register_directory(directory: Path, *, name: str, source: str, user=None, dataset=None,
                       training_params: dict | None = None) -> ModelVersion:
    """Copy a model directory (generator, card, optional reverse/) into storage as a new version."""
    directory = Path(directory)
    card = check_model_dir(directory)
    if ModelVersion.objects.filter(name=name).exists():
        raise ModelError(f"A model named {name!r} exists already.")
    prefix = f"models/{name}"
    for relative in FILES:
        path = directory / relative
        if path.exists():
            data = json.dumps(card, indent=2).encode() if relative == CARD else path.read_bytes()
            put_file(f"{prefix}/{relative}", data)
    return ModelVersion.objects.create(name=name, source=source, storage_prefix=prefix,
                                       weights_sha256=card["weights_sha256"], card=card, dataset=dataset,
                                       training_params=training_params or card.get("training", {}),
                                       created_by=user)


def register_upload(*, name: str, weights: bytes, card: bytes, user) -> ModelVersion:
    """An uploaded generator: safetensors weights and its JSON model card, nothing that unpickles."""
    try:
        card_data = json.loads(card)
        if not isinstance(card_data, dict) or "architecture" not in card_data:
            raise ValueError("no architecture")
    except ValueError as exc:
        raise ModelError("The model card must be the JSON model_card.json written with the weights.") from exc
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / WEIGHTS).write_bytes(weights)
        (Path(tmp) / CARD).write_text(json.dumps(card_data))
        return register_directory(Path(tmp), name=name, source=ModelVersion.Source.UPLOADED, user=user)


def local_dir(version: ModelVersion) -> Path:
    """A local directory holding the version's files: the media folder itself, or a cache for remote storage."""
    try:
        return Path(default_storage.path(version.storage_prefix))
    except NotImplementedError:  # S3 and other remote storage
        cache = Path(settings.MODEL_CACHE_DIR) / version.weights_sha256
        for relative in FILES:
            target, source = cache / relative, f"{version.storage_prefix}/{relative}"
            if not target.exists() and default_storage.exists(source):
                target.parent.mkdir(parents=True, exist_ok=True)
                with default_storage.open(source, "rb") as f:
                    partial = target.with_suffix(".part")
                    partial.write_bytes(f.read())
                    partial.replace(target)
        return cache


def active_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).first()


@transaction.atomic
def activate(version: ModelVersion) -> None:
    """Make `version` the one the pipeline uses from the next job on."""
    ModelVersion.objects.select_for_update().filter(is_active=True).exclude(pk=version.pk).update(is_active=False)
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    version.is_active = True
