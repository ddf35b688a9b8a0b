"""The slot-box editor on a phone (390×844, touch): a wide karyogram fitted to the card drew boxes ~25 px tall with
a 5.5 px resize handle that a finger had to hit exactly, and touch-action: none on the image blocked scrolling and
pinch-zoom there. Now the image starts large enough for finger-sized boxes inside a frame that scrolls sideways,
a finger near a box's corner resizes it, and a finger outside the boxes scrolls."""

import json

import numpy as np
import pytest

from tests.factories import EnhancementJobFactory, KaryogramFactory, png_bytes
from tests.support.layout_guess import REFUSAL
from webapp.cases.models import SLICING_FAILED, JobState

PHONE = {"width": 390, "height": 844}
WIDE = (2400, 860)  # a wide karyogram: 332×119 CSS px when fitted to a phone's card


@pytest.fixture
def phone_page(signed_in, live_server, make_user, settings, tmp_path):
    """A technologist's failed job of a wide karyogram (its editor starts from the template), on a phone."""
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", username="pia")
    gray = np.full(WIDE[::-1], 200, np.uint8)
    gray[::40, :] = 90  # something to see
    karyogram = KaryogramFactory(case__created_by=user, name="wide.png", png=png_bytes(gray))
    job = EnhancementJobFactory(
        state=JobState.FAILED, error=SLICING_FAILED + REFUSAL, karyogram=karyogram, created_by=user
    )
    page = signed_in("pia", viewport=PHONE, phone=True)
    page.goto(f"{live_server.url}/jobs/{job.pk}/")
    page.wait_for_selector("#layout-editor:not([hidden]) g.slot")
    page.wait_for_function("document.querySelector('#layout-editor img').complete")
    return page


def _boxes(page) -> dict[str, list[int]]:
    return {c["label"]: c["box"] for c in json.loads(page.input_value("#layout-json"))["cells"]}


