"""The result page's strength sliders in Chromium, for cells the fidelity guard held back."""

import pytest

from webapp.cases.models import JobCell


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
