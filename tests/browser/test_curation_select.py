"""Curation pages in Chromium, at a desk and on a 390-px phone.

QA found: no "select all" on the karyogram list (every box ticked by hand) and its Apply bar only at the top of a
long list; on a phone the models table hid its Bars column and Activate button off to the side, the comparison
its second model's cells and a dataset its excellent cells, with nothing to say that more was there.
"""

import os

import numpy as np
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from tests.factories import CaseFactory, KaryogramFactory, png_bytes, trained_model_versions
from webapp.cases.models import Karyogram
from webapp.curation.models import Dataset, ModelComparison

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
SHOTS = os.environ.get(
    "CURATION_SHOTS"
)  # a folder: screenshots of each page as tested, for a person to look at


@pytest.fixture
def open_as(signed_in, make_user):
    """`open_as(size, javascript=True)`: a fresh context of that viewport (a touch phone when narrow), signed in
    as curator "cleo"."""
    make_user("curator", "cleo")
    return lambda size, javascript=True: signed_in(
        "cleo", viewport=size, phone=size["width"] < 600, java_script_enabled=javascript
    )


def _shot(page, name: str) -> None:
    if SHOTS:
        os.makedirs(SHOTS, exist_ok=True)
        page.screenshot(path=os.path.join(SHOTS, f"after_curation_{name}.png"))


