"""A rater rates four items, leaves, comes back to the fifth; a curator reads the statistics and the CSV."""

import csv
import io

import pytest

from webapp.studies import services


def _rate(page, abnormality: str, quality: int, sharpness: int) -> None:
    page.fill("#id_abnormality", abnormality)
    page.check(f"input[name=quality][value='{quality}']")
    page.check(f"input[name=sharpness][value='{sharpness}']")
    page.get_by_role("button", name="Submit and next").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rater_resumes_and_curator_reads_statistics(page, live_server, log_in, make_user, finished_karyograms):
    curator = make_user("curator", "cora")
    rater = make_user("rater", "rita")
    study = services.create_study(name="Browser study", instructions="Rate carefully.",
                                  karyograms=finished_karyograms(3), raters=[rater], created_by=curator)

    log_in("rita")
    page.get_by_role("link", name="My ratings").click()
    page.get_by_role("link", name="Start").click()
    for n in range(1, 5):
        page.wait_for_selector(f"text=Item {n}")
        page.wait_for_function("() => document.querySelector('.stage img').complete")
        assert page.locator(".stage img").evaluate("img => img.naturalWidth") == 120  # the blinded image loaded
        page.get_by_role("button", name="Zoom in").click()
        _rate(page, "none" if n % 2 else "+8", 1 + n % 5, 2)
    page.wait_for_selector("text=4 of 6 rated")
    page.get_by_role("button", name="Log out").click()

    log_in("rita")
    page.get_by_role("link", name="My ratings").click()
    assert "4 of 6" in page.inner_text("main")
    page.get_by_role("link", name="Resume").click()
    page.wait_for_selector("text=Item 5")
    timer = page.locator("[data-timer]")
    page.wait_for_timeout(1200)
    assert int(timer.inner_text().split()[0]) >= 1  # the timer runs
    _rate(page, "none", 3, 3)
    page.wait_for_selector("text=5 of 6 rated")
    page.get_by_role("button", name="Log out").click()

    log_in("cora")
    page.get_by_role("link", name="Studies").click()
    page.get_by_role("link", name="Browser study").click()
    assert "5 of 6" in page.inner_text("main")
    page.get_by_role("link", name="Statistics").click()
    page.wait_for_selector("#table1")
    assert "rita" in page.inner_text("#table1")
    assert page.locator("svg.plot").count() >= 3
    with page.expect_download() as download:
        page.get_by_role("link", name="Ratings (CSV)").first.click()
    rows = list(csv.DictReader(io.StringIO(open(download.value.path(), encoding="utf-8").read())))
    assert len(rows) == 5 and {r["rater"] for r in rows} == {"rita"}
    assert download.value.suggested_filename == f"study-{study.pk}-ratings.csv"
