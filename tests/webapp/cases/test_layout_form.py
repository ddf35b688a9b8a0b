"""The slot-box editor's form: bad boxes are refused on the page with the text kept, nothing is queued."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from enhancer.template import template_slots
from tests.conftest import PASSWORD
from tests.factories import EnhancementJobFactory
from webapp.cases.models import EnhancementJob, JobState, slicing_failed

pytestmark = pytest.mark.django_db

EXACTLY_ONCE = "The layout must name each of 1..22, X and Y (or 1..22 and XY) exactly once."
# a refused layout as the worker stores it
REFUSED = slicing_failed("Found 3 rows of chromosomes where a karyogram has 4.", boxes_help=True)


@pytest.fixture
def failed_job(client, make_user, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    tech = make_user("technologist", "layout-tech")
    client.login(username="layout-tech", password=PASSWORD)
    return EnhancementJobFactory(state=JobState.FAILED, error=REFUSED, karyogram__case__created_by=tech)


def _post_layout(client, job, text: str):
    return client.post(reverse("job-retry", args=[job.pk]), {"layout": text})


def _refused(client, job, text: str) -> str:
    """Post `text` as the boxes; the refusal redirects to the job page (the editor), which shows it."""
    response = _post_layout(client, job, text)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/#correct-layout"
    shown = client.get(response["Location"])
    assert shown.status_code == 200
    return shown.content.decode()


def _textarea(page: str) -> str:
    """The textarea's value as a browser reads it (one newline right after the start tag is dropped)."""
    raw = unescape(re.search(r'<textarea id="layout-json"[^>]*>(.*?)</textarea>', page, re.DOTALL)[1])
    return raw.removeprefix("\n")


def test_invalid_json_is_shown_again_exactly_as_typed_with_the_error(client, failed_job):
    typed = '{"cells": [\n  {"label": "1", "box": [1, 2, 30, 40]},\n  {"label": "2" "box": [5, 5, 9]}  <b>&\n'
    page = _refused(client, failed_job, typed)
    assert "The layout is not valid JSON: look for a missing comma, bracket or quote." in page
    assert _textarea(page) == typed
    assert EnhancementJob.objects.count() == 1


def test_valid_json_with_wrong_slots_is_refused_before_anything_is_queued(client, failed_job):
    typed = '{"cells":[{"label":"1","box":[10,10,5,5]}]}'
    page = _refused(client, failed_job, typed)
    assert EXACTLY_ONCE in page and 'aria-invalid="true"' in page
    assert _textarea(page) == typed
    assert EnhancementJob.objects.count() == 1


def test_a_box_outside_the_image_is_refused_with_its_slot_named(client, failed_job):
    karyogram = failed_job.karyogram
    cells = template_slots(karyogram.width, karyogram.height)
    cells[4]["box"] = [0, 0, karyogram.width + 1, 10]
    page = _refused(client, failed_job, json.dumps({"cells": cells}))
    assert f"The box of cell {cells[4]['label']} lies outside the image or is empty." in page
    assert EnhancementJob.objects.count() == 1


def test_a_layout_for_another_image_size_is_refused(client, failed_job):
    karyogram = failed_job.karyogram
    layout = {
        "image": {"width": 10, "height": 10},
        "cells": template_slots(karyogram.width, karyogram.height),
    }
    assert "The layout is for a 10×10 image" in _refused(client, failed_job, json.dumps(layout))
    assert EnhancementJob.objects.count() == 1


def test_a_right_layout_queues_a_new_job_with_those_boxes(client, failed_job):
    karyogram = failed_job.karyogram
    cells = template_slots(karyogram.width, karyogram.height)
    response = _post_layout(client, failed_job, json.dumps({"cells": cells}))
    new = EnhancementJob.objects.exclude(pk=failed_job.pk).get()
    assert response.status_code == 302 and response["Location"] == new.get_absolute_url()
    assert new.layout == {"cells": cells, "image": {"width": karyogram.width, "height": karyogram.height}}


def test_a_refused_layout_leaves_the_browser_on_the_job_page_not_on_the_post_only_url(client, failed_job):
    """Walk-through: after a refused "Run with these boxes" the browser stayed on /jobs/{id}/retry/, so a reload
    posted the boxes again and Back or a bookmark showed the 405 page. Now the refusal redirects to the job page,
    which shows it once with the text as submitted; Reset still goes back to the starting boxes."""
    typed = '{"cells":[{"label":"1","box":[10,10,5,5]}]}'
    response = _post_layout(client, failed_job, typed)
    assert response.status_code == 302 and response["Location"] == f"/jobs/{failed_job.pk}/#correct-layout"
    page = client.get(f"/jobs/{failed_job.pk}/").content.decode()
    assert "data-layout-error>" + EXACTLY_ONCE in page and _textarea(page) == typed
    start = json.loads(re.search(r'id="layout-start" type="application/json">(.*?)</script>', page)[1])
    assert json.loads(start)["cells"] == template_slots(
        failed_job.karyogram.width, failed_job.karyogram.height
    )
    again = client.get(f"/jobs/{failed_job.pk}/").content.decode()  # a reload: the editor as it starts
    assert EXACTLY_ONCE not in again and json.loads(_textarea(again)) == json.loads(start)
    assert EnhancementJob.objects.count() == 1


def test_a_refused_layout_is_shown_only_on_its_own_jobs_page(client, failed_job):
    other = EnhancementJobFactory(
        state=JobState.FAILED, error=REFUSED, karyogram__case=failed_job.karyogram.case
    )
    _post_layout(client, failed_job, "not json")
    assert "not valid JSON" not in client.get(f"/jobs/{other.pk}/").content.decode()
    assert "not valid JSON" in client.get(f"/jobs/{failed_job.pk}/").content.decode()
