"""The case page's upload form in Chromium while files are being sent."""

import pytest

from tests.factories import CaseFactory
from webapp.cases.models import Karyogram


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_upload_button_says_it_is_sending_and_cannot_send_the_files_twice(
    page, live_server, log_in, make_user, karyogram_png, tmp_path
):
    """Walk-through: while a large TIFF was being sent the page showed nothing, and a second press on
    "Upload and enhance" sent the same files again (two karyograms, two jobs)."""
    tech = make_user("technologist", "tina")
    case = CaseFactory(accession="UP-1", created_by=tech)
    files = [tmp_path / "a.png", tmp_path / "b.png"]
    for path in files:
        path.write_bytes(karyogram_png)
    log_in("tina")
    page.goto(live_server.url + case.get_absolute_url())
    page.wait_for_load_state("load")
    page.set_input_files("#id_images", [str(p) for p in files])
    # What the button shows as the files leave (kept across the page change), then two quick presses.
    page.evaluate(
        """() => {
          const form = document.getElementById('upload-form'), button = form.querySelector('button[type=submit]');
          form.addEventListener('submit', () => sessionStorage.setItem('sending', button.disabled + ' ' + button.textContent));
          button.click(); button.click();
        }"""
    )
    page.wait_for_selector("text=b.png: uploaded")
    assert page.evaluate("sessionStorage.getItem('sending')") == "true Uploading 2 files…"
    assert Karyogram.objects.filter(case=case).count() == 2
    button = page.locator("#upload-form button[type=submit]")
    assert button.is_enabled() and button.inner_text() == "Upload and enhance"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_file_the_page_refuses_is_not_sent_with_the_good_ones(
    page, live_server, log_in, make_user, karyogram_png, tmp_path
):
    """Walk-through: a 120 MB TIFF chosen with a good file was uploaded in full, only to be refused by the
    server; the page had already listed it as over the limit."""
    tech = make_user("technologist", "tina")
    case = CaseFactory(accession="UP-2", created_by=tech)
    good, refused = tmp_path / "a.png", tmp_path / "notes.txt"
    good.write_bytes(karyogram_png)
    refused.write_text("not a karyogram")
    log_in("tina")
    page.goto(live_server.url + case.get_absolute_url())
    page.set_input_files("#id_images", [str(good), str(refused)])
    assert (
        "notes.txt: not a PNG, TIFF, JPEG or BMP file; not sent"
        in page.locator("#upload-problems").inner_text()
    )
    page.locator("#upload-form button[type=submit]").click()
    page.wait_for_selector("text=a.png: uploaded")
    assert "notes.txt" not in page.locator(".messages").inner_text()  # the server never saw it
    # the page the upload returns to still lists what was not sent, and only once
    assert (
        page.locator("#upload-problems").inner_text()
        == "notes.txt: not a PNG, TIFF, JPEG or BMP file; not sent"
    )
    page.reload()
    assert page.locator("#upload-problems").inner_text() == ""
    assert [k.original_name for k in Karyogram.objects.filter(case=case)] == ["a.png"]