def _in_view(page, locator) -> bool:
    """The element lies wholly inside the window, without scrolling sideways."""
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and box["x"] >= 0
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] >= 0
        and box["y"] + box["height"] <= size["height"] + 0.5
    )


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def many_karyograms(labelled_karyograms, make_user):
    """The 4 labelled synthetic karyograms and 10 small ones: a list longer than a phone's screen."""
    made = labelled_karyograms(2, 2)
    case = CaseFactory(accession="CUR-MORE", created_by=make_user("technologist", "more-tech"))
    for i in range(10):
        made.append(
            KaryogramFactory(
                case=case, name=f"scan-{i}.png", png=png_bytes(np.full((90, 120), 20 + 20 * i, np.uint8))
            )
        )
    return made


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("size", [DESK, PHONE], ids=["desk", "phone"])
def test_select_all_on_this_page_and_an_apply_bar_in_reach(open_as, live_server, many_karyograms, size):
    page = open_as(size)
    page.goto(live_server.url + "/curation/")
    boxes = page.locator(".thumbs input[name=selected]")
    assert boxes.count() == len(many_karyograms) == 14
    select_all = page.get_by_label("Select all on this page")
    count = page.locator("output[data-ticked-count]")
    assert select_all.is_visible() and count.inner_text() == "0 ticked"

    boxes.nth(2).check()
    assert count.inner_text() == "1 ticked"
    assert page.evaluate("document.querySelector('[data-select-all]').indeterminate") is True
    assert not select_all.is_checked()
    select_all.check()
    assert count.inner_text() == "14 ticked"
    assert all(boxes.nth(i).is_checked() for i in range(14))
    assert page.evaluate("document.querySelector('[data-select-all]').indeterminate") is False
    boxes.nth(0).uncheck()  # one cleared by hand: "select all" is half-ticked again
    assert count.inner_text() == "13 ticked" and not select_all.is_checked()
    assert page.evaluate("document.querySelector('[data-select-all]').indeterminate") is True
    select_all.check()
    assert count.inner_text() == "14 ticked"

    # Wherever the list is scrolled, the Apply button and the count are on screen: at its start and at its end.
    apply = page.get_by_role("button", name="Apply")
    assert _in_view(page, apply) and _in_view(page, count)
    _shot(page, f"karyograms_top_{size['width']}")
    page.locator(".thumb").nth(6).scroll_into_view_if_needed()
    assert _in_view(page, apply)
    page.locator(".thumb").last.scroll_into_view_if_needed()
    assert _in_view(page, apply) and _in_view(page, count)
    assert _page_width(page) <= size["width"]
    _shot(page, f"karyograms_{size['width']}")

    page.select_option("#bulk-apply select[name=length]", "long")
    apply.click()
    page.wait_for_selector("text=14 karyogram(s) updated.")
    assert set(Karyogram.objects.values_list("length", flat=True)) == {"long"}
    assert page.locator("output[data-ticked-count]").inner_text() == "0 ticked"
    select_all = page.get_by_label("Select all on this page")
    select_all.check()
    select_all.uncheck()
    assert page.locator(".thumbs input:checked").count() == 0
    assert page.locator("output[data-ticked-count]").inner_text() == "0 ticked"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_without_javascript_the_karyograms_are_ticked_and_labelled_as_before(
    open_as, live_server, labelled_karyograms
):
    made = labelled_karyograms(1, 1)
    page = open_as(PHONE, javascript=False)
    page.goto(live_server.url + "/curation/")
    assert (
        page.get_by_label("Select all on this page").count() == 0
        or not page.locator(".select-all").is_visible()
    )
    assert not page.locator("output[data-ticked-count]").is_visible()  # no count that would stay at 0
    page.locator(".thumbs input[name=selected]").first.check()
    page.select_option("#bulk-apply select[name=included]", "no")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_selector("text=1 karyogram(s) updated.")
    assert list(Karyogram.objects.order_by("pk").values_list("included", flat=True)) == [False, True]
    assert made[0].pk < made[1].pk
    assert _page_width(page) <= PHONE["width"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phone_sees_each_models_bars_and_its_activate_button(open_as, live_server):
    trained_model_versions({"broken-model-with-a-long-name": 0.07, "good": 0.45})
    page = open_as(PHONE)
    page.goto(live_server.url + "/curation/models/")
    good = page.locator("tr[data-model='good']")
    activate = good.get_by_role("button", name="Activate")
    activate.scroll_into_view_if_needed()
    assert _in_view(page, activate)
    bars = good.locator("td.bars")
    assert _in_view(page, bars) and "passes" in bars.inner_text()
    assert "Bars" in page.evaluate(
        "(el) => getComputedStyle(el, '::before').content", bars.element_handle()
    )  # each figure is named, the table's header being out of sight
    broken = page.locator("tr[data-model='broken-model-with-a-long-name'] td.bars")
    broken.scroll_into_view_if_needed()
    assert _in_view(page, broken) and "foreground SSIM 0.070" in broken.inner_text()
    assert _page_width(page) <= PHONE["width"]
    assert page.evaluate("(el) => el.scrollWidth <= el.clientWidth", page.locator("#models").element_handle())
    page.locator("#models").scroll_into_view_if_needed()
    _shot(page, "models_390")
    activate.click()
    page.wait_for_selector("text=good is now the active model")
    assert "(active)" in page.locator("tr[data-model='good']").inner_text()

    desk = open_as(DESK)  # at a desk it is the table it was, every column side by side
    desk.goto(live_server.url + "/curation/models/")
    assert desk.evaluate("getComputedStyle(document.querySelector('#models tr')).display") == "table-row"
    assert desk.locator("#models thead").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phone_sees_the_second_models_cells_and_metrics(open_as, live_server, make_user):
    first, second = trained_model_versions({"first-model": 0.45, "candidate-model-with-a-long-name": 0.52})
    comparison = ModelComparison.objects.create(
        first=first,
        second=second,
        state="done",
        progress=100,
        labels=["1", "X"],
        created_by=make_user("curator", "cora"),
    )
    for n, label in enumerate(comparison.labels):
        for kind in ("input", "first", "second"):
            pixels = np.full(
                (256, 256), 60 + 40 * n + 30 * ("input", "first", "second").index(kind), np.uint8
            )
            default_storage.save(comparison.cell_path(label, kind), ContentFile(png_bytes(pixels)))
    page = open_as(PHONE)
    page.goto(live_server.url + comparison.get_absolute_url())
    candidate = page.locator("#compare-metrics tr:has(th:text-is('ssim_fg')) td").nth(1)
    assert candidate.inner_text() == "0.520" and _in_view(page, candidate)
    for label in comparison.labels:
        cell = page.get_by_alt_text(f"cell {label} by candidate-model-with-a-long-name")
        cell.scroll_into_view_if_needed()
        assert _in_view(page, cell) and cell.bounding_box()["width"] >= 90
    assert _page_width(page) <= PHONE["width"]
    page.locator("table.cells-compare").scroll_into_view_if_needed()
    _shot(page, "comparison_390")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_phone_sees_a_datasets_excellent_cells_and_a_hint_where_a_table_scrolls(
    open_as, live_server, make_user
):
    entries = [
        {
            "karyogram": 1000 + i,
            "sha256": f"{i:x}" * 64,
            "quality": domain,
            "domain": domain,
            "split": split,
            "cells": ["1", "2", "3"] * (i + 1),
        }
        for i, (domain, split) in enumerate(
            [("poor", "train"), ("excellent", "train"), ("poor", "test"), ("excellent", "test")]
        )
    ]
    dataset = Dataset.objects.create(
        name="phone-set",
        manifest=entries,
        state=Dataset.State.READY,
        test_fraction=0.2,
        created_by=make_user("curator", "cora"),
    )
    page = open_as(PHONE)
    page.goto(live_server.url + f"/curation/datasets/{dataset.pk}/")
    train = page.locator("#counts tbody tr").first
    excellent_cells = train.locator("td").nth(3)
    assert excellent_cells.inner_text().endswith("6") and _in_view(page, excellent_cells)
    assert "Excellent cells" in page.evaluate(
        "(el) => getComputedStyle(el, '::before').content", excellent_cells.element_handle()
    )
    assert _page_width(page) <= PHONE["width"]
    _shot(page, "dataset_390")

    # The manifest still scrolls inside its box on a phone: a shadow at its right edge says there is more.
    page.locator("summary", has_text="Manifest").click()
    box = page.locator("#manifest").locator("xpath=..")
    box.scroll_into_view_if_needed()
    scrolls = page.evaluate("(el) => el.scrollWidth > el.clientWidth", box.element_handle())
    if scrolls:
        assert "radial-gradient" in page.evaluate(
            "(el) => getComputedStyle(el).backgroundImage", box.element_handle()
        )
    assert _page_width(page) <= PHONE["width"]
    _shot(page, "dataset_manifest_390")
