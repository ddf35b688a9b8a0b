"""The case page in Chromium follows its jobs live, the fidelity guard's note included."""

import pytest

from webapp.cases.models import EnhancementJob, JobCell, JobState


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_job_row_shows_the_guards_note_when_the_job_ends_without_a_reload(
    page, live_server, log_in, finished_karyograms
):
    """Walk-through: a job the guard kept entirely original read "Done" on the case page until a reload."""
    karyogram = finished_karyograms(1)[0]
    job = karyogram.jobs.get()
    EnhancementJob.objects.filter(pk=job.pk).update(state=JobState.ENHANCING, progress=40)
    log_in("tech-for-study")
    page.goto(live_server.url + karyogram.case.get_absolute_url())
    page.wait_for_selector(f"[data-job-state='{job.pk}']:text-is('Enhancing')")
    page.evaluate("window.notReloaded = true")
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