def _touch_drag(page, frm: tuple[float, float], to: tuple[float, float], steps: int = 6) -> None:
    """One finger from `frm` to `to` (viewport CSS px), through the browser's own touch input (touch-action
    decides, as on a phone, whether the page scrolls or the editor gets the moves)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": frm[0], "y": frm[1]}]})
    for i in range(1, steps + 1):
        x = frm[0] + (to[0] - frm[0]) * i / steps
        y = frm[1] + (to[1] - frm[1]) * i / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()
    page.wait_for_timeout(150)


def _geometry(page, label: str) -> dict:
    """Slot `label`'s box on screen (after scrolling it into the middle of the frame and the window)."""
    return page.evaluate(
        """(label) => {
          const frame = document.querySelector('#layout-editor .editor-frame');
          const rect = document.querySelector(`#layout-editor g.slot[data-label="${label}"] rect[data-role=move]`);
          let r = rect.getBoundingClientRect(), f = frame.getBoundingClientRect();
          frame.scrollLeft += (r.left + r.right) / 2 - (f.left + f.right) / 2;
          window.scrollBy(0, (r.top + r.bottom) / 2 - innerHeight / 2);
          r = rect.getBoundingClientRect();
          const svg = document.querySelector('#layout-editor svg').getBoundingClientRect();
          return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,
                  scale: svg.width / Number(document.getElementById('layout-editor').dataset.width)};
        }""",
        label,
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_a_phone_the_boxes_are_finger_sized_and_the_page_does_not_scroll_sideways(phone_page):
    page = phone_page
    drawn = page.evaluate(
        """() => {
          const frame = document.querySelector('#layout-editor .editor-frame');
          const heights = [...document.querySelectorAll('#layout-editor g.slot rect[data-role=move]')]
            .map((r) => r.getBoundingClientRect().height);
          const labels = [...document.querySelectorAll('#layout-editor g.slot text')]
            .map((t) => parseFloat(t.getAttribute('font-size')) * t.getScreenCTM().a);
          return {heights, labels, frame: frame.clientWidth, inner: frame.scrollWidth,
                  page: document.documentElement.scrollWidth,
                  zoom: document.querySelector('[data-editor-zoom-level]').textContent};
        }"""
    )
    assert len(drawn["heights"]) == 24
    assert min(drawn["heights"]) >= 44, drawn  # fitted to the card they were ~25 px
    assert min(drawn["labels"]) >= 12, drawn  # labels were ~9 px
    assert drawn["inner"] > drawn["frame"] and drawn["page"] <= PHONE["width"]  # it scrolls inside its frame
    assert drawn["zoom"] != "100%"

    # the size buttons: "Whole width" fits it to the card again, "Larger" enlarges it
    page.get_by_role("button", name="Whole width").click()
    assert (
        page.evaluate("document.querySelector('#layout-editor .editor-frame').scrollWidth")
        <= drawn["frame"] + 1
    )
    page.get_by_role("button", name="Larger").click()
    page.get_by_role("button", name="Larger").click()
    assert page.locator("[data-editor-zoom-level]").inner_text() == "225%"
    page.get_by_role("button", name="Smaller").click()
    assert page.locator("[data-editor-zoom-level]").inner_text() == "150%"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_finger_near_a_corner_resizes_a_box_and_a_finger_outside_the_boxes_scrolls(phone_page):
    page = phone_page
    start = _boxes(page)
    picked = page.input_value("[data-label-picker]")

    # A finger 8 px below and right of slot 3's corner (outside the box, off the 5.5 px handle): resized.
    g = _geometry(page, "3")
    _touch_drag(page, (g["right"] + 8, g["bottom"] + 8), (g["right"] + 28, g["bottom"] + 28))
    x0, y0, x1, y1 = start["3"]
    s = g["scale"]
    assert _boxes(page)["3"] == pytest.approx([x0, y0, x1 + 20 / s, y1 + 20 / s], abs=2 / s + 1)

    # A finger 10 px inside slot 12's corner: resized too (smaller this time).
    g = _geometry(page, "12")
    _touch_drag(page, (g["right"] - 10, g["bottom"] - 10), (g["right"] - 30, g["bottom"] - 20))
    x0, y0, x1, y1 = start["12"]
    assert _boxes(page)["12"] == pytest.approx([x0, y0, x1 - 20 / s, y1 - 10 / s], abs=2 / s + 1)

    # A finger in the middle of slot 12 moves it.
    g = _geometry(page, "12")
    middle = ((g["left"] + g["right"]) / 2, (g["top"] + g["bottom"]) / 2)
    before = _boxes(page)["12"]
    _touch_drag(page, middle, (middle[0] + 20, middle[1]))
    after = _boxes(page)["12"]
    assert after[0] - before[0] == pytest.approx(20 / s, abs=2 / s + 1) and after[1] == before[1]

    # A finger on the image outside every box scrolls the frame sideways and changes no box.
    boxes = _boxes(page)
    g = _geometry(page, "1")
    scrolled = page.evaluate("document.querySelector('#layout-editor .editor-frame').scrollLeft")
    empty = page.evaluate(
        """() => {
          const svg = document.querySelector('#layout-editor svg').getBoundingClientRect();
          const f = document.querySelector('#layout-editor .editor-frame').getBoundingClientRect();
          for (let y = Math.max(svg.top, 60) + 2; y < Math.min(svg.bottom, innerHeight - 10); y += 4)
            for (let x = f.left + 120; x < f.right - 20; x += 4) {
              const hit = document.elementFromPoint(x, y);
              if (hit && hit.tagName === 'svg') return [x, y];
            }
          return null;
        }"""
    )
    assert empty is not None
    _touch_drag(page, tuple(empty), (empty[0] - 100, empty[1]), steps=10)
    assert page.evaluate("document.querySelector('#layout-editor .editor-frame').scrollLeft") > scrolled + 30
    assert _boxes(page) == boxes
    assert page.input_value("[data-label-picker]") in (picked, "3", "12")

    # Undo steps back through the touch edits.
    page.get_by_role("button", name="Undo").click()
    page.get_by_role("button", name="Undo").click()
    page.get_by_role("button", name="Undo").click()
    assert _boxes(page) == start


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_by_touch_a_new_box_is_drawn_after_pressing_draw(phone_page):
    page = phone_page
    start = _boxes(page)
    page.select_option("[data-label-picker]", "X")
    page.get_by_role("button", name="Draw a new box for slot X").click()
    g = _geometry(page, "7")  # the drag starts inside slot 7: drawing never grabs the box under the finger
    frm = ((g["left"] + g["right"]) / 2, (g["top"] + g["bottom"]) / 2)
    _touch_drag(page, frm, (frm[0] + 40, frm[1] + 50))
    boxes = _boxes(page)
    assert boxes["7"] == start["7"]
    x, y = boxes["X"][:2]
    assert boxes["X"][2] - x == pytest.approx(40 / g["scale"], abs=2 / g["scale"] + 1)
    assert boxes["X"][3] - y == pytest.approx(50 / g["scale"], abs=2 / g["scale"] + 1)
