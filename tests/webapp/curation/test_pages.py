"""Curation pages that must not fight the user: cancel only what runs, a true sample-grid caption, a warning
for a split without cells, a favicon, and tiles named after the uploaded file."""

import json
import re
from html import unescape

import pytest
import torch
from django.test import Client
from PIL import Image

from enhancer.training.config import PRESETS, preset
from enhancer.training.report import save_sample_grid
from webapp.curation.models import Dataset, RunState, TrainingRun

pytestmark = pytest.mark.django_db


def _ready_dataset(user, manifest: list[dict], test_fraction: float = 0.2) -> Dataset:
    return Dataset.objects.create(
        name="d", manifest=manifest, state=Dataset.State.READY, test_fraction=test_fraction, created_by=user
    )


def _entry(karyogram: int, domain: str, split: str, cells: list[str]) -> dict:
    return {
        "karyogram": karyogram,
        "sha256": "0" * 64,
        "quality": domain,
        "domain": domain,
        "split": split,
        "cells": cells,
    }


@pytest.mark.parametrize("state", [RunState.DONE, RunState.FAILED, RunState.CANCELLED, RunState.EVALUATING])
def test_a_run_that_no_longer_trains_offers_no_cancel(curator, state):
    dataset = _ready_dataset(curator.user, [])
    run = TrainingRun.objects.create(dataset=dataset, preset="tiny", created_by=curator.user, state=state)
    page = curator.get(f"/curation/training/{run.pk}/").content.decode()
    assert "training-cancel" not in page and ">Cancel training</button>" not in page
    assert curator.get(f"/curation/training/{run.pk}/status/").json()["cancellable"] is False
    response = curator.post(f"/curation/training/{run.pk}/cancel/", follow=True)
    assert "Nothing to cancel" in " ".join(str(m) for m in response.context["messages"])
    run.refresh_from_db()
    assert run.state == state and not run.cancel_requested


def test_a_training_run_offers_cancel_once(curator):
    run = TrainingRun.objects.create(
        dataset=_ready_dataset(curator.user, []),
        preset="tiny",
        created_by=curator.user,
        state=RunState.TRAINING,
    )
    assert ">Cancel training</button>" in curator.get(f"/curation/training/{run.pk}/").content.decode()
    assert curator.get(f"/curation/training/{run.pk}/status/").json()["cancellable"] is True
    curator.post(f"/curation/training/{run.pk}/cancel/")
    run.refresh_from_db()
    assert run.cancel_requested and run.state == RunState.TRAINING  # the loop stops at its next report
    assert ">Cancel training</button>" not in curator.get(f"/curation/training/{run.pk}/").content.decode()


def test_the_sample_caption_says_what_the_grid_holds(curator, tmp_path):
    """`save_sample_grid` puts one sample per row and poor | enhanced | cycled side by side in columns."""
    real, fake, back = (torch.full((2, 1, 4, 4), v) for v in (-1.0, 0.0, 1.0))
    save_sample_grid(real, fake, back, tmp_path / "grid.png")
    grid = Image.open(tmp_path / "grid.png")
    assert grid.size == (12, 8)  # width: 3 images side by side; height: 2 samples
    assert [grid.getpixel((x, 0)) for x in (0, 4, 8)] == [
        0,
        128,
        255,
    ]  # poor, enhanced, cycled: left to right
    run = TrainingRun.objects.create(
        dataset=_ready_dataset(curator.user, []), preset="tiny", created_by=curator.user
    )
    page = curator.get(f"/curation/training/{run.pk}/").content.decode()
    assert "One row per sample cell; columns: poor input · enhanced · cycled back to poor." in page
    assert "Rows: poor input" not in page


