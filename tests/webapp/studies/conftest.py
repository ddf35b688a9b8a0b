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
