"""The study API: creation by curators, the rater's next item and ratings, statistics and export."""

import csv
import io

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from webapp.studies.models import Assignment, Rating, Study
from webapp.studies.ordering import rater_order, rater_seed

pytestmark = pytest.mark.django_db


@pytest.fixture
def study_setup(api_as, finished_karyograms):
    curator = api_as("curator", "cora")
    raters = [api_as("rater", f"rater{i}") for i in (1, 2)]
    karyograms = finished_karyograms(4)
    response = curator.post(
        "/api/studies/",
        {
            "name": "Pilot",
            "instructions": "Rate each karyogram.",
            "karyograms": [k.pk for k in karyograms],
            "raters": ["rater1", "rater2"],
            "repeats": 1,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return curator, raters, response.json()


def _rate(client, study_id, item, **values):
    body = {"item": item, "abnormality": "none", "quality": 3, "sharpness": 3, **values}
    return client.post(f"/api/studies/{study_id}/ratings/", body, format="json")


def test_curator_creates_a_study_with_stored_orders(study_setup):
    _, raters, study = study_setup
    assert study["raters"] == ["rater1", "rater2"] and study["cases"] == 4 and study["state"] == "open"
    saved = Study.objects.get(pk=study["id"])
    for client in raters:
        shown = list(Assignment.objects.filter(study=saved, rater=client.user).order_by("position"))
        expected = rater_order(4, rater_seed(saved.secret, saved.pk, client.user.pk), 1)
        # Case i of the order is the i-th karyogram given, ACC-SECRET-i.
        assert [(a.image.study_case.job.karyogram.case.accession, a.image.arm, a.repeat) for a in shown] == [
            (f"ACC-SECRET-{s.case:03d}", s.arm, s.repeat) for s in expected
        ]
        assert len(shown) == 9


def test_rater_rates_every_item_then_gets_204(study_setup):
    _, (rater, _), study = study_setup
    assert rater.get("/api/studies/").json()["results"] == [
        {
            "id": study["id"],
            "name": "Pilot",
            "instructions": "Rate each karyogram.",
            "state": "open",
            "rated": 0,
            "total": 9,
        }
    ]
    seen = []
    while (response := rater.get(f"/api/studies/{study['id']}/next/")).status_code == 200:
        item = response.json()
        assert item["position"] == len(seen) + 1 and item["total"] == 9
        assert rater.get(item["image_url"]).status_code == 200
        refused = rater.get(item["image_url"], HTTP_ACCEPT="image/jpeg")  # it comes as PNG only
        assert refused.status_code == 406 and refused["Content-Type"] == "application/json"
        assert _rate(rater, study["id"], item["item"], quality=4).status_code == 201
        seen.append(item["item"])
    assert response.status_code == 204 and len(set(seen)) == 9
    assert rater.get(f"/api/studies/{study['id']}/").json()["rated"] == 9


def test_invalid_ratings_get_clear_400s(study_setup, api_as):
    curator, (rater, other), study = study_setup
    url = f"/api/studies/{study['id']}/next/"
    item = rater.get(url).json()["item"]
    for quality, message in [
        (0, "Overall quality must be from 1 to 5."),
        (6, "Overall quality must be from 1 to 5."),
        ("good", "Overall quality must be a whole number from 1 to 5."),
        (2.5, "Overall quality must be a whole number from 1 to 5."),
        (True, "Overall quality must be a whole number from 1 to 5."),
        (None, "This field may not be null."),
    ]:
        response = _rate(rater, study["id"], item, quality=quality)  # refused by the field, named by it
        assert response.status_code == 400 and response.json() == {"quality": [message]}
    assert _rate(rater, study["id"], item, sharpness=9).json() == {
        "sharpness": ["Band sharpness must be from 1 to 5."]
    }
    assert (
        "cannot be below 0"
        in _rate(rater, study["id"], item, duration_seconds=-1).json()["duration_seconds"][0]
    )
    assert _rate(rater, study["id"], item, duration_seconds=86_401, reason="x").json() == {
        "duration_seconds": ["The corrected time must be between 0 and 86400 seconds."]
    }
    assert not Rating.objects.filter(assignment__token=item).exists()
    assert "not one of yours" in _rate(other, study["id"], item).json()["detail"]
    assert "not one of yours" in _rate(rater, study["id"], "no-such-item").json()["detail"]
    assert "reason" in _rate(rater, study["id"], item, duration_seconds=30).json()["detail"]
    assert _rate(rater, study["id"], item, abnormality=" ").status_code == 400
    assert (
        _rate(rater, study["id"], item, duration_seconds="", hidden_seconds="").status_code == 201
    )  # = none
    assert "give a reason" in _rate(rater, study["id"], item, quality=5).json()["detail"]
    corrected = _rate(rater, study["id"], item, quality=5, duration_seconds=42, reason="phone call")
    assert corrected.status_code == 201 and corrected.json() == {
        "item": item,
        "version": 2,
        "duration_seconds": 42.0,
    }
    assert list(Rating.objects.filter(assignment__token=item).values_list("quality", "version")) == [
        (5, 2),
        (3, 1),
    ]
    assert curator.post(f"/api/studies/{study['id']}/close/").json()["state"] == "closed"
    assert "closed" in _rate(rater, study["id"], item, reason="late").json()["detail"]
    assert rater.get(url).status_code == 400


def test_statistics_and_export_for_curators_only(study_setup):
    curator, raters, study = study_setup
    for client in raters:
        while (response := client.get(f"/api/studies/{study['id']}/next/")).status_code == 200:
            _rate(client, study["id"], response.json()["item"], quality=2, sharpness=4, abnormality="+8")
    stats = curator.get(f"/api/studies/{study['id']}/statistics/").json()
    h1 = stats["raters"]["rater1"]["H1"]
    assert set(h1) == {
        "n",
        "mean_original",
        "mean_enhanced",
        "mean_diff",
        "ci95",
        "ci95_note",
        "t",
        "p_ttest",
        "p_wilcoxon",
        "wilcoxon",
        "effect_size",
        "p_holm",
    }
    assert h1["n"] == 4 and h1["mean_diff"] == 0
    export = curator.get(f"/api/studies/{study['id']}/export/", HTTP_ACCEPT="text/csv")  # was a 406
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    refused = curator.get(f"/api/studies/{study['id']}/export/", HTTP_ACCEPT="image/png")
    assert refused.status_code == 406 and "comes as text/csv" in refused.json()["detail"]
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert len(rows) == 18 and set(rows[0]) >= {
        "rater",
        "case_accession",
        "arm",
        "quality",
        "sharpness",
        "duration_seconds",
        "abnormality",
    }
    assert {r["arm"] for r in rows} == {"original", "enhanced"}
    results = curator.get(f"/api/studies/{study['id']}/export/?what=results")
    assert len(list(csv.DictReader(io.StringIO(results.content.decode())))) == 6
    agreement = list(
        csv.DictReader(
            io.StringIO(curator.get(f"/api/studies/{study['id']}/export/?what=agreement").content.decode())
        )
    )
    assert {r["statistic"].split(":")[0] for r in agreement} == {
        "Cohen's kappa, quadratic weights",
        "ICC(2,1)",
        "ICC(2,k)",
    }
    assert all(r["reliable"] == "0" and r["note"] for r in agreement)  # 4 cases: never a reliable figure
    for client in raters:
        for path in ("statistics/", "export/", "close/"):
            method = client.post if path == "close/" else client.get
            assert method(f"/api/studies/{study['id']}/{path}").status_code == 403


@pytest.mark.parametrize("role", ["rater", "technologist"])
def test_who_may_not_create_studies(role, api_as, finished_karyograms):
    karyograms = finished_karyograms(2)
    response = api_as(role).post(
        "/api/studies/", {"name": "x", "karyograms": [k.pk for k in karyograms], "raters": []}, format="json"
    )
    assert response.status_code == 403


def test_creation_errors(api_as, finished_karyograms, make_user):
    curator = api_as("curator")
    karyograms = finished_karyograms(2)
    make_user("technologist", "not-a-rater")
    make_user("rater", "rita")
    one = curator.post(
        "/api/studies/", {"name": "x", "karyograms": [karyograms[0].pk], "raters": ["rita"]}, format="json"
    )
    assert one.status_code == 400 and "at least two" in one.json()["detail"]
    wrong = curator.post(
        "/api/studies/",
        {"name": "x", "karyograms": [k.pk for k in karyograms], "raters": ["not-a-rater"]},
        format="json",
    )
    assert wrong.status_code == 400 and "rater role" in wrong.json()["detail"]
    karyograms[1].jobs.update(state="failed")
    unfinished = curator.post(
        "/api/studies/",
        {"name": "x", "karyograms": [k.pk for k in karyograms], "raters": ["rita"]},
        format="json",
    )
    assert unfinished.status_code == 400 and "no finished enhancement" in unfinished.json()["detail"]
    assert Study.objects.count() == 0


def test_a_rater_sees_only_their_studies(study_setup, make_user):
    outsider = make_user("rater", "outsider")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=outsider).key}")
    _, _, study = study_setup
    assert client.get("/api/studies/").json()["results"] == []
    assert client.get(f"/api/studies/{study['id']}/").status_code == 404
    assert client.get(f"/api/studies/{study['id']}/next/").status_code == 404


