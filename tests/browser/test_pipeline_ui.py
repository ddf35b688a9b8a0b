"""A technologist in Chromium: case, upload, live progress, viewer, cell gallery, download."""

import os

import pytest



@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_technologist_enhances_a_karyogram_in_the_browser(page, live_server, log_in, make_user, celery_worker,
                                                          karyogram_png, tmp_path):
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
    assert page.locator("progress").first.get_attribute("value") == "100"
    assert page.locator(".gallery .cell").count() == 24
    page.get_by_role("button", name="Slider").click()
    page.locator("[data-slider]").fill("20")
    page.get_by_role("button", name="Zoom in").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download (PNG)").click()  # a PNG original: one download, as PNG
    assert download.value.suggested_filename == "UI-1-enhanced.png"
    page.screenshot(path=os.environ.get("CHROMO_SCREENSHOT", str(tmp_path / "viewer.png")), full_page=True)
