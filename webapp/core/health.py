"""Health of the parts the product needs: database, Redis, and a worker per queue."""

from collections import defaultdict
from typing import Any

import redis
from celery import Celery
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from kombu.exceptions import OperationalError

from webapp.celery import app


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


CONSUMERS_CACHE_KEY = "health:queue-consumers"
CONSUMERS_CACHE_SECONDS = 10  # pages poll every second; the broker is asked at most this often


def recent_queue_consumers() -> dict[str, list[str]] | None:
    """`queue_consumers` as the broker answered at most CONSUMERS_CACHE_SECONDS ago; None when the broker
    cannot be reached."""
    answer = cache.get(CONSUMERS_CACHE_KEY)
    if answer is None:
        try:
            answer = {"consumers": queue_consumers(timeout=1.0, broker_url=settings.CELERY_BROKER_URL)}
        except (OperationalError, OSError, redis.RedisError):
            answer = {"consumers": None}
        cache.set(CONSUMERS_CACHE_KEY, answer, CONSUMERS_CACHE_SECONDS)
    return answer["consumers"]


def check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the database is unusable
        return {"ok": False, "error": str(exc)}
    return {"ok": True, "vendor": connection.vendor}


def check_redis() -> dict[str, Any]:
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError as exc:
        return {"ok": False, "error": str(exc)}
    return {"ok": True}


def check_queues(redis_ok: bool) -> dict[str, dict[str, Any]]:
    """Which workers consume each required queue (asked over the broker, 1 s timeout)."""
    consumers = queue_consumers(timeout=1.0, broker_url=settings.CELERY_BROKER_URL) if redis_ok else {}
    return {
        queue: {"ok": bool(consumers.get(queue)), "workers": sorted(consumers.get(queue, []))}
        for queue in settings.CELERY_QUEUES_REQUIRED
    }


def system_health() -> dict[str, Any]:
    database = check_database()
    redis_state = check_redis()
    queues = check_queues(redis_state["ok"])
    ok = database["ok"] and redis_state["ok"] and all(q["ok"] for q in queues.values())
    return {"status": "ok" if ok else "error", "database": database, "redis": redis_state, "queues": queues}