def test_a_split_without_cells_of_a_domain_is_warned_about_and_not_trained(curator):
    dataset = _ready_dataset(
        curator.user,
        [
            _entry(1, "poor", "train", ["1", "2"]),
            _entry(2, "excellent", "train", []),  # layout unreadable: no cells
            _entry(3, "poor", "test", ["1"]),
            _entry(4, "excellent", "test", ["1"]),
        ],
    )
    assert dataset.cell_warnings == ["The train split has no excellent cells."]
    page = curator.get(f"/curation/datasets/{dataset.pk}/").content.decode()
    assert 'id="dataset-warnings"' in page and "The train split has no excellent cells." in page
    assert "Start training" not in page
    response = curator.post(f"/curation/datasets/{dataset.pk}/train/", {"preset": "tiny"}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Training not started: The train split has no excellent cells." in text
    assert not TrainingRun.objects.exists()


def test_an_empty_test_split_matters_only_when_one_was_asked_for(curator):
    manifest = [
        _entry(1, "poor", "train", ["1"]),
        _entry(2, "excellent", "train", ["1"]),
        _entry(3, "poor", "test", ["1"]),
    ]
    dataset = _ready_dataset(curator.user, manifest)
    assert dataset.cell_warnings == ["The test split has no excellent cells."]
    Dataset.objects.filter(pk=dataset.pk).delete()
    assert _ready_dataset(curator.user, manifest[:2], test_fraction=0).cell_warnings == []


def test_favicon_answers_and_pages_link_it(curator):
    icon = curator.get("/favicon.ico", follow=True)
    assert (
        icon.status_code == 200 and b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"
    )  # ICO header
    assert Client().get("/favicon.ico", follow=True).status_code == 200  # anonymous too
    for path in ("/", "/curation/", "/accounts/login/"):
        assert '<link rel="icon" href="/static/favicon.ico"' in curator.get(path).content.decode(), path


def test_curation_tiles_show_the_uploaded_file_name(curator, labelled_karyograms):
    labelled_karyograms(1, 1)  # stored as poor-0.png and excellent-1.png, case CUR-1
    page = curator.get("/curation/").content.decode()
    assert ">poor-0.png</span>" in page and ">excellent-1.png</span>" in page and "CUR-1 · " in page
    found = curator.get("/curation/?q=excellent-1")
    assert [k.original_name for k in found.context["page"]] == ["excellent-1.png"]


def test_the_training_form_shows_the_chosen_presets_values(curator):
    """Before, its fields were blank with "empty fields keep the preset's value", and the values were nowhere."""
    manifest = [_entry(1, "poor", "train", ["1"]), _entry(2, "excellent", "train", ["1"])]
    dataset = _ready_dataset(curator.user, manifest, test_fraction=0)
    html = curator.get(f"/curation/datasets/{dataset.pk}/").content.decode()
    small, restore = preset("cpu-small"), preset("gpu-restore")

    def placeholder(page: str, field: str) -> str:
        return re.search(rf'<input[^>]*name="{field}"[^>]*placeholder="([^"]*)"', page).group(1)

    assert placeholder(html, "n_epochs") == str(small.n_epochs) and placeholder(html, "lr") == str(small.lr)
    assert placeholder(html, "epoch_size") == str(small.epoch_size)
    offered = json.loads(unescape(re.search(r'data-preset-values="([^"]+)"', html).group(1)))
    assert offered["gpu-restore"]["batch_size"] == restore.batch_size and set(offered) == set(PRESETS)
    refused = curator.post(
        f"/curation/datasets/{dataset.pk}/train/", {"preset": "gpu-restore", "lr": "5"}
    ).content.decode()  # shown again: the placeholders are the posted preset's
    assert placeholder(refused, "batch_size") == str(restore.batch_size) and "learning rate" in refused


def test_the_status_says_when_a_sample_grid_is_published_so_the_page_asks_only_then(curator):
    """Walk-through: the page asked for sample.png every 2 s from the first epoch on and got 404 until the
    worker published one at the epoch's end."""
    from webapp.core.storage import put_file

    run = TrainingRun.objects.create(
        dataset=_ready_dataset(curator.user, []),
        preset="tiny",
        created_by=curator.user,
        state=RunState.TRAINING,
    )
    TrainingRun.objects.filter(pk=run.pk).update(epoch=1)
    assert curator.get(f"/curation/training/{run.pk}/status/").json()["sample"] is False
    assert curator.get(f"/curation/training/{run.pk}/sample.png").status_code == 404
    put_file(run.sample_path, b"\x89PNG\r\n\x1a\n")
    assert curator.get(f"/curation/training/{run.pk}/status/").json()["sample"] is True
    assert curator.get(f"/curation/training/{run.pk}/sample.png").status_code == 200


def test_a_run_not_yet_iterating_says_so_instead_of_iteration_0_of_0(make_user):
    """Walk-through: a new run first read "iteration 0 of 0"."""
    from tests.factories import TrainingRunFactory

    client = Client()
    client.force_login(make_user("curator", "cleo"))
    run = TrainingRunFactory(state="training")
    page = client.get(f"/curation/training/{run.pk}/").content.decode()
    assert (
        "<span data-run-counts hidden>" in page and "Preparing the cells; the first iterations follow" in page
    )
    TrainingRun.objects.filter(pk=run.pk).update(iteration=3, iterations=10)
    page = client.get(f"/curation/training/{run.pk}/").content.decode()
    assert "<span data-run-counts>" in page and "<span data-run-starting hidden>" in page
