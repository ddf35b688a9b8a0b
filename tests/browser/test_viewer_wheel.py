"""Walk-through at 1280 px: scrolling the result page (or a rating item) with the mouse wheel over the fitted
karyogram zoomed it instead of scrolling, so the cells and the rating form below were hard to reach."""

import pytest

WHEEL_PROBE = """() => { window.wheelPrevented = null;
  window.addEventListener('wheel', (e) => { window.wheelPrevented = e.defaultPrevented; }, {once: true}); }"""


def _wheel(page, stage, delta: int, ctrl: bool = False) -> tuple[bool, str]:
    """One wheel turn over the middle of `stage`: whether the viewer kept it from the page, and its image's
    transform afterwards."""
    page.evaluate(WHEEL_PROBE)
    stage.scroll_into_view_if_needed()
    box = stage.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + min(box["height"] / 2, 200))
    if ctrl:
        page.keyboard.down("Control")
    page.mouse.wheel(0, delta)
    if ctrl:
        page.keyboard.up("Control")
    page.wait_for_function("window.wheelPrevented !== null")
    return page.evaluate("window.wheelPrevented"), stage.evaluate(
        "(s) => s.querySelector('img').style.transform"
    )


def _check_wheel(page, stage) -> None:
    prevented, transform = _wheel(page, stage, 300)
    assert not prevented and "scale(1.2)" not in transform  # fitted: the page scrolls, nothing zooms
    prevented, transform = _wheel(page, stage, -100, ctrl=True)
    assert prevented and "scale(1.2)" in transform  # Ctrl + wheel zooms
    prevented, transform = _wheel(page, stage, -100)
    assert prevented and "scale(1.44)" in transform  # zoomed: the wheel zooms on


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_wheel_scrolls_past_the_fitted_result_and_ctrl_wheel_zooms(
    page, live_server, log_in, finished_karyograms
):
    job = finished_karyograms(1)[0].jobs.get()
    log_in("tech-for-study")
    page.goto(live_server.url + job.get_absolute_url())
    page.wait_for_function("[...document.querySelectorAll('#viewer img')].every(i => i.complete)")
    assert page.get_by_text("Ctrl + scroll zooms").is_visible()
    _check_wheel(page, page.locator(".pane .stage").first)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_wheel_scrolls_past_the_fitted_rating_item_and_ctrl_wheel_zooms(
    page, live_server, log_in, study_for_rita
):
    study = study_for_rita("Wheel study")
    log_in("rita")
    page.goto(f"{live_server.url}/rate/{study.pk}/")
    page.wait_for_function("() => document.querySelector('.stage img').complete")
    _check_wheel(page, page.locator("#rate-viewer .stage"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_zoomed_result_fills_its_pane_and_leaves_the_slider_uncovered(
    page, live_server, log_in, finished_karyograms
):
    """Walk-through at 1280 px: zoomed in, the karyogram was cut at the edge of its fitted box and the rest
    of the pane stayed blank."""
    job = finished_karyograms(1)[0].jobs.get()
    log_in("tech-for-study")
    page.goto(live_server.url + job.get_absolute_url())
    page.wait_for_function("[...document.querySelectorAll('#viewer img')].every(i => i.complete)")
    beside = """() => { const s = document.querySelector('#viewer .pane .stage').getBoundingClientRect();
      const e = document.elementFromPoint(s.right + 20, s.top + 10); return e && e.tagName; }"""
    assert page.evaluate(beside) != "IMG"  # fitted: nothing beside the image
    page.get_by_role("button", name="Zoom in").click()
    assert page.evaluate(beside) == "IMG"  # zoomed: the image goes on past the fitted box
    page.get_by_role("button", name="Slider").click()
    page.get_by_role("button", name="Zoom in").click()
    hit = page.evaluate(
        """() => { const r = document.querySelector('[data-slider]').getBoundingClientRect();
          return document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2).matches('[data-slider]'); }"""
    )
    assert hit  # the zoomed image stops at its stage: the slider below can still be grabbed
    for _ in range(5):
        page.get_by_role("button", name="Zoom in").click()  # now wider than its pane
    page.locator("[data-slider]").fill("20")
    line, knob = page.evaluate(
        """() => { const o = document.querySelector('.overlay'), p = o.closest('.slider-pane').getBoundingClientRect();
          const scale = new DOMMatrix(getComputedStyle(o).transform).a;
          const split = parseFloat(getComputedStyle(o).getPropertyValue('--split'));
          return [o.getBoundingClientRect().left + split * scale, p.left + 0.2 * p.width]; }"""
    )
    assert abs(line - knob) <= 3  # the line stays at the slider's place in view (it was far to its left)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_zoom_keeps_the_centre_and_the_keyboard_pans_within_the_image(
    page, live_server, log_in, finished_karyograms
):
    """Walk-through: zoom grew from the top-left corner (the centre left the view), a drag could push the image
    out of its pane, and keyboard users could zoom but never pan."""
    job = finished_karyograms(1)[0].jobs.get()
    log_in("tech-for-study")
    page.goto(live_server.url + job.get_absolute_url())
    page.wait_for_function("[...document.querySelectorAll('#viewer img')].every(i => i.complete)")
    image = page.locator(".pane .stage > img").first
    moved = "(i) => new DOMMatrix(getComputedStyle(i).transform)"
    page.get_by_role("button", name="Zoom in").click()
    m = image.evaluate(
        f"i => {{ const m = ({moved})(i); return [m.a, m.e, m.f, i.offsetWidth, i.offsetHeight]; }}"
    )
    scale, x, y, w, h = m
    assert (
        scale == 1.5 and abs(x - w * (1 - scale) / 2) < 1 and abs(y - h * (1 - scale) / 2) < 1
    )  # centre kept
    stage = page.locator(".pane .stage").first
    stage.focus()
    for _ in range(20):
        page.keyboard.press("ArrowLeft")  # look further left: the image moves right, up to its left edge
    assert image.evaluate(f"i => ({moved})(i).e") == 0
    page.keyboard.press("ArrowRight")
    assert image.evaluate(f"i => ({moved})(i).e") < 0
    page.keyboard.press("+")
    assert image.evaluate(f"i => ({moved})(i).a") == 2.25
