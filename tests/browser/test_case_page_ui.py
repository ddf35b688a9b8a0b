"""The case page in Chromium follows its jobs live, the fidelity guard's note included."""

import pytest

from webapp.cases.models import EnhancementJob, JobCell, JobState


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_job_row_shows_the_guards_note_when_the_job_ends_without_a_reload(page, job_on_case_page):
    """Walk-through: a job the guard kept entirely original read "Done" on the case page until a reload."""
    job = job_on_case_page(JobState.ENHANCING, 40)
    for i in range(3):
        JobCell.objects.create(
            job=job, label=str(i + 1), index=i, box=[0, 0, 40, 40], object_count=2,
            guard={"strength_cap": 0.0, "reason": "left as original", "measures": {}},
        )  # fmt: skip
    EnhancementJob.objects.filter(pk=job.pk).update(state=JobState.DONE, progress=100)
    note = page.wait_for_selector(f"[data-job-guard='{job.pk}']")
    assert note.inner_text() == "no cell enhanced: the guard kept the original"
    assert page.locator(f"[data-job-state='{job.pk}']").inner_text() == "Done"
    assert page.evaluate("window.notReloaded") is True  # the row was swapped in, the page kept


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_job_that_finds_no_chromosome_is_not_offered_the_box_editor_when_it_fails_live(
    page, job_on_case_page
):
    """Walk-through: a blank image's job, failing while its case page was open, showed "Correct the slot boxes
    and run again", which cannot find chromosomes that are not there."""
    job = job_on_case_page(JobState.SLICING, 5)
    guess = {
        "image": {"width": 120, "height": 90},
        "cells": [{"label": "1", "box": [0, 0, 9, 9], "objects": 0}],
    }
    EnhancementJob.objects.filter(pk=job.pk).update(
        state=JobState.FAILED,
        error="The karyogram could not be sliced: No chromosome was found; this does not look like a karyogram.",
        layout_guess=guess,
    )
    page.wait_for_selector(f"[data-job-error='{job.pk}']:has-text('no chromosome was found')")
    page.wait_for_timeout(1500)  # the row is swapped in from a fresh rendering once the job ends
    assert page.locator(f"[data-job-editor='{job.pk}']").is_hidden()
    assert page.locator(f"[data-job-split='{job.pk}']").is_hidden()
    assert page.evaluate("window.notReloaded") is True


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_panel_is_moved_to_its_own_patients_case_from_its_row(
    page, live_server, log_in, finished_karyograms
):
    """Walk-through: the 47,XXX panel of a figure "(a) 45,X (b) 47,XXX" split under the 45,X case had no "Move to
    another case"."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import CaseFactory
    from webapp.cases import services
    from webapp.cases.models import Karyogram

    figure = finished_karyograms(1)[0]
    with figure.original.open("rb") as f:
        panel = services.add_karyogram(
            figure.case,
            SimpleUploadedFile("figure-panel2.png", f.read()),
            figure.uploaded_by,
            split_from=figure,
        )
    right = CaseFactory(accession="XXX-47", known_karyotype="47,XXX", created_by=figure.uploaded_by)
    log_in("tech-for-study")
    page.goto(live_server.url + figure.case.get_absolute_url())
    row = page.locator(f"[data-move='{panel.pk}']")
    row.get_by_text("Move to another case").click()
    assert "Only this panel moves" in row.inner_text()
    row.get_by_label("Accession of the right case").fill("xxx-47")
    row.get_by_label("Why it is moved").fill("panel (b) is the 47,XXX patient's")
    row.get_by_role("button", name="Move").click()
    page.wait_for_selector("text=figure-panel2.png was moved here from case ACC-SECRET-000.")
    assert page.url == live_server.url + right.get_absolute_url()
    assert Karyogram.objects.get(pk=panel.pk).case == right
    assert Karyogram.objects.get(pk=figure.pk).case == figure.case


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_running_job_is_cancelled_from_its_row_and_the_row_follows_it_to_its_end(page, job_on_case_page):
    """A job started on the wrong file is stopped from the case page: asked to confirm, the row says
    "Cancelling" until the worker's next step ends it, then "Cancelled" without a reload."""
    job = job_on_case_page(JobState.ENHANCING, 40)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click(f"[data-job-cancel='{job.pk}'] button")
    page.wait_for_selector(f"[data-job-state='{job.pk}']:text-is('Cancelling')")
    assert asked == [
        f"Cancel job {job.pk}? It stops for good; the original stays, and the job can be run again."
    ]
    assert f"Cancelling job {job.pk}" in page.inner_text("body") and page.url.endswith(
        job.karyogram.case.get_absolute_url()
    )
    assert page.locator(f"[data-job-cancel='{job.pk}']").is_hidden()  # asked once
    page.evaluate("window.notReloaded = true")
    assert EnhancementJob.objects.claim(job.pk, JobState.ENHANCING) is None  # the worker's next step ends it
    page.wait_for_selector(f"[data-job-state='{job.pk}']:text-is('Cancelled')")
    assert page.evaluate("window.notReloaded") is True
