"""factory_boy factories for the records tests need; karyograms go through the upload service, as uploads do."""

import io

import factory
import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from factory.django import DjangoModelFactory
from PIL import Image

from tests.conftest import PASSWORD
from webapp.accounts.roles import Role, assign_role
from webapp.cases import services
from webapp.cases.models import Case, EnhancementJob, Karyogram
from webapp.curation.models import Dataset, ModelVersion, TrainingRun


def png_bytes(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


class UserFactory(DjangoModelFactory):
    """A user signing in with PASSWORD, holding `role` (a Role value) unless it is None."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user-{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def role(user, create, role, **kwargs):
        if create and role:
            assign_role(user, Role(role))


class CaseFactory(DjangoModelFactory):
    class Meta:
        model = Case

    accession = factory.Sequence(lambda n: f"CASE-{n:04d}")
    created_by = factory.SubFactory(UserFactory, role="technologist")


class KaryogramFactory(factory.Factory):
    """A karyogram uploaded through `services.add_karyogram` (decoded, hashed, stored): `png` under `name`."""

    class Meta:
        model = Karyogram

    case = factory.SubFactory(CaseFactory)
    uploaded_by = factory.SelfAttribute("case.created_by")
    name = "k.png"
    png = factory.LazyFunction(lambda: png_bytes(np.full((90, 120), 128, np.uint8)))

    @classmethod
    def _create(cls, model_class, case, uploaded_by, name, png):
        return services.add_karyogram(case, SimpleUploadedFile(name, png), uploaded_by)


class EnhancementJobFactory(DjangoModelFactory):
    class Meta:
        model = EnhancementJob

    karyogram = factory.SubFactory(KaryogramFactory)
    created_by = factory.SelfAttribute("karyogram.uploaded_by")


class DatasetFactory(DjangoModelFactory):
    class Meta:
        model = Dataset

    name = factory.Sequence(lambda n: f"dataset-{n}")
    manifest = factory.LazyFunction(list)
    created_by = factory.SubFactory(UserFactory, role="curator")


class TrainingRunFactory(DjangoModelFactory):
    class Meta:
        model = TrainingRun

    dataset = factory.SubFactory(DatasetFactory)
    preset = "tiny"
    created_by = factory.SelfAttribute("dataset.created_by")


class ModelVersionFactory(DjangoModelFactory):
    class Meta:
        model = ModelVersion

    name = factory.Sequence(lambda n: f"model-{n}")
    source = ModelVersion.Source.UPLOADED
    storage_prefix = factory.LazyAttribute(lambda v: f"models/{v.name}")
    weights_sha256 = "0" * 64


def trained_model_versions(ssim_fg: dict[str, float]) -> list[ModelVersion]:
    """Trained model versions named as given, whose evaluation scores that synthetic foreground SSIM
    (the poor input's: 0.41; the registry's gate compares the two)."""
    poor = {"ssim_fg": 0.41, "band_corr": 0.67, "length_ratio": 0.97}
    return [
        ModelVersionFactory(
            name=name,
            source=ModelVersion.Source.TRAINED,
            weights_sha256=name[0] * 64,
            evaluation={
                "synthetic_pairs": {"methods": {"identity": poor, "cyclegan": {**poor, "ssim_fg": score}}}
            },
        )
        for name, score in ssim_fg.items()
    ]
