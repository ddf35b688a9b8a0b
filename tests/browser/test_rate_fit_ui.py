"""Review walk-through of the rater portal: the item fitted to the window, and a refused answer's summary in
view with the focus, on a desktop and on a phone."""

import pytest

BOX = (
    "(el) => { const r = el.getBoundingClientRect(); return {x: r.left, y: r.top, r: r.right, b: r.bottom}; }"
)


def _fitted(page):
    """The rated image's box once it has loaded (and rate.js has fitted it to the window)."""
    page.wait_for_function("() => document.querySelector('#rate-viewer .stage img').complete")
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")
    return page.locator("#rate-viewer .stage img").evaluate(BOX)


def _in_view(box, width: int, height: int) -> bool:
    return box["x"] >= 0 and box["y"] >= 0 and box["r"] <= width and box["b"] <= height


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_whole_item_is_in_view_beside_the_form_on_a_desktop(signed_in, live_server, study_for_rita):
    """Before, at 1280 × 800 the item filled its column's width and rows 19–22, X and Y were below the fold."""
    study = study_for_rita("Desktop study")
    page = signed_in("rita", viewport={"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/rate/{study.pk}/")
    image = _fitted(page)
    assert _in_view(image, 1280, 800), image
    assert image["b"] - image["y"] >= 0.5 * 800, image  # fitted, not shrunk to a thumbnail
    form = page.locator(".rating-form").evaluate(BOX)
    assert form["x"] >= image["r"], (form, image)  # beside the item
    submit = page.get_by_role("button", name="Submit and next").evaluate(BOX)
    assert _in_view(submit, 1280, 800), submit
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    page.get_by_role("button", name="Zoom in").click()  # zoom and pan work on the fitted item
    stage = page.locator("#rate-viewer .stage")
    assert "zoomed" in stage.get_attribute("class")
    assert "scale(1.5)" in page.locator("#rate-viewer .stage img").get_attribute("style")
    assert _in_view(stage.evaluate(BOX), 1280, 800)  # the zoomed image stays inside its box
    page.get_by_role("button", name="Fit").click()
    assert _fitted(page) == image

    page.set_viewport_size({"width": 1280, "height": 600})  # a smaller window: fitted again
    page.wait_for_function(
        "() => document.querySelector('#rate-viewer .stage img').getBoundingClientRect().bottom <= 600"
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_empty_answer_on_a_phone_shows_its_summary_with_the_focus(signed_in, live_server, study_for_rita):
    """Before, "Submit and next" with nothing filled came back scrolled to the top, the item filling the screen
    and the errors below it: it looked as if nothing had happened."""
    study = study_for_rita("Phone study")
    page = signed_in("rita", viewport={"width": 390, "height": 844}, phone=True)
    page.goto(f"{live_server.url}/rate/{study.pk}/")
    image = _fitted(page)
    assert _in_view(image, 390, 844), image
    assert image["r"] - image["x"] >= 0.9 * 390, image  # the item fills the phone's width
    assert page.locator(".rating-form").evaluate(BOX)["y"] >= image["b"]  # the form below it
    url = page.url

    page.get_by_role("button", name="Submit and next").click()
    page.wait_for_selector("#error-summary")
    _fitted(page)
    summary = page.locator("#error-summary")
    assert summary.get_attribute("role") == "alert"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    box = summary.evaluate(BOX)
    assert _in_view(box, 390, 844), (box, page.evaluate("window.scrollY"))
    assert summary.get_by_role("link").count() == 3

    summary.get_by_role("link", name="Overall quality").click()  # to the field, the history untouched
    assert page.evaluate("document.activeElement.id") == "id_quality_0"
    assert page.url == url
    assert _in_view(page.locator("#id_quality_0").evaluate(BOX), 390, 844)
