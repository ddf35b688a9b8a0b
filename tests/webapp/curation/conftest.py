import pytest
from django.test import Client

from tests.conftest import PASSWORD
from webapp.curation.datasets import build_dataset, count_cells


@pytest.fixture
def curator(make_user):
    """A logged-in curator's client; the user is `client.user`."""
    user = make_user("curator", "cora")
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    client.user = user
    return client


@pytest.fixture
def counted_dataset(labelled_karyograms):
    """A dataset of one poor and one excellent karyogram, all in train, cells counted: ready to train."""

    def make(name: str, user):
        dataset = build_dataset(
            name=name, karyograms=labelled_karyograms(1, 1), excluded=[], test_fraction=0, seed=0, user=user
        )
        count_cells(dataset)
        return dataset

    return make
