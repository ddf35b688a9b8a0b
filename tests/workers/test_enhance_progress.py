"""The enhancing step moves its job's bar as the cells go through the network and are finished after it,
between the stage's bounds, and never over a state another step wrote meanwhile."""

import pytest

from enhancer.inference import Enhancer
from tests.factories import KaryogramFactory
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobState
from workers import tasks

pytestmark = pytest.mark.django_db
jobs = EnhancementJob.objects
LOW, HIGH = EnhancementJob.PROGRESS_AT[JobState.ENHANCING], EnhancementJob.PROGRESS_AT[JobState.ASSEMBLING]


@pytest.fixture
def sliced_job(make_user, karyogram_png, settings, tmp_path) -> EnhancementJob:
    """A job whose karyogram is sliced, waiting for its enhancing step."""
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", "progress-tech")
    job = services.start_job(KaryogramFactory(case__created_by=user, png=karyogram_png), user, enqueue=False)
    tasks.slice_karyogram_task(job_pk=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.ENHANCING and job.progress == LOW, job.error
    return job


def progress_as_cells_finish(monkeypatch, job: EnhancementJob, then=lambda cell: None) -> list[int]:
    """The job's progress in the database as each cell's steps after the network begin; `then(cell)` runs
    after each cell's."""
    seen = []
    finish_cell = Enhancer.finish_cell

    def spied(self, output, model_input):
        seen.append(jobs.values_list("progress", flat=True).get(pk=job.pk))
        finished = finish_cell(self, output, model_input)
        then(len(seen))
        return finished

    monkeypatch.setattr(Enhancer, "finish_cell", spied)
    return seen


def test_the_bar_moves_through_the_enhancing_stage_as_cells_are_finished(sliced_job, monkeypatch):
    seen = progress_as_cells_finish(monkeypatch, sliced_job)
    tasks.enhance_cells_task(job_pk=sliced_job.pk)
    sliced_job.refresh_from_db()
    assert sliced_job.state == JobState.ASSEMBLING and sliced_job.progress == HIGH, sliced_job.error
    assert len(seen) == 24 and seen[0] > LOW  # the network's passes moved it before the first cell's steps
    assert seen == sorted(set(seen))  # one step up per cell finished
    assert all(LOW < value < HIGH for value in seen)


def test_a_job_failed_while_its_cells_are_finished_stays_failed_with_its_bar(sliced_job, monkeypatch):
    def fail_at_fifth(cell: int) -> None:
        if cell == 5:
            jobs.fail(sliced_job.pk, "failed by another worker")

    seen = progress_as_cells_finish(monkeypatch, sliced_job, then=fail_at_fifth)
    tasks.enhance_cells_task(job_pk=sliced_job.pk)
    sliced_job.refresh_from_db()
    assert (sliced_job.state, sliced_job.error) == (JobState.FAILED, "failed by another worker")
    assert sliced_job.progress == seen[4] == seen[-1] > LOW  # moved before, never written once it had failed
