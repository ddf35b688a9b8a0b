"""Adding raters to an open study (page and API): each gets their own stored order, as at creation."""

import pytest

from webapp.audit.models import AuditEvent
from webapp.studies import services
from webapp.studies.models import Assignment, Study
from webapp.studies.ordering import rater_order, rater_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_study(make_user, finished_karyograms):
    """A study of 4 karyograms and one hidden repeat, made for rater1 alone; rater2 invited later."""
    curator = make_user("curator", "cora")
    first = make_user("rater", "rater1")
    study = services.create_study(
        name="Pilot",
        instructions="",
        karyograms=finished_karyograms(4),
        raters=[first],
        created_by=curator,
        repeats=1,
    )
    return study, first, make_user("rater", "rater2")


def _shown(study: Study, rater) -> list[tuple[str, str, bool]]:
    return [
        (a.image.study_case.job.karyogram.case.accession, a.image.arm, a.repeat)
        for a in Assignment.objects.filter(study=study, rater=rater).order_by("position")
    ]


def _expected(study: Study, rater) -> list[tuple[str, str, bool]]:
    """The order a rater chosen at creation gets: case i is the i-th karyogram given, ACC-SECRET-i."""
    order = rater_order(4, rater_seed(study.secret, study.pk, rater.pk), study.repeats)
    return [(f"ACC-SECRET-{s.case:03d}", s.arm, s.repeat) for s in order]


def _tokens(study: Study) -> list[str]:
    return list(Assignment.objects.filter(study=study).order_by("pk").values_list("token", flat=True))


def test_the_api_adds_a_rater_with_their_own_stored_order(open_study, api_as, signed_in):
    study, first, second = open_study
    curator = api_as("curator", "cura-api")
    before = _tokens(study)
    response = curator.post(f"/api/studies/{study.pk}/raters/", {"raters": ["rater2"]}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["raters"] == ["rater1", "rater2"] and response.json()["items_per_rater"] == 9
    assert _shown(study, second) == _expected(study, second) and len(_shown(study, second)) == 9
    assert _shown(study, first) == _expected(study, first)
    assert _tokens(study)[: len(before)] == before  # rater1's items (and their tokens) are untouched
    event = AuditEvent.objects.get(action="study-raters-added")
    assert event.username == "cura-api" and event.target == {"study": study.pk, "raters": ["rater2"]}

    rater = signed_in("rater2")
    assert rater.get("/api/studies/").json()["results"][0]["total"] == 9
    assert rater.get(f"/rate/{study.pk}/").context["assignment"].position == 0


@pytest.mark.parametrize(
    ("raters", "message"),
    [
        (["rater1"], "Already raters of this study: rater1"),
        (["rater2", "rater1"], "Already raters of this study: rater1"),
        (["tess"], "These users do not have the rater role: tess"),
        (["nobody"], "nobody"),
        ([], "empty"),
    ],
)
def test_the_api_refuses_raters_it_cannot_add(open_study, api_as, make_user, raters, message):
    study, _, _ = open_study
    make_user("technologist", "tess")
    curator = api_as("curator", "cura-api")
    before = _tokens(study)
    response = curator.post(f"/api/studies/{study.pk}/raters/", {"raters": raters}, format="json")
    assert response.status_code == 400 and message in " ".join(response.json()["raters"])
    assert _tokens(study) == before and not AuditEvent.objects.filter(action="study-raters-added").exists()
    assert [u.username for u in Study.objects.get(pk=study.pk).raters.all()] == ["rater1"]


def test_the_api_refuses_to_add_to_a_closed_study(open_study, api_as):
    study, _, second = open_study
    curator = api_as("curator", "cura-api")
    assert curator.post(f"/api/studies/{study.pk}/close/").status_code == 200
    response = curator.post(f"/api/studies/{study.pk}/raters/", {"raters": ["rater2"]}, format="json")
    assert response.status_code == 400 and "closed" in response.json()["raters"][0]
    assert not Assignment.objects.filter(rater=second).exists()


@pytest.mark.parametrize("role", ["rater", "technologist"])
def test_only_curators_and_admins_add_raters(open_study, api_as, role):
    study, _, second = open_study
    response = api_as(role, f"x-{role}").post(
        f"/api/studies/{study.pk}/raters/", {"raters": ["rater2"]}, format="json"
    )
    assert response.status_code == 403 and not Assignment.objects.filter(rater=second).exists()


def test_the_page_adds_raters_with_csrf_and_says_so(open_study, make_user, signed_in):
    study, first, second = open_study
    third = make_user("rater", "rater3")
    make_user("curator", "cura")
    curator = signed_in("cura", enforce_csrf_checks=True)
    page = curator.get(f"/studies/{study.pk}/")
    html = page.content.decode()
    assert f'action="/studies/{study.pk}/raters/"' in html and "csrfmiddlewaretoken" in html
    assert f'value="{second.pk}"' in html and f'value="{third.pk}"' in html
    assert f'value="{first.pk}"' not in html  # already in the study: not offered
    url = f"/studies/{study.pk}/raters/"
    assert curator.post(url, {"raters": [second.pk]}).status_code == 403  # no CSRF token
    token = page.cookies["csrftoken"].value
    response = curator.post(url, {"raters": [second.pk, third.pk], "csrfmiddlewaretoken": token}, follow=True)
    assert response.redirect_chain == [(f"/studies/{study.pk}/", 302)]
    html = response.content.decode()
    assert "Added rater2, rater3: each has their own order of the 9 items." in html
    assert html.count("0 of 9") == 3 and "Every rater is already in this study." in html
    for rater in (second, third):
        assert _shown(study, rater) == _expected(study, rater)
    assert AuditEvent.objects.get(action="study-raters-added").target["raters"] == ["rater2", "rater3"]


def test_the_page_refuses_with_the_reason(open_study, make_user, signed_in):
    study, first, second = open_study
    make_user("curator", "cura")
    tess = make_user("technologist", "tess")
    curator = signed_in("cura")
    url = f"/studies/{study.pk}/raters/"
    for posted, message in [
        ([first.pk], "Already raters of this study: rater1"),
        ([tess.pk], "These users do not have the rater role: tess"),
        ([], "Choose at least one rater to add."),
    ]:
        response = curator.post(url, {"raters": posted})
        assert response.status_code == 400 and message in response.content.decode()
    curator.post(f"/studies/{study.pk}/state/", {"state": "closed"})
    assert "Open the study again to add raters." in curator.get(f"/studies/{study.pk}/").content.decode()
    response = curator.post(url, {"raters": [second.pk]})
    assert response.status_code == 400 and "This study is closed" in response.content.decode()
    assert not Assignment.objects.filter(rater=second).exists()
    assert not AuditEvent.objects.filter(action="study-raters-added").exists()


def test_the_study_page_counts_each_raters_progress_on_their_own(open_study, make_user, signed_in):
    """The progress of every rater is counted in one query; one rater's ratings (a correction too) are not
    counted for another, nor twice."""
    study, first, second = open_study
    services.add_raters(study, [second], study.created_by)
    for _ in range(2):
        item = services.next_assignment(study, first)
        services.submit_rating(study, first, item.token, abnormality="none", quality=3, sharpness=3)
    services.submit_rating(
        study, first, item.token, abnormality="+8", quality=3, sharpness=3, reason="second look"
    )
    make_user("curator", "cura")
    page = signed_in("cura").get(f"/studies/{study.pk}/")
    assert [(r.username, rated, total) for r, rated, total in page.context["raters"]] == [
        ("rater1", 2, 9),
        ("rater2", 0, 9),
    ]