def _second_karyogram_of(case, technologist):
    """Another finished karyogram (another metaphase) of the same patient case."""
    import numpy as np
    from django.core.files.base import ContentFile
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from webapp.cases import services as case_services
    from webapp.cases.models import EnhancementJob, JobState

    def png(pixels) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(pixels).save(buffer, format="PNG")
        return buffer.getvalue()

    noisy = np.random.default_rng(9).integers(0, 256, (90, 120), dtype=np.uint8)
    karyogram = case_services.add_karyogram(
        case, SimpleUploadedFile("metaphase-2.png", png(noisy)), technologist
    )
    job = EnhancementJob.objects.create(
        karyogram=karyogram,
        state=JobState.DONE,
        progress=100,
        model_version="cpu-small:abc123",
        created_by=technologist,
    )
    job.result.save("enhanced.png", ContentFile(png(np.full((90, 120), 180, np.uint8))))
    return karyogram


def test_two_karyograms_of_one_case_are_two_pairs(api_as, finished_karyograms):
    """Issue 14: this answered 500 ("identically-labeled Series") with repeats, and mis-paired without."""
    curator = api_as("curator", "cora")
    rater = api_as("rater", "rater1")
    karyograms = finished_karyograms(3)
    karyograms.append(_second_karyogram_of(karyograms[0].case, karyograms[0].uploaded_by))
    study = curator.post(
        "/api/studies/",
        {"name": "Metaphases", "karyograms": [k.pk for k in karyograms], "raters": ["rater1"], "repeats": 3},
        format="json",
    ).json()
    shared = {
        sc.pk
        for sc in Study.objects.get(pk=study["id"]).study_cases.filter(
            job__karyogram__case=karyograms[0].case
        )
    }
    assert len(shared) == 2
    while (response := rater.get(f"/api/studies/{study['id']}/next/")).status_code == 200:
        assignment = Assignment.objects.get(token=response.json()["item"])
        enhanced = assignment.image.arm == "enhanced"
        # quality encodes the study case, +1 when enhanced: any crossed pair would show a difference other than 1
        quality = 1 + (assignment.image.study_case_id % 3) + enhanced
        assert _rate(rater, study["id"], assignment.token, quality=quality).status_code == 201
    response = curator.get(f"/api/studies/{study['id']}/statistics/")
    assert response.status_code == 200
    h1 = response.json()["raters"]["rater1"]["H1"]
    assert h1["n"] == 4 and h1["mean_diff"] == 1.0 and h1["ci95"] == [None, None]  # no spread: no interval
    assert "no spread" in h1["ci95_note"]
    assert response.json()["consistency"]["rater1"]["n"] == 3
    curator.force_login(curator.user)
    page = curator.get(f"/studies/{study['id']}/statistics/")
    assert page.status_code == 200
    rows = list(
        csv.DictReader(io.StringIO(curator.get(f"/api/studies/{study['id']}/export/").content.decode()))
    )
    assert {
        int(r["study_case"]) for r in rows if r["case_accession"] == karyograms[0].case.accession
    } == shared
    assert {r["karyogram"] for r in rows} >= {"metaphase-2.png", karyograms[0].original_name}


