"""The foundation's proof that Redis and the worker are real: a task reaches the database."""

import time

import pytest

from webapp.core.models import Heartbeat
from workers.tasks import heartbeat


def wait_for(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("condition not met in time")


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("queue", ["cpu", "gpu"])
def test_task_sent_through_redis_is_written_by_the_worker(celery_worker, queue):
    heartbeat.apply_async(queue=queue)
    row = wait_for(lambda: Heartbeat.objects.filter(queue=queue).first())
    assert row.hostname == celery_worker.hostname


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_default_route_is_the_cpu_queue(celery_worker):
    heartbeat.delay()
    row = wait_for(lambda: Heartbeat.objects.first())
    assert row.queue == "cpu"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_task_waits_in_redis_while_no_worker_runs(celery_worker):
    """Stop the worker, send, start again: the message survives in Redis and is done once."""
    celery_worker.stop()
    try:
        heartbeat.apply_async(queue="gpu")
        time.sleep(1)
        assert Heartbeat.objects.count() == 0
    finally:
        celery_worker.start()
    wait_for(lambda: Heartbeat.objects.filter(queue="gpu").exists())
    time.sleep(1)
    assert Heartbeat.objects.count() == 1
