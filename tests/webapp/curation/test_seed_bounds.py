"""Seeds are bounded to what the training code's seeding accepts (0 … 2**32 − 1): too large a seed is a form
error that keeps what was typed, never a server error or a run that fails to start."""

import re

import pytest
from django.core.exceptions import ValidationError

from webapp.curation.models import SEED_MAX, Dataset, TrainingRun

pytestmark = pytest.mark.django_db

TOO_LARGE = ["99999999999999999999", "9223372036854775808", str(SEED_MAX + 1)]


def _seed_input(html: str) -> str:
    return re.search(r'<input[^>]*name="seed"[^>]*>', html).group(0)


def test_seed_max_is_what_numpy_and_torch_seeding_accept():
    import numpy as np
    import torch

    np.random.RandomState(SEED_MAX)
    np.random.default_rng(SEED_MAX)
    torch.manual_seed(SEED_MAX)
    with pytest.raises(ValueError):
        np.random.RandomState(SEED_MAX + 1)


@pytest.mark.parametrize("seed", TOO_LARGE + ["-1"])
def test_a_dataset_seed_out_of_range_is_a_form_error_that_keeps_the_form(curator, seed):
    response = curator.post(
        "/curation/datasets/new/",
        {"name": "big-seed", "lengths": ["medium"], "test_fraction": 0.2, "seed": seed},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ensure this value is" in html and 'value="big-seed"' in html
    assert not Dataset.objects.exists()


def test_the_largest_seed_makes_a_dataset(curator, labelled_karyograms):
    labelled_karyograms(1, 1)
    response = curator.post(
        "/curation/datasets/new/",
        {"name": "max-seed", "lengths": ["medium"], "test_fraction": 0, "seed": SEED_MAX},
    )
    assert response.status_code == 302 and Dataset.objects.get().seed == SEED_MAX


def test_the_model_field_validates_the_bound_for_admin_and_serializers():
    field = Dataset._meta.get_field("seed")
    field.run_validators(SEED_MAX)
    with pytest.raises(ValidationError):
        field.run_validators(SEED_MAX + 1)


def test_the_seed_inputs_carry_min_and_max(curator, counted_dataset):
    dataset_input = _seed_input(curator.get("/curation/datasets/new/").content.decode())
    dataset = counted_dataset("seeds", curator.user)
    training_input = _seed_input(curator.get(f"/curation/datasets/{dataset.pk}/").content.decode())
    for tag in (dataset_input, training_input):
        assert 'min="0"' in tag and f'max="{SEED_MAX}"' in tag, tag


@pytest.mark.parametrize("seed", TOO_LARGE)
def test_a_training_seed_out_of_range_starts_no_run_and_says_why(curator, counted_dataset, seed):
    dataset = counted_dataset("train-seed", curator.user)
    response = curator.post(
        f"/curation/datasets/{dataset.pk}/train/", {"preset": "tiny", "seed": seed}, follow=True
    )
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Training not started: correct the training form below (see seed)." in text
    assert "Ensure this value is less than or equal to 4294967295" in response.content.decode()  # beside it
    assert not TrainingRun.objects.exists()


def test_a_refused_training_form_comes_back_as_typed(curator, counted_dataset):
    """Before, the page redirected to an empty form: every value typed was lost with the one out of range."""
    dataset = counted_dataset("typed", curator.user)
    response = curator.post(
        f"/curation/datasets/{dataset.pk}/train/",
        {"preset": "tiny", "n_epochs": "7", "batch_size": "3", "lr": "0.5", "seed": "42"},
    )
    html = response.content.decode()
    assert response.status_code == 400 and not TrainingRun.objects.exists()
    for name, value in (("n_epochs", "7"), ("batch_size", "3"), ("lr", "0.5"), ("seed", "42")):
        assert re.search(rf'name="{name}" value="{value}"', html), name
    assert '<option value="tiny" selected>' in html
    assert "Ensure this value is less than or equal to 0.01" in html.split('name="lr"')[1][:600]
