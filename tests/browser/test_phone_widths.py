"""At a phone's 390 px no page scrolls sideways: wide tables scroll inside themselves, filter rows wrap."""

import pytest

from enhancer.karyogram_report import KaryogramReport
from tests.conftest import PASSWORD
from tests.factories import EnhancementJobFactory, KaryogramFactory, trained_model_versions
from webapp.cases.models import EnhancementJob, JobState
from webapp.studies import services

WIDTH, HEIGHT = 390, 844

# The widest text a search box's placeholder needs against the room it has (canvas measures the box's own font).
PLACEHOLDER_FITS = """(input) => {
  const style = getComputedStyle(input);
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  return {text: context.measureText(input.placeholder).width, room};
}"""


@pytest.fixture
def phone(signed_in):
    """A signed-in phone: `sign_in(username)` opens a fresh 390×844 touch context and logs in."""
    return lambda username: signed_in(username, viewport={"width": WIDTH, "height": HEIGHT}, phone=True)


def _widths(page, live_server, paths: dict[str, str]) -> dict[str, int]:
    """Each page's document width at the phone viewport."""
    widths = {}
    for name, path in paths.items():
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        widths[name] = page.evaluate("document.documentElement.scrollWidth")
    return widths


def _rate_everything(study, raters) -> None:
    """Every rater rates every item (hidden repeats too), so each statistics table has rows."""
    for n, rater in enumerate(raters):
        while (assignment := services.next_assignment(study, rater)) is not None:
            services.submit_rating(
                study,
                rater,
                assignment.token,
                abnormality="none" if assignment.position % 2 else "+8",
                quality=1 + (assignment.position + n) % 5,
                sharpness=1 + (assignment.position * 2 + n) % 5,
            )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_case_and_curator_pages_fit_a_phone(phone, live_server, make_user, finished_karyograms):
    """QA at 390 px: the case list was 518 px wide, a case page ~500 (its job link covered), study detail 872,
    statistics 1091, curation 734 and models 738; the job page showed original and enhanced at 180 px each."""
    karyograms = finished_karyograms(4)
    curator = make_user("curator", "cora")
    raters = [make_user("rater", "rita"), make_user("rater", "rolf")]
    study = services.create_study(
        name="Phone study", instructions="", karyograms=karyograms, raters=raters, created_by=curator
    )
    _rate_everything(study, raters)
    trained_model_versions({"broken-model-with-a-long-name": 0.07, "good": 0.45})
    case = karyograms[0].case
    case.referral_reason = "R" * 255  # QA: long unbroken text made the case page 1991 px wide
    case.notes = "See https://lims.example.org/" + "a1b2c3" * 40
    case.save()
    job = karyograms[0].jobs.get()
    EnhancementJob.objects.filter(pk=job.pk).update(
        report=KaryogramReport(0.9712, 1.008, 1.02, 1.05, 0.844, 0.851, 21).to_json()
    )  # its whole-karyogram card, a figure below target
    export = KaryogramFactory(case=case, name="2019-03-14_bone-marrow_G-banded_karyogram_export_final.png")
    EnhancementJobFactory(
        karyogram=export,
        state=JobState.FAILED,
        error="No chromosome slots were found on this karyogram; draw the slot boxes and run it again.",
    )

    technologist = phone("tech-for-study")
    widths = _widths(
        technologist,
        live_server,
        {"case list": "/cases/", "case page": case.get_absolute_url(), "job page": job.get_absolute_url()},
    )
    # On the job page the original sits above the enhanced karyogram, each the phone's width, not 180 px.
    panes = [technologist.locator(".panes.side .pane").nth(i).bounding_box() for i in (0, 1)]
    assert (
        panes[1]["y"] >= panes[0]["y"] + panes[0]["height"] and min(p["width"] for p in panes) > 0.8 * WIDTH
    )
    # The whole karyogram's figures: each row a card within the phone's width, not a table scrolling sideways.
    report = technologist.locator("[data-job-report]")
    report.scroll_into_view_if_needed()
    box = report.bounding_box()
    assert report.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box
    assert report.locator(".table-scroll").evaluate("(t) => t.scrollWidth <= t.clientWidth")
    curator_page = phone("cora")
    widths |= _widths(
        curator_page,
        live_server,
        {
            "study detail": study.get_absolute_url(),
            "statistics": f"/studies/{study.pk}/statistics/",
            "curation": "/curation/",
            "models": "/curation/models/",
        },
    )
    curator_page.goto(f"{live_server.url}/studies/{study.pk}/statistics/")
    assert curator_page.locator("#agreement tbody tr").count() > 0  # the widest tables are filled
    too_wide = {name: width for name, width in widths.items() if width > WIDTH + 1}
    assert too_wide == {}, widths

    technologist.goto(live_server.url + "/cases/")
    fit = technologist.locator("input[name=q]").evaluate(PLACEHOLDER_FITS)
    assert fit["text"] <= fit["room"], fit  # "Accession, karyotype or reason" is read whole
    created = technologist.get_by_role("columnheader", name="Created")
    created.scroll_into_view_if_needed()  # the table scrolls inside itself: a column past the edge is reachable
    box = created.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= WIDTH + 1, box
    technologist.goto(live_server.url + case.get_absolute_url())
    # Walk-through: in a row made tall by a failed job's message, the file's name sat half a screen below it.
    row = technologist.locator("table.karyograms tr", has_text=export.original_name)
    below = row.evaluate(
        """(tr) => { const name = document.createRange(); name.selectNodeContents(tr.querySelector('td').firstChild);
          return name.getBoundingClientRect().top - tr.querySelector('td a').getBoundingClientRect().top; }"""
    )
    assert abs(below) < 10, below
    link = technologist.get_by_role("link", name=f"job {job.pk}", exact=True)
    box = link.bounding_box()
    assert box["x"] + box["width"] <= WIDTH, box  # in view without scrolling sideways
    link.click(timeout=5_000)
    technologist.wait_for_url(f"**/jobs/{job.pk}/")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_long_accession_wraps_on_every_page_of_its_case(phone, page, live_server, finished_karyograms):
    """Walk-through: a 64-character accession made the case's edit page 1401 px wide on a phone (1452 at 1280 px):
    its heading did not wrap. The job page's slider now says which side is the original."""
    karyogram = finished_karyograms(1)[0]
    case = karyogram.case
    case.accession = "BM" + "7" * 62
    case.save()
    job = karyogram.jobs.get()
    paths = {
        "edit": f"/cases/{case.pk}/edit/",
        "case": case.get_absolute_url(),
        "job": job.get_absolute_url(),
    }
    technologist = phone("tech-for-study")
    too_wide = {name: w for name, w in _widths(technologist, live_server, paths).items() if w > WIDTH + 1}
    assert too_wide == {}
    page.goto(live_server.url + "/accounts/login/")
    page.fill("#id_username", "tech-for-study")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_selector("text=Log out")
    desktop = page.viewport_size["width"]
    too_wide = {name: w for name, w in _widths(page, live_server, paths).items() if w > desktop + 1}
    assert too_wide == {}

    technologist.get_by_role("button", name="Slider").click()
    sides = technologist.locator(".slider-pane .sides span")
    assert sides.all_inner_texts() == ["← Original", "Enhanced →"]
    left, right = (sides.nth(i).bounding_box() for i in (0, 1))
    assert left["x"] + left["width"] < right["x"] and right["x"] + right["width"] <= WIDTH


