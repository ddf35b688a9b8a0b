"""What a new study is refused: more hidden repeats than it can serve, and the same file twice."""

import numpy as np
import pytest
from django.core.files.base import ContentFile

from tests.factories import EnhancementJobFactory, png_bytes
from webapp.cases.models import JobState, Karyogram
from webapp.studies.models import Assignment, Study, StudyImage

pytestmark = pytest.mark.django_db


def _form(karyograms, rater, repeats) -> dict:
    return {
        "name": "QA study",
        "instructions": "",
        "repeats": repeats,
        "karyograms": [k.pk for k in karyograms],
        "raters": [rater.pk],
    }


@pytest.mark.parametrize("repeats", [4, 5, 21, 1_000_000])
def test_the_page_refuses_more_repeats_than_can_be_served(make_user, finished_karyograms, repeats, signed_in):
    make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    response = signed_in("cura").post("/studies/new/", _form(finished_karyograms(3), rater, repeats))
    assert response.status_code == 200 and not Study.objects.exists()
    errors = " ".join(response.context["form"].errors["repeats"])
    assert "from 0 to 3 for 3 karyograms" in errors, errors


def test_the_page_states_the_items_each_rater_gets(make_user, finished_karyograms, signed_in):
    make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    curator = signed_in("cura")
    response = curator.post("/studies/new/", _form(finished_karyograms(3), rater, 3))
    study = Study.objects.get()
    assert response.status_code == 302
    page = curator.get(f"/studies/{study.pk}/").content.decode()
    assert Assignment.objects.filter(study=study, rater=rater).count() == 9
    assert "3 cases, 9 items per rater" in page and "hidden repeats per rater: 3" in page
    assert "0 of 9" in page


def test_a_study_made_before_the_cap_reports_the_repeats_it_serves(make_user, finished_karyograms, signed_in):
    from webapp.studies import services

    make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    study = services.create_study(
        name="Old", instructions="", karyograms=finished_karyograms(3), raters=[rater], created_by=rater
    )
    Study.objects.filter(pk=study.pk).update(repeats=5)  # as stored before repeats were validated
    page = signed_in("cura").get(f"/studies/{study.pk}/").content.decode()
    assert "9 items per rater" in page and "hidden repeats per rater: 3" in page


@pytest.mark.parametrize("repeats", [-1, 4, 21, 500_000])
def test_the_api_refuses_more_repeats_than_can_be_served(api_as, finished_karyograms, repeats):
    curator = api_as("curator", "cora")
    api_as("rater", "rater1")
    response = curator.post(
        "/api/studies/",
        {
            "name": "Q",
            "karyograms": [k.pk for k in finished_karyograms(3)],
            "raters": ["rater1"],
            "repeats": repeats,
        },
        format="json",
    )
    assert response.status_code == 400 and "repeats" in response.json(), response.content
    assert not Study.objects.exists()


