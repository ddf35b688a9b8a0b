"""A technologist, on a phone, uploads a journal figure of two karyograms: the job fails naming its panels,
one tap splits it, and both panels are enhanced as karyograms of their own."""

import pytest

from enhancer.io import ImageInfo, encode_karyogram
from tests.support.panels import two_panel_figure
from webapp.cases.models import JobState, Karyogram


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_two_panel_figure_is_split_and_both_panels_enhanced(
    page, live_server, log_in, make_user, celery_worker, tmp_path
):
    page.set_viewport_size({"width": 390, "height": 844})
    make_user("technologist", username="pia")
    log_in("pia")
    page.goto(live_server.url + "/cases/new/")
    page.fill("#id_accession", "PANELS-1")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Case PANELS-1")
    page.wait_for_load_state("load")
    figure = tmp_path / "figure 2.png"
    figure.write_bytes(encode_karyogram(two_panel_figure(), ImageInfo("PNG", 1403, 600, 1, 8)))
    page.set_input_files("#id_images", [str(figure)])
    page.get_by_role("button", name="Upload and enhance").click()
    page.wait_for_selector("text=figure 2.png: uploaded")

    page.get_by_role("link", name="Split into 2 karyograms").click(timeout=60_000)  # shown live when it fails
    split = page.get_by_role("button", name="Split into 2 karyograms")
    assert "figure of 2 panels" in page.locator("[data-job-error]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    split.click()

    page.wait_for_selector("text=figure 2.png was split into 2 karyograms")
    split_into = " ".join(page.locator("[data-split-into]").inner_text().split())
    assert split_into == "split into figure 2-panel1.png, figure 2-panel2.png"
    assert page.locator("[data-split-from]").all_inner_texts() == ["cut from figure 2.png"] * 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    panels = Karyogram.objects.filter(original_name__contains="-panel")
    page.wait_for_function(  # the case page follows both jobs live
        "() => document.querySelectorAll('.state-done').length >= 2", timeout=120_000
    )
    assert sorted((k.width, k.height) for k in panels) == [(700, 600), (700, 600)]
    assert all(k.jobs.get().state == JobState.DONE for k in panels)
