"""A technologist corrects, in Chromium, the slot boxes of a karyogram the slicer refused, starting from its
best guess: only the slots marked unsure are moved or drawn, then the job runs again and finishes."""

import json

import pytest

from enhancer import cells as library_cells
from enhancer.io import ImageInfo, encode_karyogram
from enhancer.synthetic import synthesize
from tests.factories import EnhancementJobFactory, KaryogramFactory
from tests.support.layout_guess import REFUSAL, guess_from_truth, refusing_slicer
from webapp.cases import services
from webapp.cases.models import SLICING_FAILED, EnhancementJob, JobState
from workers import tasks

WIDTH, HEIGHT = 900, 750


@pytest.mark.browser
@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_technologist_corrects_the_unsure_slots_of_the_guess(
    page, live_server, log_in, make_user, celery_worker, monkeypatch
):
    user = make_user("technologist", username="tom")
    made = synthesize(
        "46,XY", seed=202, quality="poor", severity="moderate", width=WIDTH, height=HEIGHT, shorten=False
    )
    truth = {s["label"]: s["box"] for s in made.truth["slots"]}
    karyogram = KaryogramFactory(
        case__created_by=user,
        name="refused.png",
        png=encode_karyogram(made.image, ImageInfo("PNG", WIDTH, HEIGHT, 1, 8)),
    )
    # The slicer refuses it with a best guess that is unsure of three slots, each wrong in its own way.
    x0, y0, x1, y1 = truth["3"]
    wrong = {
        "3": [x0 + 40, y0 + 20, x1 + 40, y1 + 20],
        "17": [440, 330, 460, 350],
        "Y": [v - 30 if i % 2 == 0 else v for i, v in enumerate(truth["Y"])],
    }
    guess = guess_from_truth(made.truth["slots"], WIDTH, HEIGHT, wrong)
    monkeypatch.setattr(library_cells, "slice_karyogram", refusing_slicer(guess))  # what slice_cells calls
    failed = services.start_job(karyogram, user, enqueue=False)
    tasks.slice_karyogram_task(job_pk=failed.pk)  # this process's slicer; the rerun goes to the real worker
    failed.refresh_from_db()
    assert failed.state == JobState.FAILED and failed.layout_guess == guess

    log_in("tom")
    page.goto(live_server.url + karyogram.case.get_absolute_url())
    page.get_by_role("link", name="Correct the slot boxes and run again").click()
    page.wait_for_selector("#layout-editor:not([hidden]) g.slot")
    assert page.locator("#layout-editor g.slot").count() == 24
    unsure = page.locator("#layout-editor g.slot.unsure")
    assert sorted(unsure.evaluate_all("gs => gs.map(g => g.dataset.label)")) == ["17", "3", "Y"]
    assert page.locator("[data-unsure-note]").inner_text() == "Unsure: 3, 17, Y"

    def boxes() -> dict[str, list[int]]:
        return {c["label"]: c["box"] for c in json.loads(page.input_value("#layout-json"))["cells"]}

    start = {c["label"]: c["box"] for c in guess["cells"]}
    assert boxes() == start
    page.wait_for_function("document.querySelector('#layout-editor img').complete")

    def drag(frm: tuple[float, float], to: tuple[float, float]) -> None:
        """Drag between two points in image pixels, scrolled into view as a person would."""
        svg = page.locator("#layout-editor svg").bounding_box()
        page.evaluate(
            "dy => window.scrollBy(0, dy)", svg["y"] + (frm[1] + to[1]) / 2 * svg["height"] / HEIGHT - 450
        )
        svg = page.locator("#layout-editor svg").bounding_box()

        def screen(x: float, y: float) -> tuple[float, float]:
            return svg["x"] + x * svg["width"] / WIDTH, svg["y"] + y * svg["height"] / HEIGHT

        page.mouse.move(*screen(*frm))
        page.mouse.down()
        page.mouse.move(*screen(*to), steps=5)
        page.mouse.up()

    def centre(box: list[int]) -> tuple[float, float]:
        return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2

    # A slip on a slot the slicer was sure of is undone; Reset returns to the guess.
    drag(centre(truth["1"]), (centre(truth["1"])[0] + 50, centre(truth["1"])[1]))
    assert boxes()["1"] != start["1"]
    page.get_by_role("button", name="Undo").click()
    assert boxes() == start
    drag(centre(truth["2"]), (centre(truth["2"])[0], centre(truth["2"])[1] + 30))
    page.get_by_role("button", name="Reset").click()
    assert boxes() == start and unsure.count() == 3

    # Drawing never grabs the box under the pointer: a draw for slot 17 that starts inside slot 16.
    page.select_option("[data-label-picker]", "17")
    page.get_by_role("button", name="Draw a new box for slot 17").click()
    inside_16 = centre(truth["16"])
    drag(inside_16, (inside_16[0] + 30, inside_16[1] + 40))
    assert boxes()["16"] == start["16"]
    assert boxes()["17"] == pytest.approx([*inside_16, inside_16[0] + 30, inside_16[1] + 40], abs=2)
    page.get_by_role("button", name="Undo").click()

    # Now the real corrections, of the unsure slots only.
    page.get_by_role("button", name="Draw a new box for slot 17").click()
    drag(tuple(truth["17"][:2]), tuple(truth["17"][2:]))
    drag(centre(wrong["3"]), (centre(wrong["3"])[0] - 40, centre(wrong["3"])[1] - 20))
    drag(centre(wrong["Y"]), (centre(wrong["Y"])[0] + 30, centre(wrong["Y"])[1]))
    corrected = boxes()
    assert {label for label in corrected if corrected[label] != start[label]} == {"3", "17", "Y"}
    for label in ("3", "17", "Y"):
        assert corrected[label] == pytest.approx(truth[label], abs=2), label
    assert unsure.count() == 0 and page.locator("[data-unsure-note]").inner_text() == ""

    page.get_by_role("button", name="Run with these boxes").click()
    page.wait_for_selector("text=Before and after", timeout=120_000)
    rerun = EnhancementJob.objects.exclude(pk=failed.pk).get(karyogram=karyogram)
    assert rerun.state == JobState.DONE
    rows = {c.label: c for c in rerun.cell_rows.all()}
    assert {label: list(rows[label].box) for label in rows} == corrected
    assert all(rows[label].object_count >= 1 for label in ("3", "17", "Y"))


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_refused_layout_comes_back_with_its_error_and_the_text_as_typed(
    page, live_server, log_in, make_user, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", username="tess")
    failed = EnhancementJobFactory(
        state=JobState.FAILED, error=SLICING_FAILED + REFUSAL, karyogram__case__created_by=user
    )
    log_in("tess")
    page.goto(f"{live_server.url}/jobs/{failed.pk}/")
    page.wait_for_selector("#layout-editor:not([hidden]) g.slot")
    start = page.input_value("#layout-json")  # the template's boxes: this job has no guess
    start_boxes = {c["label"]: c["box"] for c in json.loads(start)["cells"]}
    textarea = page.locator("#layout-json")

    def shown() -> dict[str, list[float]]:
        """The boxes the editor draws, in image pixels."""
        return page.evaluate(
            """() => Object.fromEntries([...document.querySelectorAll('#layout-editor g.slot:not(.stale g.slot)')]
                 .map((g) => { const r = g.querySelector('rect'); return [g.dataset.label,
                   ['x', 'y', 'width', 'height'].map((a) => Number(r.getAttribute(a)))]; }))"""
        )

    def drawn(boxes: dict[str, list[int]]) -> dict[str, list[float]]:
        return {k: [b[0], b[1], max(1, b[2] - b[0]), max(1, b[3] - b[1])] for k, b in boxes.items()}

    for typed, error, boxes in [
        ('\n{"cells": [{"label": "1", "box": [1, 2, 3, 4]},\n  oops', "The layout is not valid JSON", None),
        (
            '{"cells":[{"label":"1","box":[10,10,5,5]}]}',
            "must name each of 1..22, X and Y",
            {"1": [10, 10, 5, 5]},
        ),
    ]:
        textarea.fill(typed)
        page.get_by_role("button", name="Run with these boxes").click()
        assert error in page.get_by_role("alert").inner_text()
        # on the job's page, not on the POST-only /retry/ (a reload posted again, Back showed a 405 page)
        assert page.url == f"{live_server.url}/jobs/{failed.pk}/#correct-layout"
        assert page.locator("#layout-json").input_value() == typed
        status = page.locator("[data-editor-status]").inner_text()
        if boxes is None:
            # nothing to draw: said beside the editor, without repeating the JSON error (one message is enough)
            assert "No boxes can be shown" in status and "Reset" in status and "JSON" not in status
            assert shown() == {}
        else:  # the text kept parses: its boxes are shown
            assert status == ""
            assert shown() == drawn(boxes)
        # Reset brings the starting boxes back, in the editor and the text; Undo the text as typed
        page.get_by_role("button", name="Reset").click()
        page.wait_for_function("(typed) => document.getElementById('layout-json').value !== typed", arg=typed)
        assert page.input_value("#layout-json") == start
        assert shown() == drawn(start_boxes)
        assert page.locator("[data-editor-status]").inner_text() == ""
        page.get_by_role("button", name="Undo").click()
        assert page.input_value("#layout-json") == typed
    textarea.fill(typed + " oops")  # an edit after the refusal: the editor says what it cannot read
    textarea.dispatch_event("input")
    assert "cannot be read" in page.locator("[data-editor-status]").inner_text()
    page.reload()  # a GET of the job page: nothing is posted again, the refusal was said once
    page.wait_for_selector("#layout-editor:not([hidden]) g.slot")
    assert page.get_by_role("alert").count() == 0 and page.input_value("#layout-json") == start
    assert EnhancementJob.objects.count() == 1
