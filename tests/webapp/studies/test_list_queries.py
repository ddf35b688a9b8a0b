"""Study lists (API and curator page) cost a fixed number of queries, however many studies there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import EnhancementJobFactory, KaryogramFactory, png_bytes
from webapp.studies.models import Study, StudyCase

pytestmark = pytest.mark.django_db


@pytest.fixture
def add_studies(make_user):
    """`add(n)`: n more studies, each with two cases (one with text outside its slots) and two raters."""
    import numpy as np

    owner = make_user("curator", "study-owner")
    raters = [make_user("rater", name) for name in ("rater-a", "rater-b")]
    jobs = [
        EnhancementJobFactory(karyogram=KaryogramFactory(png=png_bytes(np.full((9, 12), 50 + i, np.uint8))))
        for i in range(2)
    ]

    def add(n: int) -> None:
        for _ in range(n):
            study = Study.objects.create(name=f"S{Study.objects.count()}", created_by=owner)
            study.raters.set(raters)
            StudyCase.objects.create(study=study, job=jobs[0])
            StudyCase.objects.create(study=study, job=jobs[1], text_outside=[{"where": "header", "box": [0]}])

    return add


def _queries(get, url: str) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = get(url)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("role", ["curator", "rater"])
def test_the_study_list_api_needs_as_many_queries_for_5_studies_as_for_2(api_as, add_studies, role):
    client = api_as(role, "rater-a" if role == "rater" else None)
    add_studies(2)
    few, _ = _queries(client.get, "/api/studies/")
    add_studies(3)
    many, response = _queries(client.get, "/api/studies/")
    assert len(response.json()["results"]) == 5
    assert many == few


def test_the_curator_list_of_studies_in_the_api_counts_cases_items_and_texts(api_as, add_studies):
    add_studies(1)
    [study] = api_as("curator").get("/api/studies/").json()["results"]
    _, case_with_text = StudyCase.objects.filter(study_id=study["id"]).order_by("pk")
    assert study["cases"] == 2 and study["items_per_rater"] == 4 and study["raters"] == ["rater-a", "rater-b"]
    assert study["text_outside_slots"] == [
        {
            "study_case": case_with_text.pk,
            "karyogram": case_with_text.job.karyogram_id,
            "text": [{"where": "header", "box": [0]}],
            "blanked": False,
        }
    ]


def test_the_study_list_page_needs_as_many_queries_for_5_studies_as_for_2(signed_in, add_studies):
    client = signed_in("study-owner")
    add_studies(2)
    few, _ = _queries(client.get, "/studies/")
    add_studies(3)
    many, response = _queries(client.get, "/studies/")
    assert many == few
    assert response.content.decode().count("<td>2</td><td>2</td>") == 5  # cases, raters
