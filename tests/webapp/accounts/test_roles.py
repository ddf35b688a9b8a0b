import re

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from tests.conftest import PASSWORD
from webapp.accounts.roles import Role, assign_role, has_role, roles_of


@pytest.mark.django_db
def test_migrations_create_one_group_per_role():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}


@pytest.mark.django_db
@pytest.mark.parametrize("role", [r.value for r in Role])
def test_adduser_creates_user_with_role(role, django_user_model):
    call_command("adduser", "alice", role=role, password="a-long-enough-passphrase")
    user = django_user_model.objects.get(username="alice")
    assert user.check_password("a-long-enough-passphrase")
    assert roles_of(user) == {Role(role)}
    assert user.is_staff is (role == "admin")


@pytest.mark.django_db
def test_adduser_refuses_duplicates_and_weak_passwords(django_user_model):
    call_command("adduser", "bob", role="rater", password="a-long-enough-passphrase")
    with pytest.raises(CommandError, match="already exists"):
        call_command("adduser", "bob", role="rater", password="a-long-enough-passphrase")
    with pytest.raises(CommandError, match="Password rejected"):
        call_command("adduser", "carol", role="rater", password="123")
    assert not django_user_model.objects.filter(username="carol").exists()


@pytest.mark.django_db
def test_has_role_checks_membership(make_user):
    rater = make_user("rater")
    assert has_role(rater, [Role.RATER])
    assert not has_role(rater, [Role.TECHNOLOGIST, Role.CURATOR])


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_prints_logins(django_user_model, settings, tmp_path, capsys):
    from webapp.cases.models import Case, EnhancementJob

    settings.VAR_DIR = tmp_path
    call_command("seed_demo")
    first = capsys.readouterr().out
    call_command("seed_demo")
    second = capsys.readouterr().out
    assert "created" in first and "created" not in second
    assert first.split("Demo logins")[1] == second.split("Demo logins")[1]
    password = first.split("demo-tech")[1].split("password:")[1].split()[0]
    assert django_user_model.objects.get(username="demo-tech").check_password(password)
    assert (tmp_path / "demo_logins.json").stat().st_mode & 0o777 == 0o600
    assert f"Demo logins (also in {tmp_path / 'demo_logins.json'}):" in first  # where they are, not var/
    assert Case.objects.filter(accession__startswith="DEMO-").count() == 4
    assert EnhancementJob.objects.filter(state="queued").count() == 4  # sent when the stack starts


@pytest.mark.django_db
def test_a_rater_signs_in_to_their_studies_and_everyone_else_to_the_home_page(make_user):
    """Before, a rater landed on the home page, whose one button for them led to the pages they came for."""
    make_user("rater", "rita")
    make_user("technologist", "tina")
    both = make_user("rater", "rhea")
    assign_role(both, Role.CURATOR)
    for username, landing in (("rita", "/rate/"), ("tina", "/"), ("rhea", "/")):
        response = Client().post("/accounts/login/", {"username": username, "password": PASSWORD})
        assert response.status_code == 302 and response["Location"] == landing, username
    response = Client().post("/accounts/login/?next=/rate/1/", {"username": "rita", "password": PASSWORD})
    assert response["Location"] == "/rate/1/"  # a link the rater followed still wins


def test_a_locked_out_login_says_for_how_long_without_an_admin_command(make_user, settings):
    """The lockout page told users to run `manage.py axes_reset_username NAME` and not how long it lasts."""
    settings.AXES_ENABLED = True
    make_user("technologist", "tess")
    client = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "tess", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "tess", "password": PASSWORD})
    page = " ".join(locked.content.decode().split())
    assert locked.status_code == 429 and "manage.py" not in page
    assert f"After {settings.AXES_FAILURE_LIMIT} wrong passwords" in page
    assert "It unlocks by itself 15 minutes after the last attempt" in page


@pytest.mark.django_db
def test_the_admin_user_list_shows_each_users_roles(client, make_user, django_user_model):
    """Walk-through: the list had no role column, so an account made without a group did not stand out."""
    make_user("admin", "ada")
    make_user("rater", "rita")
    django_user_model.objects.create_user("nobody", password="x")
    client.force_login(django_user_model.objects.get(username="ada"))
    page = client.get("/admin/auth/user/").content.decode()
    roles = dict(re.findall(r'>(\w+)</a></th><td class="field-roles">([^<]*)<', page))
    assert roles == {
        "ada": "admin",
        "rita": "rater",
        "nobody": "none: this user can open nothing (add a group)",
    }
