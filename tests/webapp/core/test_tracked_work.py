"""The one state machine of tracked work (jobs, training runs, comparisons): claim, advance, fail, cancel,
and the sweep that sends again what each kind declares unfinished."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import DatasetFactory, EnhancementJobFactory, ModelVersionFactory, TrainingRunFactory
from webapp.cases.models import EnhancementJob, JobState
from webapp.core import queue, sweep
from webapp.core.models import TrackedWork
from webapp.curation.models import Dataset, ModelComparison, RunState, TrainingRun

pytestmark = pytest.mark.django_db
jobs, runs = EnhancementJob.objects, TrainingRun.objects


def test_claim_takes_a_due_row_once_per_attempt_and_fails_it_past_the_cap():
    job = EnhancementJobFactory()
    assert jobs.claim(job.pk, JobState.ENHANCING) is None  # not due: still queued
    claimed = jobs.claim(job.pk, (JobState.QUEUED, JobState.SLICING), running=JobState.SLICING)
    assert claimed.state == JobState.SLICING and claimed.attempts == 1 and claimed.started
    for _ in range(2):
        assert jobs.claim(job.pk, JobState.SLICING) is not None
    assert jobs.claim(job.pk, JobState.SLICING) is None
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "attempted 3 times" in job.error and job.finished


def test_advance_moves_a_claimed_row_on_with_its_kinds_progress_and_only_from_the_expected_state():
    job = EnhancementJobFactory()
    jobs.claim(job.pk, JobState.QUEUED, running=JobState.SLICING)

    def write(row):
        row.model_version = "m:1"

    assert jobs.advance(job.pk, JobState.SLICING, JobState.ENHANCING, seconds=1.23456, write=write)
    job.refresh_from_db()
    assert (job.state, job.progress, job.attempts, job.model_version) == (JobState.ENHANCING, 30, 0, "m:1")
    assert job.timings == {"slicing": 1.235} and job.finished is None
    assert not jobs.advance(job.pk, JobState.SLICING, JobState.ENHANCING)  # moved on already
    jobs.advance(job.pk, JobState.ENHANCING, JobState.ASSEMBLING)
    jobs.advance(job.pk, JobState.ASSEMBLING, JobState.DONE)
    job.refresh_from_db()
    assert job.progress == 100 and job.finished and not job.is_active


def test_advance_sends_the_next_step_by_name_once_the_transaction_commits(
    django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    monkeypatch.setattr(queue, "send", lambda name, **kwargs: sent.append((name, kwargs)))
    run = TrainingRunFactory(state=RunState.TRAINING)
    with django_capture_on_commit_callbacks(execute=True):
        runs.advance(run.pk, RunState.TRAINING, RunState.EVALUATING, then=queue.EVALUATE)
        assert sent == []
    assert sent == [(queue.EVALUATE, {"run_pk": run.pk})]
    run.refresh_from_db()
    assert run.progress == TrainingRun.PROGRESS_AT[RunState.EVALUATING] == 90 and run.is_active


def test_fail_records_the_message_and_other_fields_in_one_write():
    job = EnhancementJobFactory(state=JobState.SLICING)
    jobs.fail(job.pk, "The karyogram could not be sliced: two panels.", layout_guess={"cells": []})
    job.refresh_from_db()
    assert (job.state, job.error, job.layout_guess) == (
        JobState.FAILED,
        "The karyogram could not be sliced: two panels.",
        {"cells": []},
    )
    assert job.finished and not job.is_active


def test_reported_progress_only_raises_the_bar_of_a_row_still_in_its_step():
    job = EnhancementJobFactory(state=JobState.ENHANCING, progress=30)
    stale = timezone.now() - timedelta(hours=1)
    jobs.filter(pk=job.pk).update(updated=stale)
    assert jobs.report_progress(job.pk, JobState.ENHANCING, 50)
    job.refresh_from_db()
    assert job.progress == 50 and job.updated > stale  # the sweep sees it moving
    assert not jobs.report_progress(job.pk, JobState.ENHANCING, 40)  # never back (a retried step)
    jobs.fail(job.pk, "lost")
    assert not jobs.report_progress(job.pk, JobState.ENHANCING, 60)  # never over another step's write
    job.refresh_from_db()
    assert (job.state, job.progress) == (JobState.FAILED, 50)


def test_cancel_ends_a_queued_run_at_once_and_asks_a_running_one_to_stop():
    queued, training = TrainingRunFactory(), TrainingRunFactory(state=RunState.TRAINING)
    assert runs.cancel(queued.pk).state == RunState.CANCELLED
    assert runs.cancel(training.pk).state == RunState.TRAINING
    training.refresh_from_db()
    assert training.cancel_requested and not training.is_cancellable
    assert runs.cancel(training.pk) is None  # cancelling already
    assert runs.claim(training.pk, RunState.TRAINING) is None  # its redelivered step ends it instead
    training.refresh_from_db()
    assert training.state == RunState.CANCELLED and training.finished
    assert runs.cancel(training.pk) is None
    version = ModelVersionFactory()
    comparison = ModelComparison.objects.create(first=version, second=version, created_by=queued.created_by)
    assert ModelComparison.objects.cancel(comparison.pk) is None  # comparisons declare no cancellable state


@pytest.mark.parametrize("kind", [EnhancementJob, TrainingRun, ModelComparison])
def test_every_kind_declares_a_step_for_each_unfinished_state_and_its_progress(kind):
    assert issubclass(kind, TrackedWork)
    states = {value for value, _ in kind._meta.get_field("state").choices}
    assert {kind.QUEUED, kind.FAILED} <= states and set(kind.ACTIVE_STATES) <= states
    assert set(kind.STEPS) == set(kind.ACTIVE_STATES)
    assert all(name in queue.QUEUE_OF for name in kind.STEPS.values())
    assert set(kind.PROGRESS_AT) <= states and kind.PROGRESS_AT[kind.QUEUED] == 0


def test_the_sweep_sends_the_due_step_of_stale_rows_of_every_kind(monkeypatch, settings):
    sent = []
    monkeypatch.setattr(queue, "send", lambda name, **kwargs: sent.append((name, kwargs)))
    settings.STALE_JOB_SECONDS, settings.STALE_TRAINING_SECONDS, settings.STALE_QUEUED_SECONDS = 600, 3600, 60
    old = timezone.now() - timedelta(seconds=700)
    stale_job = EnhancementJobFactory(state=JobState.ENHANCING)
    fresh_job = EnhancementJobFactory(state=JobState.ASSEMBLING)
    queued_job = EnhancementJobFactory()
    done_job = EnhancementJobFactory(state=JobState.DONE)
    training = TrainingRunFactory(state=RunState.TRAINING)  # 700 s is not stale for a training run
    queued_run = TrainingRunFactory()
    counting = DatasetFactory()
    version = ModelVersionFactory()
    comparison = ModelComparison.objects.create(first=version, second=version, created_by=counting.created_by)
    for model, rows in (
        (EnhancementJob, [stale_job, queued_job, done_job]),
        (TrainingRun, [training, queued_run]),
        (ModelComparison, [comparison]),
    ):
        model.objects.filter(pk__in=[r.pk for r in rows]).update(updated=old)
    Dataset.objects.filter(pk=counting.pk).update(updated=old)

    counts = sweep.sweep_stale()
    assert sorted(sent, key=str) == sorted(
        [
            (queue.ENHANCE, {"job_pk": stale_job.pk}),
            (queue.SLICE, {"job_pk": queued_job.pk}),
            (queue.TRAIN, {"run_pk": queued_run.pk}),
            (queue.COMPARE, {"comparison_pk": comparison.pk}),
            (queue.COUNT_CELLS, {"dataset_pk": counting.pk}),
        ],
        key=str,
    )
    assert counts["cases.enhancementjob"] == 2 and counts["curation.trainingrun"] == 1
    sent.clear()
    # At start: every unfinished row, however recent: 3 jobs, 2 runs, 1 comparison, 3 datasets counting.
    assert sweep.resend_unfinished() == 9
    assert (queue.REASSEMBLE, {"job_pk": fresh_job.pk}) in sent and (
        queue.TRAIN,
        {"run_pk": training.pk},
    ) in sent
