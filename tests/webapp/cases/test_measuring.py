import numpy as np
import pytest

from enhancer.slicing import slice_karyogram
from enhancer.synthetic import synthesize
from tests.factories import EnhancementJobFactory
from webapp.cases import measuring

pytestmark = pytest.mark.django_db


def test_a_process_keeps_the_last_few_jobs_originals_measured():
    pixels = synthesize("46,XY", seed=5, quality="excellent", width=900, height=750).image
    layout = slice_karyogram(pixels.astype(np.float32) / 255)
    jobs = EnhancementJobFactory.create_batch(measuring.REFERENCES_KEPT + 1)
    first = measuring._reference(jobs[0], layout, pixels)
    assert (
        measuring._reference(jobs[0], layout, pixels) is first
    )  # a strength change measures only the result
    for job in jobs[1:]:
        measuring._reference(job, layout, pixels)
    assert len(measuring._references) <= measuring.REFERENCES_KEPT
    assert str(jobs[0].uid) not in measuring._references  # the least recently rendered went first
