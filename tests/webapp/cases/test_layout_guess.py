"""A refused karyogram keeps the slicer's best guess: on the failed job, in the API, and in the editor."""

import json
import re
from html import unescape

import pytest

from enhancer import cells as library_cells
from enhancer.template import template_slots
from tests.conftest import PASSWORD
from tests.factories import KaryogramFactory
from tests.support.layout_guess import REFUSAL, guess_from_truth, refusing_slicer
from webapp.cases import services
from webapp.cases.models import JobState, slicing_failed
from workers import tasks

pytestmark = pytest.mark.django_db

WIDTH, HEIGHT = 900, 750
WRONG = {"3": [400, 300, 420, 320], "Y": [700, 600, 760, 700]}


@pytest.fixture
def refused_job(make_user, karyogram_png, monkeypatch, settings, tmp_path):
    """A job whose slicing was refused with a guess that is unsure of slots 3 and Y."""
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", "guess-tech")
    karyogram = KaryogramFactory(case__created_by=user, name="metaphase 7.png", png=karyogram_png)
    guess = guess_from_truth(template_slots(WIDTH, HEIGHT), WIDTH, HEIGHT, WRONG)
    monkeypatch.setattr(library_cells, "slice_karyogram", refusing_slicer(guess))  # what slice_cells calls
    job = services.start_job(karyogram, user, enqueue=False)
    tasks.slice_karyogram_task(job_pk=job.pk)
    job.refresh_from_db()
    return job, guess


def test_the_slicing_task_stores_the_guess_on_the_failed_job(refused_job):
    job, guess = refused_job
    assert job.state == JobState.FAILED and job.error == slicing_failed(REFUSAL, boxes_help=True)
    assert job.layout_guess == guess


def test_the_api_exposes_the_guess_of_a_failed_job(refused_job, client):
    job, guess = refused_job
    client.login(username="guess-tech", password=PASSWORD)
    body = client.get(f"/api/jobs/{job.pk}/").json()
    assert body["state"] == "failed" and body["layout_guess"] == guess
    assert {c["label"] for c in body["layout_guess"]["cells"] if c["unsure"]} == {"3", "Y"}


def _editor_start(client, job) -> dict:
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    return json.loads(
        unescape(re.search(r'<textarea id="layout-json"[^>]*>(.*?)</textarea>', page, re.DOTALL)[1])
    )


def test_the_editor_starts_from_the_guess_with_unsure_slots_marked(refused_job, client):
    job, guess = refused_job
    client.login(username="guess-tech", password=PASSWORD)
    start = _editor_start(client, job)
    assert {c["label"]: c["box"] for c in start["cells"]} == {c["label"]: c["box"] for c in guess["cells"]}
    assert {c["label"] for c in start["cells"] if c["unsure"]} == {"3", "Y"}
    assert start["image"] == {"width": WIDTH, "height": HEIGHT}


def test_slots_the_guess_lacks_come_from_the_template_marked_unsure(refused_job, client):
    job, guess = refused_job
    job.layout_guess = {**guess, "cells": [c for c in guess["cells"] if c["label"] != "21"]}
    job.save()
    client.login(username="guess-tech", password=PASSWORD)
    cells = {c["label"]: c for c in _editor_start(client, job)["cells"]}
    template = {s["label"]: s["box"] for s in template_slots(WIDTH, HEIGHT)}
    assert len(cells) == 24 and cells["21"] == {"label": "21", "box": template["21"], "unsure": True}


def test_without_a_guess_the_editor_starts_from_the_template(refused_job, client):
    job, _ = refused_job
    job.layout_guess = None
    job.save()
    client.login(username="guess-tech", password=PASSWORD)
    assert _editor_start(client, job)["cells"] == template_slots(WIDTH, HEIGHT)


def test_a_23_cell_guess_keeps_x_and_y_together(refused_job, client):
    job, guess = refused_job
    cells = [c for c in guess["cells"] if c["label"] not in ("X", "Y")]
    job.layout_guess = {
        **guess,
        "cells": [*cells, {"label": "XY", "box": [600, 560, 880, 700], "unsure": False}],
    }
    job.save()
    client.login(username="guess-tech", password=PASSWORD)
    start = {c["label"]: c for c in _editor_start(client, job)["cells"]}
    assert len(start) == 23 and "X" not in start and start["XY"]["box"] == [600, 560, 880, 700]
