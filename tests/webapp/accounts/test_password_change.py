"""A signed-in user changes their password on the app's own pages (it was Django admin's screen, whose links
lead a technologist to the admin sign-in)."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_technologist_changes_their_password_from_the_menu(client, make_user):
    user = make_user("technologist", "tina")
    client.login(username="tina", password=PASSWORD)
    cases = client.get("/cases/").content.decode()
    assert 'href="/accounts/password_change/">Password</a>' in cases
    form = client.get("/accounts/password_change/").content.decode()
    assert "Change your password" in form and "Django administration" not in form and "/admin/" not in form
    wrong = client.post(
        "/accounts/password_change/",
        {"old_password": "nope", "new_password1": "a-Long-new-pw-91", "new_password2": "a-Long-new-pw-91"},
    ).content.decode()
    assert 'class="error"' in wrong and "incorrectly" in wrong
    done = client.post(
        "/accounts/password_change/",
        {"old_password": PASSWORD, "new_password1": "a-Long-new-pw-91", "new_password2": "a-Long-new-pw-91"},
        follow=True,
    ).content.decode()
    assert "Password changed" in done and "Django administration" not in done
    user.refresh_from_db()
    assert user.check_password("a-Long-new-pw-91")