def test_the_api_reports_the_items_each_rater_gets(api_as, finished_karyograms):
    curator = api_as("curator", "cora")
    rater = api_as("rater", "rater1")
    response = curator.post(
        "/api/studies/",
        {
            "name": "Q",
            "karyograms": [k.pk for k in finished_karyograms(3)],
            "raters": ["rater1"],
            "repeats": 3,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["items_per_rater"] == 9
    assert rater.get(f"/api/studies/{response.json()['id']}/next/").json()["total"] == 9


def test_the_api_schema_bounds_repeats(api_as):
    schema = api_as("curator", "cora").get("/api/schema/?format=json").json()
    repeats = schema["components"]["schemas"]["Study"]["properties"]["repeats"]
    assert repeats["minimum"] == 0 and repeats["maximum"] == 20


def _finished_copy(karyogram, accession: str):
    """The same file as `karyogram`, uploaded to another case, with a finished enhancement."""
    with karyogram.original.open("rb") as f:
        data = f.read()
    job = EnhancementJobFactory(
        karyogram__case__accession=accession,
        karyogram__case__created_by=karyogram.uploaded_by,
        karyogram__name="same.png",
        karyogram__png=data,
        state=JobState.DONE,
        progress=100,
        model_version="cpu-small:abc123",
    )
    job.result.save("enhanced.png", ContentFile(png_bytes(np.full((90, 120), 210, np.uint8))))
    assert job.karyogram.sha256 == karyogram.sha256
    return job.karyogram


@pytest.fixture
def same_file_twice(finished_karyograms):
    first, other = finished_karyograms(2)
    return [first, other, _finished_copy(first, "QA-0002")]


def test_the_form_marks_the_second_copy_of_a_file_before_it_is_chosen(make_user, same_file_twice, signed_in):
    make_user("curator", "cura")
    offered = signed_in("cura").get("/studies/new/").content.decode()
    assert "QA-0002 · same.png (the same file as ACC-SECRET-000 · patient-0-original.png)" in offered
    assert "patient-0-original.png (the same file" not in offered  # the first copy is offered plainly
    assert "ACC-SECRET-001 · patient-1-original.png (" not in offered


def test_the_page_refuses_the_same_file_under_two_cases(make_user, same_file_twice, signed_in):
    make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    response = signed_in("cura").post("/studies/new/", _form(same_file_twice, rater, 0))
    assert response.status_code == 200
    message = " ".join(response.context["form"].errors["karyograms"])
    assert "ACC-SECRET-000 · patient-0-original.png and QA-0002 · same.png" in message
    assert "same file" in message
    assert not Study.objects.exists() and not StudyImage.objects.exists()


def test_the_api_refuses_the_same_file_under_two_cases(api_as, same_file_twice):
    curator = api_as("curator", "cora")
    api_as("rater", "rater1")
    response = curator.post(
        "/api/studies/",
        {"name": "Q", "karyograms": [k.pk for k in same_file_twice], "raters": ["rater1"]},
        format="json",
    )
    assert response.status_code == 400
    assert "ACC-SECRET-000 · patient-0-original.png and QA-0002 · same.png" in response.json()["detail"]
    assert not Study.objects.exists() and not StudyImage.objects.exists()


def test_the_service_refuses_the_same_file_under_two_cases(make_user, same_file_twice):
    from webapp.studies import services

    rater = make_user("rater", "rhea")
    with pytest.raises(services.StudyError, match="same file"):
        services.create_study(
            name="S", instructions="", karyograms=same_file_twice, raters=[rater], created_by=rater
        )
    assert not Study.objects.exists()


def test_no_more_than_twenty_repeats_even_with_many_karyograms():
    from webapp.studies import services

    services.check_repeats(20, 30)
    with pytest.raises(services.StudyError, match="from 0 to 20 for 30 karyograms"):
        services.check_repeats(21, 30)


def test_a_karyogram_finished_while_the_form_is_drawn_is_offered_without_an_error(
    make_user, finished_karyograms
):
    """Review: the form's map of first copies was made before a job finished, then drawn with it: a 500."""
    from webapp.studies.forms import StudyForm

    make_user("curator", "cura")
    finished_karyograms(2)
    form = StudyForm()
    late = _finished_copy(Karyogram.objects.first(), "QA-LATE")
    other = EnhancementJobFactory(
        karyogram__case__accession="QA-NEW", karyogram__name="new.png", state=JobState.DONE, progress=100
    ).karyogram
    html = str(form["karyograms"])
    assert "QA-NEW · new.png" in html and "QA-LATE · same.png" in html and other.pk and late.pk


def test_the_repeats_help_says_what_is_enforced(make_user, finished_karyograms, signed_in):
    """Walk-through: the form said "at most one per case", the README "one per karyogram". What is enforced is a
    count: no more repeats than the study has karyograms (several of one patient case count each), and a
    karyogram's original and enhanced image may both come back."""
    from webapp.studies import services
    from webapp.studies.ordering import rater_order

    make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    karyograms = finished_karyograms(3)
    Karyogram.objects.filter(pk__in=[k.pk for k in karyograms]).update(case=karyograms[0].case)  # one patient
    client = signed_in("cura")
    form = client.get("/studies/new/")
    help_text = form.context["form"]["repeats"].help_text
    assert help_text == (
        "hidden repeats per rater, for consistency: 0 to 20, and no more than the number of karyograms in the "
        "study; each repeat shows a different image again (both images of one karyogram may be repeated)"
    )
    assert help_text in form.content.decode() and "one per case" not in form.content.decode()
    response = client.post("/studies/new/", _form(karyograms, rater, 3))  # 3 repeats from one patient case
    study = Study.objects.get()
    assert response.status_code == 302 and study.repeats == 3
    assert Assignment.objects.filter(study=study, repeat=True).count() == 3
    with pytest.raises(services.StudyError, match="from 0 to 3 for 3 karyograms"):
        services.check_repeats(4, 3)
    both = [  # an order that repeats the original and the enhanced image of one karyogram
        seed
        for seed in range(20)
        if any(
            {s.arm for s in rater_order(4, seed, 4) if s.repeat and s.case == case}
            == {"original", "enhanced"}
            for case in range(4)
        )
    ]
    assert both
