"""The result page's strength sliders in Chromium, for cells the fidelity guard held back, and the whole
karyogram's figures following a strength change."""

import pytest

from enhancer.karyogram_report import KaryogramReport
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobCell


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_apply_to_all_leaves_a_cell_the_guard_kept_original_at_zero(
    page, live_server, log_in, finished_karyograms
):
    job = finished_karyograms(1)[0].jobs.get()
    for i, cap in enumerate((0.0, None)):
        guard = {} if cap is None else {"strength_cap": cap, "reason": "left as original", "measures": {}}
        JobCell.objects.create(
            job=job, label=str(i + 1), index=i, box=[0, 0, 40, 40], object_count=2, guard=guard
        )
    log_in("tech-for-study")
    page.goto(live_server.url + job.get_absolute_url())
    page.locator("[data-strength-all]").fill("0.3")
    page.get_by_role("button", name="Apply to all").click()
    assert page.locator("[data-strength='2']").input_value() == "0.3"
    kept = page.locator("[data-strength='1']")
    assert kept.is_disabled() and kept.input_value() == "0"
    assert page.locator("[data-cell='1'] output").inner_text() == "0.00"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_whole_karyogram_figures_follow_a_strength_change_without_a_reload(
    page, live_server, log_in, finished_karyograms, monkeypatch
):
    """The card describes the result as downloaded: the strengths call answers the new result's figures and
    the page shows them in place."""
    job = finished_karyograms(1)[0].jobs.get()
    JobCell.objects.create(job=job, label="1", index=0, box=[0, 0, 40, 40], object_count=2)
    flat = KaryogramReport(0.97, 1.01, 1.02, 1.05, 0.80, 0.81, 21)  # band contrast below its 1.2× target
    EnhancementJob.objects.filter(pk=job.pk).update(report=flat.to_json())
    sharper = KaryogramReport(0.96, 1.0, 1.04, 1.31, 0.80, 0.82, 21)

    def set_cell_strengths(
        job, strengths
    ):  # the blend needs the pipeline's arrays: the row gets a new report
        job.cell_rows.filter(label__in=strengths).update(strength=0.5)
        EnhancementJob.objects.filter(pk=job.pk).update(report=sharper.to_json())

    monkeypatch.setattr(services, "set_cell_strengths", set_cell_strengths)
    log_in("tech-for-study")
    page.goto(live_server.url + job.get_absolute_url())
    verdict = page.locator("[data-report-verdict]")
    assert verdict.inner_text() == "Below target: band contrast 1.05× (target ≥ 1.2×)."
    contrast = page.locator("[data-report-figure='band contrast']")
    page.locator("[data-strength-all]").fill("0.5")
    page.get_by_role("button", name="Apply to all").click()
    page.wait_for_selector("[data-strength-status]:text-is('Applied.')")
    assert verdict.inner_text() == "Every target measured holds."
    assert contrast.locator("[data-report-value]").inner_text() == "1.31×"
    assert contrast.locator("[data-report-holds]").inner_text() == "✓ yes"
    assert page.evaluate("window.performance.getEntriesByType('navigation').length") == 1  # no reload
