"""The Celery app (configured on the Django side, `webapp.celery`) and its routing by task name."""

from django.conf import settings

from webapp.celery import app
from webapp.core import queue


def test_reliability_settings():
    conf = app.conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True
    longest = max(conf.task_time_limit, settings.TRAINING_TIME_LIMIT)
    assert conf.broker_transport_options["visibility_timeout"] > longest


def test_tasks_sent_by_name_are_routed_to_their_queues():
    route = lambda name: app.amqp.router.route({}, name)["queue"].name  # noqa: E731
    assert route(queue.SLICE) == "cpu"
    assert route(queue.ENHANCE) == "gpu"
    assert route(queue.REASSEMBLE) == "cpu"
    assert route(queue.TRAIN) == "gpu"
    assert route(queue.COMPARE) == "cpu"
    assert route("tests.unknown") == app.conf.task_default_queue


def test_the_worker_registers_a_task_under_every_name_the_web_app_sends():
    app.loader.import_default_modules()  # what a worker imports at start (CELERY_IMPORTS)
    assert set(queue.QUEUE_OF) <= set(app.tasks)