def test_the_api_schema_types_and_bounds_the_rating_input(api_as):
    """Walk-through: /api/schema/ showed quality, sharpness and duration_seconds as {} (any JSON at all)."""
    schema = api_as("rater", "rhea").get("/api/schema/?format=json").json()
    path = schema["paths"]["/api/studies/{id}/ratings/"]["post"]["requestBody"]["content"]["application/json"]
    assert path["schema"] == {"$ref": "#/components/schemas/RatingInput"}
    rating = schema["components"]["schemas"]["RatingInput"]
    fields = rating["properties"]
    for score in ("quality", "sharpness"):
        assert {k: fields[score][k] for k in ("type", "minimum", "maximum")} == {
            "type": "integer",
            "minimum": 1,
            "maximum": 5,
        }
    assert {"item", "abnormality", "quality", "sharpness"} <= set(rating["required"])
    for seconds in ("duration_seconds", "hidden_seconds"):
        assert fields[seconds]["type"] == "number" and fields[seconds]["minimum"] == 0
        assert fields[seconds]["nullable"] and seconds not in rating["required"]
    assert fields["duration_seconds"]["maximum"] == 86_400  # the corrected time: at most a day
    assert "maximum" not in fields["hidden_seconds"]  # bounded by the server's clock, not a constant


def test_the_api_schema_says_when_and_why_an_icc_interval_is_null(api_as):
    schema = api_as("curator", "cora").get("/api/schema/?format=json").json()
    answer = schema["paths"]["/api/studies/{id}/statistics/"]["get"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/StudyStatistics"}
    icc = schema["components"]["schemas"]["Icc"]["properties"]
    ci95 = icc["ci95"]
    assert ci95["type"] == "array" and ci95["minItems"] == ci95["maxItems"] == 2
    assert ci95["items"] == {"type": "number", "format": "double", "nullable": True}
    assert "both bounds are null" in ci95["description"] and "ci95_note" in ci95["description"]
    assert icc["ci95_note"]["nullable"] and icc["ci95_note"]["type"] == "string"


@pytest.mark.parametrize("component", ["Kappa", "RaterPairKappa", "PairedTest"])
def test_the_api_schema_says_when_and_why_a_kappa_or_mean_difference_interval_is_null(api_as, component):
    schema = api_as("curator", "cora").get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"][component]["properties"]
    assert fields["ci95"]["items"] == {"type": "number", "format": "double", "nullable": True}
    assert (
        "both bounds are null" in fields["ci95"]["description"]
        and "ci95_note" in fields["ci95"]["description"]
    )
    assert fields["ci95_note"]["nullable"] and fields["ci95_note"]["type"] == "string"