TOUCH_DRAG = """(stage) => {
  const at = (type, x, y) => stage.dispatchEvent(new PointerEvent(type, {
    pointerId: 7, pointerType: 'touch', isPrimary: true, bubbles: true, clientX: x, clientY: y}));
  at('pointerdown', 100, 100); at('pointermove', 40, 20); at('pointerup', 40, 20);
  return {touchAction: getComputedStyle(stage).touchAction, transform: stage.querySelector('img').style.transform};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_finger_on_the_fitted_result_scrolls_the_page_and_pans_once_zoomed(
    phone, live_server, finished_karyograms
):
    """Walk-through at 390 px: the result viewer took every touch on its images (touch-action: none), so a finger
    that meant to scroll down to the cells dragged the fitted karyogram off its place instead, and pinch-zoom was
    blocked; the rater's viewer had been fixed for the same."""
    job = finished_karyograms(1)[0].jobs.get()
    technologist = phone("tech-for-study")
    technologist.goto(live_server.url + job.get_absolute_url())
    stage = technologist.locator(".pane .stage").first
    fitted = stage.evaluate(TOUCH_DRAG)
    assert fitted["touchAction"] in ("manipulation", "pan-x pan-y pinch-zoom")
    assert "translate(0px, 0px)" in fitted["transform"] or fitted["transform"] == ""
    technologist.get_by_role("button", name="Zoom in").click()
    zoomed = stage.evaluate(TOUCH_DRAG)
    assert (
        zoomed["touchAction"] == "pinch-zoom" and "translate(-60px, -45px) scale(1.5)" in zoomed["transform"]
    )  # the finger panned it, up to the image's edges (120×90 at 1.5×: 60 and 45 px beyond the box)
    technologist.get_by_role("button", name="Fit").click()
    assert stage.evaluate("(s) => getComputedStyle(s).touchAction") in (
        "manipulation",
        "pan-x pan-y pinch-zoom",
    )
