"""A technologist corrects the slot boxes of a karyogram the slicer refused, in Chromium, and runs it again."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from enhancer.io import ImageInfo, encode_karyogram
from enhancer.synthetic import synthesize
from webapp.cases import services
from webapp.cases.models import Case, EnhancementJob, JobState


def _wait_state(job: EnhancementJob, states: set[str], page, timeout_ms: int = 120_000) -> None:
    for _ in range(timeout_ms // 250):
        job.refresh_from_db()
        if job.state in states:
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"job stayed {job.state}")


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_technologist_draws_slot_boxes_after_slicing_fails(page, live_server, log_in, make_user, celery_worker):
    user = make_user("technologist", username="tom")
    made = synthesize("46,XY", seed=202, quality="poor", severity="severe", shorten=False)  # the slicer refuses it
    height, width = made.image.shape
    png = encode_karyogram(made.image, ImageInfo("PNG", width, height, 1, 8))
    case = Case.objects.create(accession="BOX-1", created_by=user)
    karyogram = services.add_karyogram(case, SimpleUploadedFile("severe.png", png), user)
    failed = services.start_job(karyogram, user)
    _wait_state(failed, {JobState.FAILED, JobState.DONE}, page)
    assert failed.state == JobState.FAILED and "could not be sliced" in failed.error

    log_in("tom")
    page.goto(live_server.url + failed.get_absolute_url())
    page.wait_for_selector("#layout-editor:not([hidden]) g.slot")
    assert page.locator("#layout-editor g.slot").count() == 24

    svg = page.locator("#layout-editor svg").bounding_box()

    def to_screen(x: float, y: float) -> tuple[float, float]:
        return svg["x"] + x * svg["width"] / width, svg["y"] + y * svg["height"] / height

    page.select_option("[data-label-picker]", "1")
    for x, y, action in [(20, 40, "down"), (100, 150, "move"), (180, 300, "move"), (180, 300, "up")]:
        page.mouse.move(*to_screen(x, y))
        if action == "down":
            page.mouse.down()
        elif action == "up":
            page.mouse.up()
    drawn = {c["label"]: c["box"] for c in json.loads(page.input_value("#layout-json"))["cells"]}
    assert drawn["1"] == pytest.approx([20, 40, 180, 300], abs=3)

    page.get_by_role("button", name="Run with these boxes").click()
    page.wait_for_selector("text=Before and after", timeout=120_000)
    rerun = EnhancementJob.objects.exclude(pk=failed.pk).get(karyogram=karyogram)
    assert rerun.state == JobState.DONE
    assert {c["label"]: c["box"] for c in rerun.layout["cells"]}["1"] == drawn["1"]
    assert list(rerun.cell_rows.get(label="1").box) == drawn["1"]
