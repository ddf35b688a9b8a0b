"""A failed job offers only what can change its outcome (`EnhancementJob.remedies`), on its page, its case's row
and in the API, and says why it failed in the web's words."""

import numpy as np
import pytest
from django.urls import reverse

from enhancer.io import ImageInfo, encode_karyogram
from enhancer.synthetic import synthesize
from tests.conftest import PASSWORD
from tests.factories import EnhancementJobFactory, KaryogramFactory
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobState, slicing_failed
from workers import tasks

pytestmark = pytest.mark.django_db

BLANK = encode_karyogram(np.full((400, 600), 250, np.uint8), ImageInfo("PNG", 600, 400, 1, 8))


@pytest.fixture(scope="module")
def two_rows() -> bytes:
    """The top 450 pixel rows of a karyogram: two rows of chromosomes where a karyogram has four."""
    made = synthesize(
        "47,XY,+8", seed=21, quality="poor", severity="mild", width=900, height=750, shorten=False
    )
    return encode_karyogram(made.image[:450], ImageInfo("PNG", 900, 450, 1, 8))


@pytest.fixture
def sliced(client, make_user, settings, tmp_path):
    """`sliced(png, name)`: the job of `png` uploaded as `name`, after this process's slicing step."""
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", "remedy-tech")
    client.login(username="remedy-tech", password=PASSWORD)

    def run(png: bytes, name: str) -> EnhancementJob:
        karyogram = KaryogramFactory(case__created_by=user, name=name, png=png)
        job = services.start_job(karyogram, user, enqueue=False)
        tasks.slice_karyogram_task(job_pk=job.pk)
        job.refresh_from_db()
        assert job.state == JobState.FAILED
        return job

    return run


def _offered(client, job: EnhancementJob) -> dict[str, bool]:
    """What the job page and the case page's row offer."""
    page = client.get(job.get_absolute_url()).content.decode()
    case_page = client.get(job.karyogram.case.get_absolute_url()).content.decode()
    line = case_page.split(f'id="job-line-{job.pk}"')[1]
    editor_link = line.split(f'data-job-editor="{job.pk}"')[1].split(">")[0]
    return {
        "retry": "Retry</button>" in page,
        "editor": 'id="correct-layout"' in page,
        "editor link": "hidden" not in editor_link,
    }


def test_a_blank_image_is_offered_neither_a_retry_nor_the_box_editor(sliced, client, api_as):
    """Walk-through: an image with no chromosome said "Only 0 chromosome objects were found" and was offered
    Retry and "Correct the slot boxes", neither of which can find chromosomes that are not there."""
    job = sliced(BLANK, "blank.png")
    said = "The karyogram could not be sliced: no chromosome was found; this does not look like a karyogram."
    assert job.remedies == []
    assert _offered(client, job) == {"retry": False, "editor": False, "editor link": False}
    assert said in client.get(job.get_absolute_url()).content.decode()
    api = api_as("technologist")
    for url in (f"/api/jobs/{job.pk}/", f"/api/jobs/{job.pk}/progress/"):
        body = api.get(url).json()
        assert body["error"] == said and body["remedies"] == []


def test_a_layout_the_slicer_cannot_read_is_offered_the_box_editor_and_no_retry(
    sliced, client, api_as, two_rows
):
    job = sliced(two_rows, "two rows.png")
    said = (
        "The karyogram could not be sliced: found 2 rows of chromosomes where a karyogram has 4. "
        "Correct the slot boxes and run again."
    )  # the reason in lower case after the colon, and the web's words for the boxes (it has the editor)
    assert job.remedies == ["boxes"]
    assert _offered(client, job) == {"retry": False, "editor": True, "editor link": True}
    assert said in client.get(job.get_absolute_url()).content.decode()
    assert said in client.get(job.karyogram.case.get_absolute_url()).content.decode()
    body = api_as("technologist").get(f"/api/jobs/{job.pk}/").json()
    assert body["error"] == said and body["remedies"] == ["boxes"]


def test_a_failure_that_is_not_the_images_is_offered_a_retry_that_runs_it_again(client, make_user):
    tech = make_user("technologist", "retry-tech")
    client.login(username="retry-tech", password=PASSWORD)
    job = EnhancementJobFactory(
        state=JobState.FAILED,
        karyogram__case__created_by=tech,
        error="Could not save the enhanced karyogram: No space left on device. The original upload is intact; "
        "free space on the server (or fix its storage) and try again.",
    )
    assert job.remedies == ["retry"]
    assert _offered(client, job) == {"retry": True, "editor": False, "editor link": False}
    assert (
        "Could not save the enhanced karyogram: No space left"
        in client.get(job.get_absolute_url()).content.decode()
    )
    client.post(reverse("job-retry", args=[job.pk]))
    assert EnhancementJob.objects.exclude(pk=job.pk).get().karyogram == job.karyogram


def test_a_slicing_failure_is_stored_in_the_webs_words_keeping_abbreviations():
    assert (
        slicing_failed("PNG data is truncated.")
        == "The karyogram could not be sliced: PNG data is truncated."
    )
    assert slicing_failed(
        "Row 2 shows 5 groups where slots 6-12 need 7. Row 3 shows 4 groups where slots 13-18 need 6.",
        boxes_help=True,
    ) == (
        "The karyogram could not be sliced: row 2 shows 5 groups where slots 6-12 need 7. Row 3 shows 4 groups "
        "where slots 13-18 need 6. Correct the slot boxes and run again."
    )


def test_the_migration_stores_old_slicing_failures_as_the_pages_said_them():
    """Before, the pages rewrote the stored error at every read; the rows stored that way are rewritten once."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("webapp.cases.migrations.0013_slicing_errors_as_said")
    errors = {
        "The karyogram could not be sliced: Row 2 shows 5 groups where slots 6-12 need 7; give the slot boxes as a "
        "layout. Row 3 shows 4 groups where slots 13-18 need 6; give the slot boxes as a layout.": (
            "The karyogram could not be sliced: row 2 shows 5 groups where slots 6-12 need 7; correct the slot "
            "boxes. Row 3 shows 4 groups where slots 13-18 need 6; correct the slot boxes."
        ),
        "The karyogram could not be sliced: No chromosome was found; this does not look like a karyogram.": (
            "The karyogram could not be sliced: no chromosome was found; this does not look like a karyogram."
        ),
        # already as said, or not the slicing step's: left as they are
        "The karyogram could not be sliced: PNG data is truncated.": None,
        slicing_failed("Found 2 rows of chromosomes where a karyogram has 4.", boxes_help=True): None,
        "Row 2 shows 5 groups; give the slot boxes as a layout.": None,
    }
    jobs = {old: EnhancementJobFactory(state=JobState.FAILED, error=old) for old in errors}
    migration.say_slicing_errors_as_shown(apps, None)
    for old, said in errors.items():
        assert EnhancementJob.objects.get(pk=jobs[old].pk).error == (said or old)
