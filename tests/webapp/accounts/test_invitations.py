"""A study coordinator adds a rater with a one-time invite link; the rater sets a password with it; audited."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.conftest import PASSWORD
from webapp.accounts.roles import Role, has_role
from webapp.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Karyo-rater-2026!"


def _client(username: str) -> Client:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _invite(client: Client, username: str) -> str:
    response = client.post("/accounts/raters/", {"username": username, "email": "r@lab.example"})
    assert response.status_code == 200, response.content.decode()
    return re.search(r'id="invite-link"[^>]*>(http[^<]+)</textarea>', response.content.decode()).group(1)


def test_curator_invites_a_rater_who_sets_a_password_once(make_user):
    make_user("curator", "coord")
    curator = _client("coord")
    assert "Invite a rater" in curator.get("/accounts/raters/").content.decode()
    link = _invite(curator, "new-rater")
    rater = get_user_model().objects.get(username="new-rater")
    assert has_role(rater, [Role.RATER]) and not has_role(
        rater, [Role.CURATOR, Role.TECHNOLOGIST, Role.ADMIN]
    )
    assert not rater.has_usable_password()  # no password to guess or to pass around
    assert "invited, password not set yet" in curator.get("/accounts/raters/").content.decode()
    event = AuditEvent.objects.get(action="rater-invited")
    assert event.username == "coord" and event.target == {"rater": "new-rater", "rater_id": rater.pk}
    assert AuditEvent.objects.filter(action="rater-list", method="POST", username="coord").exists()

    invitee = Client()
    path = link.split("testserver", 1)[1]
    form_page = invitee.get(path, follow=True)
    assert "Set your password" in form_page.content.decode() and form_page.context["validlink"]
    # the rater learns the username to sign in with (a password manager saves the pair)
    assert '<strong id="invite-username">new-rater</strong>' in form_page.content.decode()
    assert 'value="new-rater" autocomplete="username"' in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    weak = invitee.post(set_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert weak.status_code == 200 and "too common" in weak.content.decode()  # Django's validators apply
    done = invitee.post(set_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/rate/"
    assert invitee.get("/rate/").status_code == 200  # signed in as the rater
    assert Client().login(username="new-rater", password=NEW_PASSWORD)
    assert AuditEvent.objects.filter(action="rater-invite-accept", method="POST").exists()

    again = Client().get(path, follow=True)  # one-time: the link is dead once the password is set
    assert not again.context["validlink"] and "not valid" in again.content.decode()
    renew = curator.post(f"/accounts/raters/{rater.pk}/invite/", follow=True)
    assert "already set a password" in renew.content.decode()
    assert "active" in curator.get("/accounts/raters/").content.decode()


def test_renewed_link_and_refusals(make_user):
    make_user("curator", "coord")
    other_curator = make_user("curator", "cura2")
    curator = _client("coord")
    _invite(curator, "late-rater")
    rater = get_user_model().objects.get(username="late-rater")
    renewed = curator.post(f"/accounts/raters/{rater.pk}/invite/")
    assert renewed.status_code == 200 and 'id="invite-link"' in renewed.content.decode()
    assert AuditEvent.objects.filter(action="rater-invite-renewed", target__rater="late-rater").exists()
    # a curator cannot take over another staff account through an "invite"
    refused = curator.post(f"/accounts/raters/{other_curator.pk}/invite/", follow=True)
    assert "only for accounts that are raters" in refused.content.decode()
    duplicate = curator.post("/accounts/raters/", {"username": "LATE-rater"})
    assert duplicate.status_code == 400 and "already exists" in duplicate.content.decode()
    assert curator.post("/accounts/raters/", {"username": "bad name!"}).status_code == 400
    for role in ("rater", "technologist"):
        make_user(role, f"x-{role}")
        assert _client(f"x-{role}").post("/accounts/raters/", {"username": "sneaky"}).status_code == 403
    assert not get_user_model().objects.filter(username="sneaky").exists()


def test_invite_forms_need_their_csrf_token(make_user):
    make_user("curator", "coord")
    client = Client(enforce_csrf_checks=True)
    client.login(username="coord", password=PASSWORD)
    assert client.post("/accounts/raters/", {"username": "no-token"}).status_code == 403
    assert not get_user_model().objects.filter(username="no-token").exists()
