"""Ask running workers which queues they consume."""

from collections import defaultdict

from celery import Celery

from .celery import app


def queue_consumers(timeout: float = 1.0, broker_url: str | None = None) -> dict[str, list[str]]:
    """Map each queue name to the hostnames of workers consuming it (empty if none answer).

    A short-lived Celery app with its own connection asks the question, so the answer
    reflects the broker as it is now, not a pooled connection from before a restart.
    """
    probe = Celery("health-probe", set_as_current=False, broker=broker_url or app.conf.broker_url)
    probe.conf.broker_connection_timeout = timeout
    try:
        replies = probe.control.inspect(timeout=timeout).active_queues() or {}
    finally:
        probe.close()
    consumers: dict[str, list[str]] = defaultdict(list)
    for hostname, queues in replies.items():
        for queue in queues:
            consumers[queue["name"]].append(hostname)
    return dict(consumers)
