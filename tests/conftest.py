"""Fixtures shared by every test: users per role, and real Redis + Celery services."""

import os

import pytest

from tests.support.services import CeleryWorker, RedisServer

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def make_user(django_user_model):
    """Create a user holding `role` (a Role value), password PASSWORD."""
    from webapp.accounts.roles import Role, assign_role

    def make(role: str | None, username: str | None = None):
        user = django_user_model.objects.create_user(username=username or f"user-{role or 'none'}",
                                                     password=PASSWORD)
        if role:
            assign_role(user, Role(role))
        return user

    return make


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def broker(redis_server):
    """Point the web app's settings and the Celery app at the test Redis server."""
    from django.conf import settings

    from workers import app

    saved = settings.REDIS_URL, settings.CELERY_BROKER_URL, app.conf.broker_url
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis_server.url
    app.conf.broker_url = redis_server.url
    yield redis_server
    settings.REDIS_URL, settings.CELERY_BROKER_URL, app.conf.broker_url = saved


def _database_url() -> str:
    """The URL of the test database, for processes other than this one."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker(broker, django_db_setup, tmp_path_factory):
    """A real Celery worker process on the `cpu` and `gpu` queues, sharing the test database."""
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    worker = CeleryWorker(broker.url, _database_url(), log_file=log).start()
    yield worker
    worker.stop()
