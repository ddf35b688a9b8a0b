import logging

import numpy as np
import pytest

from enhancer.slicing import slice_karyogram
from enhancer.synthetic import synthesize
from tests.factories import EnhancementJobFactory
from webapp.cases import measuring

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def made():
    pixels = synthesize("46,XY", seed=5, quality="excellent", width=900, height=750).image
    return pixels, [c.box for c in slice_karyogram(pixels.astype(np.float32) / 255).cells]


def test_a_web_process_keeps_the_last_few_jobs_originals_measured(made):
    pixels, boxes = made
    jobs = EnhancementJobFactory.create_batch(measuring.REFERENCES_KEPT + 1)
    first = measuring._reference(jobs[0], boxes, pixels, keep=True)
    assert measuring._reference(jobs[0], boxes, pixels, keep=True) is first  # a strength change measures less
    for job in jobs[1:]:
        measuring._reference(job, boxes, pixels, keep=True)
    assert len(measuring._references) <= measuring.REFERENCES_KEPT
    assert str(jobs[0].uid) not in measuring._references  # the least recently rendered went first
    once = EnhancementJobFactory()
    measuring._reference(once, boxes, pixels, keep=False)  # the worker's single render keeps nothing
    assert str(once.uid) not in measuring._references


def test_a_result_that_cannot_be_measured_is_delivered_without_a_report(made, caplog):
    pixels, boxes = made
    job = EnhancementJobFactory()
    with caplog.at_level(logging.ERROR, logger="webapp.cases.measuring"):
        assert measuring.measured_report(job, boxes, pixels, pixels[:-1], keep=False) is None
    assert f"job {job.pk}: the result could not be measured" in caplog.text
    assert measuring.measured_report(job, boxes, pixels, pixels, keep=False)["mask_iou"] == 1
