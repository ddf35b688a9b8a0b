"""Everything a rater can reach, checked for what would unblind the study."""

import re

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from webapp.studies import services
from webapp.studies.models import Assignment

pytestmark = pytest.mark.django_db

ARM_WORDS = re.compile(r"\b(original|enhanced|enhancement)\b", re.IGNORECASE)


def _chunks(png: bytes) -> list[bytes]:
    """PNG chunk types in order."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    out, i = [], 8
    while i < len(png):
        length = int.from_bytes(png[i : i + 4], "big")
        out.append(png[i + 4 : i + 8])
        i += 12 + length
    return out


def test_nothing_a_rater_receives_tells_the_arm_or_the_case(make_user, finished_karyograms):
    curator = make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    karyograms = finished_karyograms(3)
    study = services.create_study(
        name="Blind", instructions="", karyograms=karyograms, raters=[rater], created_by=curator, repeats=1
    )
    secrets = (
        [k.case.accession for k in karyograms]
        + [k.original_name for k in karyograms]
        + [k.sha256 for k in karyograms]
        + [k.case.known_karyotype for k in karyograms]
        + ["cpu-small", "patient-"]
    )
    client = Client()
    client.login(username="rhea", password=PASSWORD)
    responses = {}
    pages, images = {}, {}
    for path in ("/", "/rate/", "/api/studies/", f"/api/studies/{study.pk}/"):
        responses[path] = client.get(path)
    while True:
        page = client.get(f"/rate/{study.pk}/")
        assert page.status_code == 200
        assignment = (
            Assignment.objects.filter(study=study, rater=rater, ratings__isnull=True)
            .order_by("position")
            .first()
        )
        if assignment is None:
            responses["done"] = page
            break
        pages[assignment.pk] = page
        api_next = client.get(f"/api/studies/{study.pk}/next/")
        responses[f"next-{assignment.pk}"] = api_next
        image = client.get(api_next.json()["image_url"])
        images[assignment.pk] = image
        posted = client.post(
            f"/rate/{study.pk}/",
            {"item": assignment.token, "abnormality": "none", "quality": 3, "sharpness": 2},
        )
        assert posted.status_code == 302
    assert len(pages) == 7  # 3 cases × 2 arms + 1 hidden repeat

    every = list(responses.values()) + list(pages.values()) + list(images.values())
    for response in every:
        blob = response.content + str(sorted(response.headers.items())).encode()
        for secret in secrets:
            assert secret.encode() not in blob
    for response in list(pages.values()) + [
        r for k, r in responses.items() if k.startswith(("next", "/api", "done"))
    ]:
        assert not ARM_WORDS.search(response.content.decode()), response.content.decode()[:2000]

    # Every item page is the same page but for the item's token, its number and the running time (and, from the
    # second item on, the link to the previous one).
    def masked(response, assignment_pk):
        text = response.content.decode()
        for token in Assignment.objects.filter(study=study, rater=rater).values_list("token", flat=True):
            text = text.replace(token, "TOKEN")
        text = re.sub(r'<a href="[^"]*" data-previous>[^<]*</a>', "", text)
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        text = re.sub(r"\d+", "N", text)
        return text

    assert len({masked(r, pk) for pk, r in pages.items()}) == 1

    # Images: same bytes count, same headers, same PNG structure, no metadata chunks, arms re-encoded alike.
    arms = {Assignment.objects.get(pk=pk).image.arm for pk in images}
    assert arms == {"original", "enhanced"}
    assert len({len(r.content) for r in images.values()}) == 1
    header_sets = {
        tuple(sorted((k, v) for k, v in r.headers.items() if k != "Content-Length")) for r in images.values()
    }
    assert len(header_sets) == 1 and "Content-Disposition" not in dict(next(iter(header_sets)))
    for response in images.values():
        assert _chunks(response.content) == [b"IHDR", b"IDAT", b"IEND"]
        assert response.content[24:26] == b"\x08\x00"  # 8-bit grey

    # What a rater may not open.
    job = karyograms[0].jobs.get()
    for path in (
        f"/cases/{karyograms[0].case.pk}/",
        "/cases/",
        f"/jobs/{job.pk}/",
        f"/jobs/{job.pk}/image/original.png",
        f"/studies/{study.pk}/",
        f"/studies/{study.pk}/statistics/",
        f"/studies/{study.pk}/ratings.csv",
        "/api/cases/",
        f"/api/jobs/{job.pk}/",
        f"/api/jobs/{job.pk}/result/",
        f"/api/studies/{study.pk}/statistics/",
        f"/api/studies/{study.pk}/export/",
    ):
        assert client.get(path).status_code == 403, path


def test_a_rater_cannot_fetch_another_raters_item(make_user, finished_karyograms):
    curator = make_user("curator", "cura")
    first, second = make_user("rater", "r1"), make_user("rater", "r2")
    study = services.create_study(
        name="Two",
        instructions="",
        karyograms=finished_karyograms(2),
        raters=[first, second],
        created_by=curator,
    )
    token = Assignment.objects.filter(study=study, rater=first).first().token
    client = Client()
    client.login(username="r2", password=PASSWORD)
    assert client.get(f"/api/items/{token}/image/").status_code == 404
