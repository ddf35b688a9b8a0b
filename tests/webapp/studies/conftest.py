"""Fixtures of the studies tests."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD


@pytest.fixture
def signed_in(db):
    """A page client signed in as `username` (password PASSWORD); keyword arguments go to `Client`."""

    def sign_in(username: str, **kwargs) -> Client:
        client = Client(**kwargs)
        assert client.login(username=username, password=PASSWORD)
        return client

    return sign_in


@pytest.fixture
def rhea_rating(make_user, finished_karyograms, signed_in):
    """A study of 2 finished karyograms made by curator "cura" for rater "rhea": `(study, rhea's client)`."""

    def make(instructions: str = ""):
        from webapp.studies import services

        curator = make_user("curator", "cura")
        rater = make_user("rater", "rhea")
        study = services.create_study(
            name="S",
            instructions=instructions,
            karyograms=finished_karyograms(2),
            raters=[rater],
            created_by=curator,
        )
        return study, signed_in("rhea")

    return make
