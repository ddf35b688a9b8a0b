"""The audit trail in the Django admin names each event's target as a person reads it (the model, and the
object linked, or marked deleted), not as the stored JSON ({"pk": "2"}); the trail stays read-only."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import PASSWORD
from tests.factories import CaseFactory
from webapp.audit import targets
from webapp.audit.middleware import AUDITED_READS
from webapp.audit.models import AuditEvent
from webapp.cases import services as case_services
from webapp.studies import services as study_services

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/audit/auditevent/"


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def trail(make_user, finished_karyograms):
    """Events of real requests and services: a case read and one since deleted, a study's CSV, a moved
    karyogram and a study image by its token; with the admin's client and the objects."""
    boss, tina, cora = (
        make_user("admin", "boss"),
        make_user("technologist", "tina"),
        make_user("curator", "cora"),
    )
    kept = CaseFactory(accession="ACC-KEPT", created_by=tina)
    gone = CaseFactory(accession="ACC-GONE", created_by=tina)
    technologist = _client(tina)
    for case in (kept, gone):
        assert technologist.get(f"/cases/{case.pk}/").status_code == 200
    gone_pk = gone.pk
    gone.delete()
    karyograms = finished_karyograms(2)
    study = study_services.create_study(
        name="Pilot",
        instructions="",
        karyograms=karyograms,
        raters=[make_user("rater", "rhea")],
        created_by=cora,
    )
    assert _client(cora).get(f"/studies/{study.pk}/ratings.csv").status_code == 200
    case_services.move_karyogram(
        karyograms[1], accession="ACC-KEPT", reason="filed under the wrong case", user=tina
    )
    AuditEvent.objects.create(
        username="rhea",
        action="rate-image",
        method="GET",
        path="/api/items/abc/image/",
        target={"token": "abc"},
        status=200,
    )
    return _client(boss), {"kept": kept, "gone_pk": gone_pk, "study": study, "moved": karyograms[1]}


def test_the_changelist_names_each_target_with_its_model_and_a_link(trail):
    client, made = trail
    html = client.get(CHANGELIST).content.decode()
    kept, study, moved = made["kept"], made["study"], made["moved"]
    assert f'Case: <a href="/admin/cases/case/{kept.pk}/change/">ACC-KEPT</a>' in html
    assert f"Case #{made['gone_pk']} (deleted)" in html  # its event stays, and still says what it was
    assert f'Study: <a href="/admin/studies/study/{study.pk}/change/">Pilot</a> · what: ratings' in html
    # an event the product wrote: the karyogram (no admin page of its own) by name, then the move's details
    assert f"Karyogram: ACC-KEPT: {moved.original_name} · " in html  # as it is now, in the case it went to
    assert (
        "from: ACC-SECRET-001" in html
        and "to: ACC-KEPT" in html
        and "reason: filed under the wrong case" in html
    )
    assert "token: abc" in html  # no object to name: the arguments, readable
    assert "{&quot;" not in html and '{"pk"' not in html  # no stored JSON in the target column


def test_the_targets_are_loaded_per_model_not_per_row(trail):
    client, made = trail
    with CaptureQueriesContext(connection) as few:
        client.get(CHANGELIST)
    for _ in range(20):
        case = CaseFactory(created_by=made["kept"].created_by)
        AuditEvent.objects.create(
            action="case-detail", method="GET", path="/", target={"pk": str(case.pk)}, status=200
        )
    with CaptureQueriesContext(connection) as many:
        html = client.get(CHANGELIST).content.decode()
    assert html.count("Case: <a href=") == 21
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_event_page_shows_the_target_readably_and_nothing_can_be_changed(trail):
    client, made = trail
    event = AuditEvent.objects.get(action="study-csv")
    page = client.get(f"{CHANGELIST}{event.pk}/change/")
    html = page.content.decode()
    assert (
        page.status_code == 200
        and f'Study: <a href="/admin/studies/study/{made["study"].pk}/change/">Pilot</a>' in html
    )
    assert (
        'name="_save"' not in html
        and f'href="{CHANGELIST}add/"' not in client.get(CHANGELIST).content.decode()
    )
    assert client.get(f"{CHANGELIST}add/").status_code == 403
    assert client.post(f"{CHANGELIST}{event.pk}/change/", {"action": "changed"}).status_code == 403
    assert client.post(f"{CHANGELIST}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.get(pk=event.pk).action == "study-csv"


def test_every_url_that_takes_an_object_says_which_model_it_is():
    """A new view whose `pk` the trail could not name fails here until its view declares a model or it is in
    PK_MODELS; PK_MODELS names only real URLs."""
    names = {
        p.name
        for p in targets._patterns(targets.get_resolver().url_patterns)
        if p.name and set(targets.PK_ARGUMENTS) & set(p.pattern.regex.groupindex)
    }
    assert names - set(targets.url_models()) == {"view_on_site"}  # the admin's: any model, and never audited
    assert set(targets.PK_MODELS) <= names
    assert {"case-detail", "job-detail", "study-statistics", "api-job-result"} <= set(targets.url_models())
    # the audited reads whose URL holds no object: lists, the comparison form, an item by its rating token
    assert AUDITED_READS - set(targets.url_models()) == {
        "api-karyogram-list",
        "api-job-list",
        "model-compare",
        "rate-image",
    }
