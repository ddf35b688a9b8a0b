import pytest
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.mark.django_db
def test_home_says_what_the_product_is(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"CycleGAN" in response.content and b"karyogram" in response.content


@pytest.mark.django_db
def test_login_then_logout(client, make_user):
    make_user("technologist", username="tech")
    response = client.post(reverse("login"), {"username": "tech", "password": PASSWORD}, follow=True)
    assert response.context["user"].username == "tech"
    assert b"technologist" in response.content
    response = client.post(reverse("logout"), follow=True)
    assert not response.context["user"].is_authenticated


@pytest.mark.django_db
def test_a_user_without_a_role_is_told_to_ask_for_one(client, make_user, django_user_model):
    """Walk-through: a user made in the admin without a group landed on a start page with no links and no hint."""
    django_user_model.objects.create_user("nobody", password=PASSWORD)
    client.login(username="nobody", password=PASSWORD)
    assert "Your account has no role yet" in client.get(reverse("home")).content.decode()
    make_user("technologist", username="tech")
    client.login(username="tech", password=PASSWORD)
    assert "Your account has no role yet" not in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_logout_needs_post_and_its_address_opened_shows_a_page_that_says_so(client, make_user):
    """Review: a typed or bookmarked log-out address answered an empty 405, which Chromium shows as its own
    "This page isn't working"."""
    make_user("technologist", username="tech")
    client.login(username="tech", password=PASSWORD)
    response = client.get(reverse("logout"))
    assert response.status_code == 405 and "POST" in response["Allow"]
    page = response.content.decode()
    assert "This address is a button's, not a page" in page and "Nothing was changed" in page
    assert f'action="{reverse("logout")}"' in page  # the page's own header has the Log out button
    assert client.get(reverse("home")).context["user"].is_authenticated  # and nothing was changed


@pytest.mark.django_db
def test_an_api_405_stays_json(client, make_user):
    make_user("technologist", username="tech")
    client.login(username="tech", password=PASSWORD)
    response = client.get("/api/jobs/1/retry/")
    assert response.status_code == 405 and response["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_api_schema_and_offline_docs(client, make_user):
    make_user("technologist", username="tech")
    client.login(username="tech", password=PASSWORD)
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200 and b"openapi" in schema.content
    docs = client.get(reverse("api-docs"))
    assert docs.status_code == 200
    # The docs page loads Swagger UI from this server (sidecar), not from a CDN.
    assert b"cdn" not in docs.content.lower()


@pytest.mark.django_db
def test_api_token_for_valid_credentials_only(client, make_user):
    make_user("technologist", username="tech")
    ok = client.post(reverse("api-token"), {"username": "tech", "password": PASSWORD})
    assert ok.status_code == 200 and len(ok.json()["token"]) == 40
    bad = client.post(reverse("api-token"), {"username": "tech", "password": "wrong"})
    assert bad.status_code == 400


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("technologist", ["/cases/new/"]),
        ("curator", ["/studies/new/"]),
        ("rater", ["/rate/"]),
    ],
)
def test_home_offers_each_role_its_first_step(client, make_user, role, links):
    make_user(role, username=f"{role}-home")
    client.login(username=f"{role}-home", password=PASSWORD)
    start = client.get(reverse("home")).content.decode().split('id="start"')[1].split("</p>")[0]
    assert all(f'href="{link}"' in start for link in links)
    assert start.count("href=") == len(links)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "path", "code", "title"),
    [("technologist", "/cases/999999/", 404, "Not found"), ("rater", "/cases/", 403, "Not allowed")],
)
def test_missing_and_forbidden_pages_keep_the_site_around_them(client, make_user, role, path, code, title):
    make_user(role, username=f"{role}-lost")
    client.login(username=f"{role}-lost", password=PASSWORD)
    response = client.get(path)
    page = response.content.decode()
    assert response.status_code == code
    assert f"<h1>{title}</h1>" in page and 'class="topbar"' in page and 'href="/"' in page


@pytest.mark.django_db
def test_an_unknown_api_path_answers_json_and_an_unknown_page_the_site_page(client, make_user):
    """Walk-through: a script calling /api/jobz/ got the site's HTML page back, not JSON it could read."""
    make_user("technologist", username="tech-lost")
    client.login(username="tech-lost", password=PASSWORD)
    api = client.get("/api/jobz/", HTTP_ACCEPT="application/json")
    assert api.status_code == 404 and api["Content-Type"] == "application/json"
    assert api.json() == {"detail": "Not found."}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and "<h1>Not found</h1>" in page.content.decode()
