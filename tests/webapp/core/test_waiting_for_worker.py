"""Work that waits because no worker takes its next step says so, on the job's pages and in the API
(QA: with the worker stopped a job sat at "Queued 0 %" with no word while /healthz answered 503)."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from tests.factories import EnhancementJobFactory
from tests.support.services import RedisServer, free_port
from webapp.cases.models import EnhancementJob, JobState


@pytest.fixture(autouse=True)
def fresh_probe():
    """Each test asks the broker itself rather than reading another test's cached answer."""
    cache.clear()
    yield
    cache.clear()


def _unmoved(job: EnhancementJob, seconds: float, state: str | None = None) -> EnhancementJob:
    EnhancementJob.objects.filter(pk=job.pk).update(
        updated=timezone.now() - timedelta(seconds=seconds), state=state or job.state
    )
    job.refresh_from_db()
    return job


def _shown(client, job: EnhancementJob) -> tuple[str, str, str]:
    """The notice in the API, on the job page and on the case page."""
    client.force_login(job.created_by)
    api = client.get(f"/api/jobs/{job.pk}/").json()["waiting_for_worker"]
    return (
        api,
        client.get(job.get_absolute_url()).content.decode(),
        client.get(job.karyogram.case.get_absolute_url()).content.decode(),
    )


@pytest.mark.integration
@pytest.mark.django_db
def test_a_job_no_worker_takes_says_which_queue_it_waits_on(client, settings, tmp_path):
    lonely = RedisServer(tmp_path / "redis", appendonly=False).start()
    try:
        settings.CELERY_BROKER_URL = lonely.url
        job = EnhancementJobFactory(state=JobState.QUEUED)
        assert job.waiting_for_worker == ""  # just queued: a worker may be about to take it
        api, job_page, case_page = _shown(client, _unmoved(job, 60))
        assert "No worker is taking work from the “cpu” queue" in api
        assert api in job_page and api in case_page
        cache.clear()
        enhancing = _unmoved(job, 60, JobState.ENHANCING)
        assert "“gpu” queue" in enhancing.waiting_for_worker  # the enhance step runs on the gpu queue
        assert _unmoved(job, 60, JobState.DONE).waiting_for_worker == ""  # finished work waits for nothing
    finally:
        lonely.stop()


@pytest.mark.django_db
def test_a_job_whose_broker_is_down_says_so(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/0"
    api, job_page, _ = _shown(client, _unmoved(EnhancementJobFactory(state=JobState.QUEUED), 60))
    assert api.startswith("The task queue (Redis) cannot be reached") and api in job_page


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_job_a_worker_takes_shows_no_notice(client, celery_worker):
    job = _unmoved(EnhancementJobFactory(state=JobState.ENHANCING), 60)
    api, job_page, _ = _shown(client, job)
    assert api == "" and "data-job-waiting" in job_page and "No worker is taking" not in job_page
