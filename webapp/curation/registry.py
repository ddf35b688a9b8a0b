"""The model registry: versions kept in media storage, exactly one active, loaded without pickle."""

import hashlib
import json
import tempfile
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q, QuerySet

from enhancer.inference import Enhancer
from enhancer.model.checkpoint import CARD, WEIGHTS
from webapp.core.storage import put_file

from .gate import failed_bars
from .models import ModelVersion

FILES = (WEIGHTS, CARD, f"reverse/{WEIGHTS}", f"reverse/{CARD}")


class ModelError(ValueError):
    """Model files that cannot be registered; the message says why."""


def check_model_dir(directory: Path) -> dict:
    """Load the model in `directory` as inference would (safetensors with strict keys, every setting its
    card asks for) and return its card with the real hash."""
    try:
        card = Enhancer(directory, device="cpu").card
    except Exception as exc:  # a malformed card, header or tensor set: all mean "not a generator of ours"
        raise ModelError(f"The files are not a ChromoEnhancer generator: {exc}") from exc
    digest = hashlib.sha256((directory / WEIGHTS).read_bytes()).hexdigest()
    if card.get("weights_sha256", digest) != digest:
        raise ModelError("The model card's weights_sha256 does not match the weights file.")
    return {**card, "weights_sha256": digest}


def register_directory(
    directory: Path, *, name: str, source: str, user=None, dataset=None, training_params: dict | None = None
) -> ModelVersion:
    """Copy a model directory (generator, card, optional reverse/) into storage as a new version.

    The same weights with the same card are refused (nothing new; the registry would list one model twice);
    the same weights with another card (other inference settings) are a new version.
    """
    directory = Path(directory)
    card = check_model_dir(directory)
    if ModelVersion.objects.filter(name=name).exists():
        raise ModelError(f"A model named {name!r} exists already.")
    for twin in same_weights(card["weights_sha256"]):
        if twin.card == card:
            raise ModelError(
                f"These weights and this model card are those of {twin.name}, registered already "
                f"(sha256 {twin.weights_sha256[:12]}…): use {twin.name}."
            )
    prefix = f"models/{name}"
    for relative in FILES:
        path = directory / relative
        if path.exists():
            data = json.dumps(card, indent=2).encode() if relative == CARD else path.read_bytes()
            put_file(f"{prefix}/{relative}", data)
    return ModelVersion.objects.create(
        name=name,
        source=source,
        storage_prefix=prefix,
        weights_sha256=card["weights_sha256"],
        card=card,
        dataset=dataset,
        training_params=training_params or card.get("training", {}),
        created_by=user,
    )


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


def same_weights(weights_sha256: str, exclude: ModelVersion | None = None) -> list[ModelVersion]:
    """The usable versions whose generator file is byte for byte `weights_sha256` (other than `exclude`)."""
    twins = usable_versions().filter(weights_sha256=weights_sha256)
    return list(twins.exclude(pk=exclude.pk) if exclude is not None else twins)


@lru_cache(maxsize=4)
def _checked_card(directory: str, modified: float) -> dict:
    """`check_model_dir` of a directory, once per change of its weights file."""
    return check_model_dir(Path(directory))


def shipped_version() -> ModelVersion:
    """The model at ENHANCER_MODEL_DIR as a registry row (made on first use): always listed, never gated."""
    directory = Path(settings.ENHANCER_MODEL_DIR)
    card = _checked_card(str(directory), (directory / WEIGHTS).stat().st_mtime)
    digest = card["weights_sha256"]
    version, _ = ModelVersion.objects.get_or_create(
        source=ModelVersion.Source.SHIPPED,
        weights_sha256=digest,
        defaults={
            "name": f"shipped-{card.get('preset', 'model')}-{digest[:8]}",
            "storage_prefix": "",
            "card": card,
            "training_params": card.get("training", {}),
        },
    )
    return version


def usable_versions() -> QuerySet[ModelVersion]:
    """Every version a curator may list or choose: the shipped model (registered here if it is not yet, so
    a fresh install offers it everywhere) and every registered one (older shipped weights are not usable)."""
    shipped = shipped_version()
    return ModelVersion.objects.filter(Q(pk=shipped.pk) | ~Q(source=ModelVersion.Source.SHIPPED))


def listed_versions() -> list[ModelVersion]:
    """The shipped model first, then every registered version."""
    versions = list(usable_versions().select_related("dataset"))
    return sorted(versions, key=lambda v: v.source != ModelVersion.Source.SHIPPED)  # stable: newest first


def local_dir(version: ModelVersion) -> Path:
    """A local directory holding the version's files: the media folder itself, or a cache for remote storage."""
    if version.source == ModelVersion.Source.SHIPPED:
        return Path(settings.ENHANCER_MODEL_DIR)
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
    """The registered version the pipeline uses; None means the shipped model (ENHANCER_MODEL_DIR)."""
    return ModelVersion.objects.filter(is_active=True).first()


def activation_failures(version: ModelVersion) -> list[str]:
    """The bars `version` fails (`gate.failed_bars`); the shipped model is never gated."""
    return [] if version.source == ModelVersion.Source.SHIPPED else failed_bars(version.evaluation)


def version_in_use() -> ModelVersion:
    return active_version() or shipped_version()


@transaction.atomic
def activate(version: ModelVersion) -> None:
    """Make `version` the one the pipeline uses from the next job on; the shipped one means none is active.

    Whether it may be activated (`gate.failed_bars`, an admin's override) is the caller's decision.
    """
    ModelVersion.objects.select_for_update().filter(is_active=True).exclude(pk=version.pk).update(
        is_active=False
    )
    if version.source != ModelVersion.Source.SHIPPED:
        ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
        version.is_active = True
