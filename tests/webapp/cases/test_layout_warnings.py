"""A job run with slot boxes that do not fit its karyogram finishes with a warning naming what looks wrong."""

import pytest

from enhancer.io import read_karyogram
from enhancer.slicing import slice_karyogram
from tests.conftest import PASSWORD
from tests.factories import KaryogramFactory
from webapp.cases import services
from webapp.cases.models import JobState
from workers import tasks

pytestmark = pytest.mark.django_db


def _run(karyogram, user, layout=None):
    job = services.start_job(karyogram, user, layout=layout, enqueue=False)
    for step in (tasks.slice_karyogram_task, tasks.enhance_cells_task, tasks.reassemble_task):
        step(job_pk=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    return job


def test_boxes_that_miss_a_chromosome_pair_are_flagged_on_the_page_and_in_the_api(
    make_user, karyogram_png, settings, tmp_path, client, api_as
):
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", "boxes-tech")
    karyogram = KaryogramFactory(case__created_by=user, png=karyogram_png)
    layout = slice_karyogram(read_karyogram(karyogram.original.path).grey).to_json()
    good = _run(karyogram, user, layout)
    for cell in layout["cells"]:
        if cell["label"] == "2":
            cell["box"] = [880, 730, 899, 749]  # a corner of the image with nothing in it
    missed = _run(karyogram, user, layout)

    assert good.layout_warnings == [] and missed.layout_warnings == ["no chromosome in slot 2"]
    client.login(username="boxes-tech", password=PASSWORD)
    page = client.get(missed.get_absolute_url()).content.decode()
    assert 'id="layout-warning"' in page and "no chromosome in slot 2" in page
    assert (
        'id="correct-layout"' in page and "[880, 730, 899, 749]" in page
    )  # the editor starts from its boxes
    assert "The boxes are the ones given for this job." in page
    clean = client.get(good.get_absolute_url()).content.decode()
    assert 'id="layout-warning"' not in clean and 'id="correct-layout"' not in clean
    api = api_as("technologist", "boxes-api")
    assert api.get(f"/api/jobs/{missed.pk}/").json()["layout_warnings"] == ["no chromosome in slot 2"]
    queued = services.start_job(karyogram, user, enqueue=False)  # no cells yet: nothing to warn of
    assert api.get(f"/api/jobs/{queued.pk}/").json()["layout_warnings"] == []
