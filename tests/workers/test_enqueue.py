"""A broker that is down does not fail the request that committed the work: the sweep sends it later."""

import logging

import pytest
from celery import Celery
from django.db import transaction

from webapp.core import queue


@pytest.mark.django_db(transaction=True)
def test_unreachable_broker_is_logged_not_raised(caplog, monkeypatch):
    dead = Celery("dead-broker", broker="redis://127.0.0.1:1/0", set_as_current=False)
    dead.conf.broker_connection_retry = False
    dead.conf.broker_connection_timeout = 0.5
    dead.conf.task_publish_retry = False
    monkeypatch.setattr(queue, "app", dead)

    with caplog.at_level(logging.WARNING, logger="webapp.core.queue"), transaction.atomic():
        queue.send_on_commit("tests.nothing", job_pk=7)
        assert caplog.records == []  # nothing is sent before the commit
    assert "broker unreachable, tests.nothing({'job_pk': 7}) left for the sweep" in caplog.text
