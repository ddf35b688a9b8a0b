"""Curation pages: labels, dataset snapshots, import, model upload and activation; curators and admins only."""

import io
import json
import pickle

import pytest
import torch
from django.core.management import call_command
from django.test import Client

from enhancer.model.checkpoint import CARD, WEIGHTS, save_generator
from enhancer.model.networks import Architecture, UnetGenerator
from tests.conftest import PASSWORD
from tests.webapp.curation.test_registry import assert_compared
from webapp.cases.models import Karyogram
from webapp.curation import registry
from webapp.curation.datasets import build_dataset, count_cells
from webapp.curation.models import Dataset, ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db

PAGES = [
    "/curation/",
    "/curation/datasets/",
    "/curation/datasets/new/",
    "/curation/models/",
    "/curation/models/compare/",
]


def _client(make_user, role: str) -> Client:
    user = make_user(role, f"{role}-user")
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    ("role", "status"), [("technologist", 403), ("rater", 403), ("curator", 200), ("admin", 200)]
)
def test_only_curators_and_admins_reach_curation(make_user, role, status):
    client = _client(make_user, role)
    for path in PAGES:
        assert client.get(path).status_code == status, path


def test_anonymous_users_are_sent_to_login(client):
    for path in PAGES:
        assert client.get(path)["Location"].startswith("/accounts/login/")


def test_bulk_labels_and_thumbnails(make_user, labelled_karyograms):
    karyograms = labelled_karyograms(1, 1)
    client = _client(make_user, "curator")
    page = client.get("/curation/?quality=poor")
    assert [k.pk for k in page.context["page"]] == [karyograms[0].pk]
    response = client.post(
        "/curation/", {"selected": [k.pk for k in karyograms], "length": "long", "included": "no"}
    )
    assert response.status_code == 302
    assert set(Karyogram.objects.values_list("length", "included")) == {("long", False)}
    tile = client.get("/curation/?quality=poor").content.decode()  # it read "Poor · Long": which was which?
    assert "quality: poor · length: long · excluded" in tile
    thumb = client.get(f"/curation/karyograms/{karyograms[0].pk}/thumbnail.png")
    assert thumb["Content-Type"] == "image/png" and thumb.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_dataset_snapshot_counts_cells_and_is_immutable(make_user, labelled_karyograms):
    karyograms = labelled_karyograms(3, 3)
    client = _client(make_user, "curator")
    response = client.post(
        "/curation/datasets/new/",
        {
            "name": "pilot",
            "lengths": ["medium"],
            "excluded_labels": [str(i) for i in range(13, 23)] + ["X", "Y"],
            "test_fraction": 0.34,
            "seed": 1,
        },
    )
    dataset = Dataset.objects.get(name="pilot")
    assert response["Location"] == f"/curation/datasets/{dataset.pk}/"
    assert (
        dataset.state == "counting"
        and "Counting the cells" in client.get(response["Location"]).content.decode()
    )
    refused = client.post(f"/curation/datasets/{dataset.pk}/train/", {"preset": "tiny"}, follow=True)
    assert "still being counted" in refused.content.decode() and not TrainingRun.objects.exists()
    assert count_cells(dataset) and not count_cells(Dataset.objects.get(pk=dataset.pk))  # once only
    dataset = Dataset.objects.get(pk=dataset.pk)
    assert (
        dataset.counts["train"]["poor"]["karyograms"] == 2
        and dataset.counts["test"]["poor"]["karyograms"] == 1
    )
    assert dataset.counts["train"]["poor"]["cells"] == 24  # 12 kept labels (1–12) × 2 karyograms
    assert {m["sha256"] for m in dataset.manifest} == {k.sha256 for k in karyograms}
    assert all(set(m["cells"]) == {str(i) for i in range(1, 13)} for m in dataset.manifest)
    again = build_dataset(
        name="pilot-2",
        karyograms=karyograms,
        excluded=dataset.excluded_labels,
        test_fraction=0.34,
        seed=1,
        user=dataset.created_by,
    )
    assert [m["split"] for m in again.manifest] == [m["split"] for m in dataset.manifest]  # the seed decides
    with pytest.raises(ValueError, match="immutable"):
        dataset.save()
    duplicate = client.post(
        "/curation/datasets/new/", {"name": "pilot", "lengths": ["medium"], "test_fraction": 0.2, "seed": 0}
    )
    assert duplicate.status_code == 400 and "never overwritten" in duplicate.content.decode()
    spaced = client.post(
        "/curation/datasets/new/",
        {"name": "first week", "lengths": ["medium"], "test_fraction": 0.2, "seed": 0},
    )  # before, Django's "Enter a valid “slug”…" left a first-week curator guessing
    assert (
        spaced.status_code == 400
        and "Use letters, digits, - and _ only (no spaces)" in spaced.content.decode()
    )
    detail = client.get(f"/curation/datasets/{dataset.pk}/").content.decode()
    assert "Start training" in detail and "24" in detail


