"""A technologist in Chromium: case, upload, live progress, viewer, cell gallery, download."""

import os
from pathlib import Path

import pytest
from django.core.files.storage import default_storage

from webapp.audit.models import AuditEvent
from webapp.cases import services
from webapp.cases.models import EnhancementJob


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_technologist_enhances_a_karyogram_in_the_browser(
    page, live_server, log_in, make_user, celery_worker, karyogram_png, tmp_path
):
    make_user("technologist", username="tina")
    log_in("tina")
    page.get_by_role("link", name="Cases").click()
    page.get_by_role("link", name="New case").click()
    page.fill("#id_accession", "UI-1")
    page.fill("#id_known_karyotype", "47,XY,+8")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Case UI-1")
    page.wait_for_load_state("load")  # the upload script is attached before a file is chosen

    bad = tmp_path / "notes.txt"
    bad.write_text("not an image")
    good = tmp_path / "karyogram.png"
    good.write_bytes(karyogram_png)
    page.set_input_files("#id_images", [str(bad)])
    # Checked in the browser, before anything is sent.
    page.wait_for_selector("#upload-problems:has-text('not a PNG, TIFF, JPEG or BMP')")
    page.set_input_files("#id_images", [str(good)])
    page.get_by_role("button", name="Upload and enhance").click()
    page.wait_for_selector("text=karyogram.png: uploaded")

    page.get_by_role("link", name="job").first.click()
    page.wait_for_selector("text=Before and after", timeout=120_000)  # the page follows the job live
    # ...every second through its progress, which is no audit event (the job itself is one)
    assert not AuditEvent.objects.filter(action__in=["api-job-detail", "api-job-progress"]).exists()
    assert AuditEvent.objects.filter(action="job-detail").exists()
    assert page.locator("progress").first.get_attribute("value") == "100"
    assert page.locator(".gallery .cell").count() == 24
    job = EnhancementJob.objects.get(karyogram__case__accession="UI-1")

    # The viewer fits the karyogram to the window: on a 900-px-tall screen the slider is in view.
    page.wait_for_function("[...document.querySelectorAll('#viewer img')].every(i => i.complete)")
    assert page.evaluate("window.scrollY") == 0
    assert (
        page.locator(".pane img[data-enhanced]").bounding_box()["y"]
        + page.locator(".pane img[data-enhanced]").bounding_box()["height"]
        <= 900
    )
    page.get_by_role("button", name="Slider").click()
    slider = page.locator("[data-slider]").bounding_box()
    assert slider["y"] + slider["height"] <= 900
    page.locator("[data-slider]").fill("20")
    split = page.evaluate(
        """() => { const o = document.querySelector('.overlay');
          return [parseFloat(getComputedStyle(o, '::before').left), o.getBoundingClientRect().width]; }"""
    )
    assert abs(split[0] - 0.2 * split[1]) <= 1  # the line between original and enhanced follows the slider
    page.get_by_role("button", name="Zoom in").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (PNG)").click()  # a PNG original: one download, as PNG
    assert download.value.suggested_filename == f"karyogram-enhanced-job{job.pk}.png"

    # A cell's strength slider re-blends that cell in place: no page reload, the preview follows.
    page.evaluate("window.notReloaded = true")
    assert not page.get_by_role("button", name="Apply strengths").is_visible()  # each change applies at once
    cell_1 = page.locator("[data-cell='1'] img[data-cell-enhanced]")
    shown_before = cell_1.get_attribute("src")
    page.get_by_role("slider", name="Strength of cell 1", exact=True).fill("0")
    page.wait_for_selector("[data-strength-status]:has-text('Applied.')")
    assert (
        page.locator("[data-cell='1'] [data-cell-status]").text_content() == "Applied."
    )  # said by the cell too
    assert page.evaluate("window.notReloaded") is True
    assert cell_1.get_attribute("src") != shown_before
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=cell_1.element_handle())
    assert job.cell_rows.get(label="1").strength == 0.0
    with (
        default_storage.open(services.cell_preview_path(job, "1", "enhanced"), "rb") as enhanced,
        default_storage.open(services.cell_preview_path(job, "1", "original"), "rb") as original,
    ):
        assert enhanced.read() == original.read()  # strength 0 gives back the original cell

    # A change that fails says so beside its cell, which may be far below the "All cells" row.
    page.route(
        "**/strengths/",
        lambda route: route.fulfill(status=503, json={"detail": "The result could not be saved."}),
    )
    page.get_by_role("slider", name="Strength of cell 2", exact=True).fill("0.3")
    page.wait_for_selector("[data-cell='2'] [data-cell-status]:has-text('Not applied: The result could not')")
    assert page.locator("[data-cell='1'] [data-cell-status]").text_content() == "Applied."  # still true
    page.unroute("**/strengths/")

    # "Apply to all" sets every cell at once, still in place.
    page.get_by_role("slider", name="Strength for all cells").fill("0.5")
    page.get_by_role("button", name="Apply to all").click()
    with page.expect_download() as download:  # asked for while applying (QA: it was the old result)
        page.get_by_role("link", name="Download (PNG)").click()
    page.wait_for_function(
        "!document.getElementById('strengths').hasAttribute('aria-busy')"
        " && document.querySelector('[data-strength-status]').textContent === 'Applied.'"
    )
    assert set(job.cell_rows.values_list("strength", flat=True)) == {0.5}
    assert page.locator("[data-cell='2'] [data-cell-status]").text_content() == ""  # its failure is past
    job.refresh_from_db()
    assert job.strength == 0.5  # the job's own strength follows (GET /api/jobs/{id}/ kept 1.0)
    with job.result_png.open("rb") as result:
        assert Path(download.value.path()).read_bytes() == result.read()  # the file has the new strengths
    assert page.evaluate("window.notReloaded") is True
    assert page.get_by_role("slider", name="Strength of cell 1", exact=True).input_value() == "0.5"

    # A cell the fidelity guard caps says what the result uses, as its slider moves.
    job.cell_rows.filter(label="1").update(
        guard={"strength_cap": 0.25, "reason": "enhanced at 25% strength", "measures": {}}
    )
    page.reload()
    applied = page.locator("[data-cell='1'] [data-applied]")
    assert applied.text_content() == "0.25" and page.locator("[data-cell='2'] [data-applied]").count() == 0
    page.get_by_role("slider", name="Strength of cell 1", exact=True).fill("0.1")
    assert applied.text_content() == "0.10"
    page.screenshot(path=os.environ.get("CHROMO_SCREENSHOT", str(tmp_path / "viewer.png")), full_page=True)
