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
def test_rater_resumes_and_curator_reads_statistics(
    page, live_server, log_in, make_user, finished_karyograms
):
    curator = make_user("curator", "cora")
    rater = make_user("rater", "rita")
    study = services.create_study(
        name="Browser study",
        instructions="Rate carefully.",
        karyograms=finished_karyograms(3),
        raters=[rater],
        created_by=curator,
    )

    log_in("rita")
    page.get_by_role("link", name="My ratings").click()
    page.get_by_role("link", name="Start").click()
    for n in range(1, 5):
        page.wait_for_selector(f"text=Item {n}")
        page.wait_for_function("() => document.querySelector('.stage img').complete")
        assert (
            page.locator(".stage img").evaluate("img => img.naturalWidth") == 120
        )  # the blinded image loaded
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
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text(encoding="utf-8-sig"))))
    assert len(rows) == 5 and {r["rater"] for r in rows} == {"rita"}
    assert download.value.suggested_filename == f"study-{study.pk}-ratings.csv"


SCORE_TARGETS = """() => [...document.querySelectorAll('fieldset[data-score] label')].map((label) => {
  const r = label.getBoundingClientRect(); return [r.width, r.height]; })"""
LAYOUT_PROBE = """() => {
  const box = (el) => { const r = el.getBoundingClientRect(); return {x: r.left, y: r.top, r: r.right, b: r.bottom}; };
  const header = [...document.querySelectorAll('.topbar .brand, .topbar nav > a, .topbar nav > span, .topbar nav > form')]
    .filter((el) => el.getClientRects().length).map(box);
  return {
    viewport: window.innerWidth, scrollWidth: document.documentElement.scrollWidth,
    image: box(document.querySelector('#rate-viewer .stage img')), form: box(document.querySelector('.rating-form')),
    header, viewportMeta: document.querySelector('meta[name=viewport]').content,
    touchAction: getComputedStyle(document.querySelector('#rate-viewer .stage')).touchAction,
  };
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("width", "height"), [(390, 844), (768, 1024)])
def test_rater_portal_on_phone_and_tablet(
    browser, live_server, make_user, finished_karyograms, width, height
):
    """Issue 14: at 390 px the item was a ~45-px thumbnail beside the form and the header text overlapped."""
    from tests.conftest import PASSWORD

    curator = make_user("curator", "cora")
    rater = make_user("rater", "rita-with-a-long-name")
    study = services.create_study(
        name="Phone study",
        instructions="",
        karyograms=finished_karyograms(2),
        raters=[rater],
        created_by=curator,
    )
    context = browser.new_context(
        viewport={"width": width, "height": height},
        is_mobile=width < 600,
        has_touch=True,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(live_server.url + "/accounts/login/")
        page.fill("#id_username", rater.username)
        page.fill("#id_password", PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server.url}/rate/{study.pk}/")
        page.wait_for_function("() => document.querySelector('.stage img').complete")
        probe = page.evaluate(LAYOUT_PROBE)
        assert probe["viewport"] == width and probe["scrollWidth"] <= width  # nothing sticks out sideways
        image, form = probe["image"], probe["form"]
        assert image["r"] - image["x"] >= 0.9 * width, probe  # the item fills the width
        assert form["y"] >= image["b"], probe  # the form is below the item, not beside it
        header = probe["header"]
        assert len(header) >= 4
        for i, a in enumerate(header):
            assert 0 <= a["x"] and a["r"] <= width, (a, probe)
            for b in header[i + 1 :]:
                overlap = (
                    min(a["r"], b["r"]) - max(a["x"], b["x"]) > 0
                    and min(a["b"], b["b"]) - max(a["y"], b["y"]) > 0
                )
                assert not overlap, (a, b)
        assert (
            "user-scalable=no" not in probe["viewportMeta"].replace(" ", "")
            and "maximum-scale" not in probe["viewportMeta"]
        )
        # the browser's own pinch-zoom (and scrolling) work on the item ("manipulation" = pan-x pan-y pinch-zoom)
        assert probe["touchAction"] in ("manipulation", "pan-x pan-y pinch-zoom")
        # each score is a finger-sized target (before: 42 × 28 px labels around 13-px radios)
        targets = page.evaluate(SCORE_TARGETS)
        assert len(targets) == 10 and all(w >= 44 and h >= 44 for w, h in targets), targets
        page.get_by_role("button", name="Zoom in").click()
        assert page.evaluate(LAYOUT_PROBE)["touchAction"] == "pinch-zoom"  # zoomed in: a drag pans the item
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_rating_by_keyboard_and_correcting_the_previous_item(page, live_server, log_in, study_for_rita):
    from webapp.studies.models import Rating

    study = study_for_rita("Keyboard study")
    log_in("rita")
    page.goto(f"{live_server.url}/rate/{study.pk}/")
    page.wait_for_selector("text=Item 1")
    assert page.evaluate("document.activeElement.id") == "id_abnormality"  # no Tabs to reach the first field
    first = page.input_value("input[name=item]")
    assert f"item={first}" in page.url  # the item has its own address in the history
    page.keyboard.type("+8")
    page.keyboard.press("Enter")  # scores not given yet: Enter moves to them instead of submitting
    assert page.evaluate("document.activeElement.name") == "quality"
    page.keyboard.press("4")
    assert page.evaluate("document.activeElement.name") == "sharpness"
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Item 2")
    assert "1 of 4 rated" in page.inner_text("main")
    assert [
        (r.quality, r.sharpness, r.abnormality) for r in Rating.objects.filter(assignment__token=first)
    ] == [(4, 2, "+8")]

    page.keyboard.press("Escape")
    page.keyboard.press("p")  # back to the previous item
    page.wait_for_selector("text=Correcting item 1")
    assert page.input_value("#id_abnormality") == "+8" and page.is_checked("input[name=quality][value='4']")
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.type("meant 5")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.press("5")
    page.keyboard.press("Enter")
    page.wait_for_selector("text=Item 2")
    versions = [
        (r.version, r.quality, r.reason)
        for r in Rating.objects.filter(assignment__token=first).order_by("version")
    ]
    assert versions == [(1, 4, ""), (2, 5, "meant 5")]  # append-only: the first answer stays
    page.go_back()  # the browser's Back also opens the previous item, in its corrected state
    page.wait_for_selector("text=Correcting item 1")
    assert page.is_checked("input[name=quality][value='5']")


HIDE = """(hidden) => {
  Object.defineProperty(document, "hidden", {configurable: true, get: () => hidden});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_time_the_page_was_hidden_is_not_counted(page, live_server, log_in, study_for_rita):
    """rate.js reports the time the page was hidden (another tab, a locked phone); the server subtracts it."""
    import time

    from webapp.studies.models import Rating

    study = study_for_rita("Hidden study")
    log_in("rita")
    started = time.monotonic()
    page.goto(f"{live_server.url}/rate/{study.pk}/")
    page.wait_for_selector("text=Item 1")
    page.evaluate(HIDE, True)  # as the browser does when the rater switches to another tab
    page.wait_for_timeout(2000)
    page.evaluate(HIDE, False)
    timer = int(page.inner_text("[data-timer]").split()[0])
    assert timer < 2  # the timer on the page leaves the hidden time out too
    _rate(page, "none", 3, 3)
    page.wait_for_selector("text=Item 2")
    wall = time.monotonic() - started
    rating = Rating.objects.get()
    assert 1.9 <= rating.hidden_seconds <= wall
    assert 0 <= rating.measured_seconds <= wall - rating.hidden_seconds
    assert rating.duration_seconds == rating.measured_seconds


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_curator_adds_an_invited_rater_to_an_open_study(page, live_server, log_in, make_user, study_for_rita):
    study = study_for_rita("Growing study")
    make_user("rater", "ravi")
    log_in("cora")
    page.goto(f"{live_server.url}/studies/{study.pk}/")
    page.get_by_label("ravi").check()
    page.get_by_role("button", name="Add to the study").click()
    page.wait_for_selector("text=Added ravi: each has their own order of the 4 items.")
    assert "ravi 0 of 4" in " ".join(page.inner_text("main").split())
    page.get_by_role("button", name="Log out").click()

    log_in("ravi")
    page.get_by_role("link", name="My ratings").click()
    page.get_by_role("link", name="Start").click()
    page.wait_for_selector("text=Item 1")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_closing_a_study_asks_first(page, live_server, log_in, study_for_rita):
    """Before, one stray tap on "Close the study" shut it to every rater in the middle of their work."""
    study = study_for_rita("Open study")
    log_in("cora")
    page.goto(f"{live_server.url}/studies/{study.pk}/")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Close the study").click()
    page.wait_for_timeout(500)
    assert asked and "cannot rate until you open it again" in asked[0]
    study.refresh_from_db()
    assert study.state == "open"  # kept: the curator said no
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Close the study").click()
    page.wait_for_selector("text=The study is now closed.")
    page.get_by_role("button", name="Open the study again").click()  # reopening asks nothing
    page.wait_for_selector("text=The study is now open.")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_study_page_follows_its_raters_progress(page, live_server, log_in, study_for_rita):
    """Before, a curator watching a study had to reload its page to see a rating arrive."""
    study = study_for_rita("Watched study")
    rater = study.raters.get()
    log_in("cora")
    page.goto(f"{live_server.url}/studies/{study.pk}/")
    assert "rita 0 of 4" in " ".join(page.inner_text("#rater-progress").split())
    page.evaluate("window.notReloaded = true")
    item = services.next_assignment(study, rater)
    services.submit_rating(study, rater, item.token, abnormality="none", quality=3, sharpness=3)
    page.wait_for_function(
        r"document.querySelector('#rater-progress').innerText.replace(/\s+/g, ' ').includes('rita 1 of 4')",
        timeout=25_000,
    )
    assert page.evaluate("window.notReloaded") is True  # the table changed in place