def test_dataset_needs_both_domains(make_user, labelled_karyograms):
    labelled_karyograms(2, 0)
    client = _client(make_user, "curator")
    response = client.post(
        "/curation/datasets/new/",
        {"name": "one-sided", "lengths": ["medium"], "test_fraction": 0.2, "seed": 0},
    )
    assert response.status_code == 400 and "labelled poor and labelled excellent" in response.content.decode()


def test_import_karyograms_skips_duplicates(make_user, tmp_path, karyogram_png):
    make_user("admin", "boss")
    (tmp_path / "a.png").write_bytes(karyogram_png)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "same.png").write_bytes(karyogram_png)
    (tmp_path / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    out, err = io.StringIO(), io.StringIO()
    call_command("import_karyograms", str(tmp_path), "--quality", "poor", stdout=out, stderr=err)
    assert (
        "Imported 1, skipped 1 duplicate(s), rejected 1" in out.getvalue() and "broken.png" in err.getvalue()
    )
    assert list(Karyogram.objects.values_list("quality", flat=True)) == ["poor"]
    call_command("import_karyograms", str(tmp_path), stdout=out, stderr=err)
    assert Karyogram.objects.count() == 1


def _model_files(tmp_path):
    arch = Architecture(ngf=4, ndf=4, norm="batch")
    directory = save_generator(tmp_path / "m", UnetGenerator(arch), arch, preset="tiny")
    return (directory / WEIGHTS).read_bytes(), (directory / CARD).read_bytes()


def test_model_upload_accepts_safetensors_only_and_one_model_is_active(make_user, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    weights, card = _model_files(tmp_path)
    client = _client(make_user, "curator")
    ok = client.post(
        "/curation/models/upload/",
        {
            "name": "uploaded-one",
            "weights": SimpleUploadedFile("generator.safetensors", weights),
            "card": SimpleUploadedFile("model_card.json", card),
        },
    )
    assert ok.status_code == 302
    pickled = pickle.dumps({"state_dict": {"x": torch.zeros(1)}})
    for name, data, message in [
        ("g.pth", pickled, "Only .safetensors"),
        ("generator.safetensors", pickled, "not a ChromoEnhancer generator"),
    ]:
        response = client.post(
            "/curation/models/upload/",
            {
                "name": "bad",
                "weights": SimpleUploadedFile(name, data),
                "card": SimpleUploadedFile("model_card.json", card),
            },
        )
        assert response.status_code == 400 and message in response.content.decode()
    bad_card = client.post(
        "/curation/models/upload/",
        {
            "name": "bad",
            "weights": SimpleUploadedFile("generator.safetensors", weights),
            "card": SimpleUploadedFile("model_card.json", json.dumps({"architecture": {"ngf": 8}}).encode()),
        },
    )
    assert bad_card.status_code == 400
    for step, bad in (("band_sharpening", "target_detail"), ("contrast_lift", "target_contrast")):
        bad_steps = json.loads(card) | {step: {bad: "high"}}
        refused = client.post(
            "/curation/models/upload/",
            {
                "name": "bad",
                "weights": SimpleUploadedFile("generator.safetensors", weights),
                "card": SimpleUploadedFile("model_card.json", json.dumps(bad_steps).encode()),
            },
        )
        assert refused.status_code == 400 and f"{step}.{bad}" in refused.content.decode()
    assert list(ModelVersion.objects.exclude(source="shipped").values_list("name", flat=True)) == [
        "uploaded-one"
    ]

    other_weights, other_card = _model_files(tmp_path / "other")  # the same files again would be refused
    second = registry.register_upload(name="uploaded-two", weights=other_weights, card=other_card, user=None)
    first = ModelVersion.objects.get(name="uploaded-one")
    passing = {
        "synthetic_pairs": {
            "methods": {
                m: {"ssim_fg": 0.5, "band_corr": 0.7, "length_ratio": 1.0} for m in ("identity", "cyclegan")
            }
        }
    }
    ModelVersion.objects.update(evaluation=passing)  # activation needs an evaluation that passes its bars
    client.post(f"/curation/models/{first.pk}/activate/")
    client.post(f"/curation/models/{second.pk}/activate/")
    assert list(ModelVersion.objects.filter(is_active=True).values_list("name", flat=True)) == [
        "uploaded-two"
    ]
    assert_compared(client, first, second)


def test_export_takes_the_cells_a_finished_job_stored(labelled_karyograms, tmp_path):
    """A job's cells (its slots possibly corrected by a person) are exported as they are, not re-sliced."""
    import numpy as np
    from PIL import Image

    from webapp.cases import services
    from webapp.cases.models import EnhancementJob, JobCell, JobState
    from webapp.curation.datasets import export_cells

    poor, excellent = labelled_karyograms(1, 1)
    job = EnhancementJob.objects.create(karyogram=poor, state=JobState.DONE, created_by=poor.uploaded_by)
    JobCell.objects.bulk_create(
        [
            JobCell(job=job, label=label, index=i, box=[0, 0, 10, 10], object_count=2)
            for i, label in enumerate(["1", "2"])
        ]
    )
    services.save_arrays(
        job,
        "inputs",
        {"1": np.full((256, 256), 0.25, np.float32), "2": np.full((256, 256), 0.75, np.float32)},
    )
    dataset = build_dataset(
        name="from-job",
        karyograms=[poor, excellent],
        excluded=["2"],
        test_fraction=0,
        seed=0,
        user=poor.uploaded_by,
    )
    count_cells(dataset)
    dataset = Dataset.objects.get(pk=dataset.pk)
    assert dataset.counts["train"]["poor"]["cells"] == 1  # label 2 excluded
    written = export_cells(dataset, "train", tmp_path)
    assert written["poor"] == 1 and written["excellent"] == 23  # 24 slots of 46,XY less label 2
    assert sorted(p.name for p in (tmp_path / "poor").iterdir()) == [f"k{poor.pk}_1.png"]
    assert np.asarray(Image.open(tmp_path / "poor" / f"k{poor.pk}_1.png")).mean() == 64


def test_each_image_counts_once_in_a_dataset_so_none_sits_in_train_and_test(make_user):
    """Walk-through: a split figure, included again by a bulk label, went into a dataset beside its own panels
    (one in train, one in test)."""
    import numpy as np

    from tests.factories import KaryogramFactory, png_bytes

    user = make_user("curator", "cora")
    image = [png_bytes(np.full((90, 120), 60 + 20 * i, np.uint8)) for i in range(4)]
    figure = KaryogramFactory(name="figure.png", png=image[0])
    panels = [KaryogramFactory(case=figure.case, name=f"panel{i}.png", png=image[i]) for i in (1, 2)]
    Karyogram.objects.filter(pk__in=[p.pk for p in panels]).update(split_from=figure)
    Karyogram.objects.filter(pk=figure.pk).update(included=False)  # as `split_into_panels` leaves it
    again = KaryogramFactory(
        name="panel2 again.png", png=image[2]
    )  # the same bytes, uploaded to another case
    other = KaryogramFactory(name="other.png", png=image[3])
    Karyogram.objects.filter(pk__in=[figure.pk, panels[0].pk]).update(quality="poor")
    Karyogram.objects.filter(pk__in=[panels[1].pk, again.pk, other.pk]).update(quality="excellent")

    client = Client()
    client.force_login(user)
    answer = client.post("/curation/", {"selected": [figure.pk, other.pk], "included": "yes"}, follow=True)
    assert "Not included: figure.png, a figure split into panels" in answer.content.decode()
    assert not Karyogram.objects.get(pk=figure.pk).included and Karyogram.objects.get(pk=other.pk).included

    Karyogram.objects.filter(pk=figure.pk).update(included=True)  # even where it was included by other means
    dataset = build_dataset(
        name="once",
        karyograms=list(Karyogram.objects.all()),
        excluded=[],
        test_fraction=0.5,
        seed=0,
        user=user,
    )
    assert sorted(m["karyogram"] for m in dataset.manifest) == sorted([panels[0].pk, panels[1].pk, other.pk])
