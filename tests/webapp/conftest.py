import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture
def api_as(make_user):
    """An API client authenticated with a token for a new user of `role`."""

    def client_for(role: str, username: str | None = None) -> APIClient:
        user = make_user(role, username or f"api-{role}")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        client.user = user
        return client

    return client_for
