"""The analysis time (H3) is the time the rater had the item in front of them: the clock restarts when the
item is served again, and the time the page was hidden (reported by the browser, checked) is subtracted."""

from datetime import timedelta

import pytest
from django.utils import timezone

from webapp.studies import services
from webapp.studies.models import Assignment, Rating

pytestmark = pytest.mark.django_db

SCORES = {"abnormality": "none", "quality": 3, "sharpness": 2}


@pytest.fixture
def study(make_user, finished_karyograms):
    curator = make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    return services.create_study(
        name="S", instructions="", karyograms=finished_karyograms(2), raters=[rater], created_by=curator
    )


def _shown_ago(token: str, seconds: float) -> None:
    """As if the item had been served `seconds` ago."""
    Assignment.objects.filter(token=token).update(shown_at=timezone.now() - timedelta(seconds=seconds))


def test_a_return_to_the_item_restarts_its_clock(study, signed_in):
    """QA: study 8 item 1, opened, tab closed, back minutes later, rated in seconds: recorded as 367 s."""
    client = signed_in("rhea")
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    _shown_ago(token, 367)  # first showing, then the rater left
    again = client.get(f"/rate/{study.pk}/?item={token}")
    assert again.context["assignment"].token == token and again.context["elapsed"] < 5
    assert client.post(f"/rate/{study.pk}/", {"item": token, **SCORES}).status_code == 302
    rating = Rating.objects.get()
    assert rating.measured_seconds < 5 and rating.duration_seconds == rating.measured_seconds


def test_the_api_restarts_the_clock_when_the_item_is_asked_for_again(study, api_as):
    rater = api_as("rater", "api-rater")
    services.add_raters(study, [rater.user], study.created_by)
    token = rater.get(f"/api/studies/{study.pk}/next/").json()["item"]
    _shown_ago(token, 367)
    assert rater.get(f"/api/studies/{study.pk}/next/").json()["item"] == token
    response = rater.post(f"/api/studies/{study.pk}/ratings/", {"item": token, **SCORES}, format="json")
    assert response.status_code == 201 and response.json()["duration_seconds"] < 5


def test_a_form_shown_again_with_its_errors_keeps_the_clock_running(study, signed_in):
    client = signed_in("rhea")
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    _shown_ago(token, 30)
    wrong = client.post(f"/rate/{study.pk}/", {"item": token, **SCORES, "quality": 9})
    assert wrong.status_code == 400 and wrong.context["elapsed"] >= 30
    client.post(f"/rate/{study.pk}/", {"item": token, **SCORES})
    assert 30 <= Rating.objects.get().measured_seconds < 35


def test_the_time_the_page_was_hidden_is_subtracted(study, api_as, signed_in):
    client = signed_in("rhea")
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    _shown_ago(token, 100)
    assert (
        client.post(f"/rate/{study.pk}/", {"item": token, **SCORES, "hidden_seconds": 60}).status_code == 302
    )
    rating = Rating.objects.get()
    assert 40 <= rating.measured_seconds < 45 and rating.hidden_seconds == 60
    assert rating.duration_seconds == rating.measured_seconds

    rater = api_as("rater", "api-rater")
    services.add_raters(study, [rater.user], study.created_by)
    item = rater.get(f"/api/studies/{study.pk}/next/").json()["item"]
    _shown_ago(item, 50)
    body = {"item": item, **SCORES, "hidden_seconds": 20.5}
    response = rater.post(f"/api/studies/{study.pk}/ratings/", body, format="json")
    assert response.status_code == 201 and 29.5 <= response.json()["duration_seconds"] < 35
    # a correction keeps the first answer's time; a hidden time sent with it changes nothing
    corrected = rater.post(
        f"/api/studies/{study.pk}/ratings/", {**body, "hidden_seconds": 0, "reason": "typo"}, format="json"
    )
    assert corrected.json()["duration_seconds"] == response.json()["duration_seconds"]


@pytest.mark.parametrize(
    ("hidden", "message"),
    [
        (-5, "must be from 0 to the"),
        (1000, "must be from 0 to the"),
        ("nan", "must be from 0 to the"),
        ("soon", "must be a number of seconds"),
    ],
)
def test_a_hidden_time_below_zero_or_beyond_the_servers_is_refused(study, hidden, message, signed_in):
    client = signed_in("rhea")
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    _shown_ago(token, 100)
    response = client.post(f"/rate/{study.pk}/", {"item": token, **SCORES, "hidden_seconds": hidden})
    assert response.status_code == 400 and Rating.objects.count() == 0
    if hidden in (-5, 1000):  # the form takes any finite number: the service checks it against its clock
        assert message in response.content.decode()
    with pytest.raises(services.StudyError, match=message):
        services.submit_rating(study, study.raters.get(), token, **SCORES, hidden_seconds=hidden)


@pytest.mark.parametrize("hidden", [-1, 1000, "x", True, 10**400, [1]])
def test_the_api_refuses_a_hidden_time_below_zero_or_beyond_the_servers(study, api_as, hidden):
    rater = api_as("rater", "api-rater")
    services.add_raters(study, [rater.user], study.created_by)
    item = rater.get(f"/api/studies/{study.pk}/next/").json()["item"]
    _shown_ago(item, 100)
    body = {"item": item, **SCORES, "hidden_seconds": hidden}
    response = rater.post(f"/api/studies/{study.pk}/ratings/", body, format="json")
    assert response.status_code == 400 and Rating.objects.count() == 0


@pytest.mark.parametrize("corrected", ["x", True, 10**400, [1]], ids=["text", "boolean", "huge", "list"])
def test_the_api_refuses_a_corrected_time_that_is_not_a_number(study, api_as, corrected):
    """Parsed as the hidden time is: a boolean is not 1 s, and a number too large for a float is no 500."""
    rater = api_as("rater", "api-rater")
    services.add_raters(study, [rater.user], study.created_by)
    item = rater.get(f"/api/studies/{study.pk}/next/").json()["item"]
    body = {"item": item, **SCORES, "duration_seconds": corrected, "reason": "clock"}
    response = rater.post(f"/api/studies/{study.pk}/ratings/", body, format="json")
    assert response.status_code == 400 and Rating.objects.count() == 0
    assert response.json() == {"duration_seconds": ["The corrected time must be a number of seconds."]}
