"""The slot-box editor's form: bad boxes are refused on the page with the text kept, nothing is queued."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from enhancer.template import template_slots
from tests.conftest import PASSWORD
from tests.factories import EnhancementJobFactory
from webapp.cases.models import EnhancementJob, JobState

pytestmark = pytest.mark.django_db

EXACTLY_ONCE = "The layout must name each of 1..22, X and Y (or 1..22 and XY) exactly once."


@pytest.fixture
def failed_job(client, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tech = make_user("technologist", "layout-tech")
    client.login(username="layout-tech", password=PASSWORD)
    return EnhancementJobFactory(state=JobState.FAILED, karyogram__case__created_by=tech)


def _post_layout(client, job, text: str):
    return client.post(reverse("job-retry", args=[job.pk]), {"layout": text})


def _textarea(page: str) -> str:
    """The textarea's value as a browser reads it (one newline right after the start tag is dropped)."""
    raw = unescape(re.search(r'<textarea id="layout-json"[^>]*>(.*?)</textarea>', page, re.DOTALL)[1])
    return raw.removeprefix("\n")


def test_invalid_json_is_shown_again_exactly_as_typed_with_the_error(client, failed_job):
    typed = '{"cells": [\n  {"label": "1", "box": [1, 2, 30, 40]},\n  {"label": "2" "box": [5, 5, 9]}  <b>&\n'
    response = _post_layout(client, failed_job, typed)
    page = response.content.decode()
    assert response.status_code == 200
    assert "The layout is not valid JSON: look for a missing comma, bracket or quote." in page
    assert _textarea(page) == typed
    assert EnhancementJob.objects.count() == 1


def test_valid_json_with_wrong_slots_is_refused_before_anything_is_queued(client, failed_job):
    typed = '{"cells":[{"label":"1","box":[10,10,5,5]}]}'
    response = _post_layout(client, failed_job, typed)
    page = response.content.decode()
    assert response.status_code == 200
    assert EXACTLY_ONCE in page and 'aria-invalid="true"' in page
    assert _textarea(page) == typed
    assert EnhancementJob.objects.count() == 1


def test_a_box_outside_the_image_is_refused_with_its_slot_named(client, failed_job):
    karyogram = failed_job.karyogram
    cells = template_slots(karyogram.width, karyogram.height)
    cells[4]["box"] = [0, 0, karyogram.width + 1, 10]
    response = _post_layout(client, failed_job, json.dumps({"cells": cells}))
    assert response.status_code == 200
    assert (
        f"The box of cell {cells[4]['label']} lies outside the image or is empty."
        in response.content.decode()
    )
    assert EnhancementJob.objects.count() == 1


def test_a_layout_for_another_image_size_is_refused(client, failed_job):
    karyogram = failed_job.karyogram
    layout = {
        "image": {"width": 10, "height": 10},
        "cells": template_slots(karyogram.width, karyogram.height),
    }
    response = _post_layout(client, failed_job, json.dumps(layout))
    assert "The layout is for a 10×10 image" in response.content.decode()
    assert EnhancementJob.objects.count() == 1


def test_a_right_layout_queues_a_new_job_with_those_boxes(client, failed_job):
    karyogram = failed_job.karyogram
    cells = template_slots(karyogram.width, karyogram.height)
    response = _post_layout(client, failed_job, json.dumps({"cells": cells}))
    new = EnhancementJob.objects.exclude(pk=failed_job.pk).get()
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert new.layout == {"cells": cells, "image": {"width": karyogram.width, "height": karyogram.height}}
