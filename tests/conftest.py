"""Fixtures shared by every test: users per role, and real Redis + Celery services."""

import os

import pytest

from tests.support.services import CeleryWorker, RedisServer

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def make_user(db):
    """Create a user holding `role` (a Role value), password PASSWORD."""
    from tests.factories import UserFactory

    def make(role: str | None, username: str | None = None):
        return UserFactory(username=username or f"user-{role or 'none'}", role=role)

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

    from webapp.celery import app

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
    """A real Celery worker process on the `cpu` and `gpu` queues, sharing the test database and media
    storage, but with a TRAINING_DIR of its own, as a worker on another machine than the web app."""
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        # A short visibility timeout so a message whose worker was killed comes back within the test.
        "BROKER_VISIBILITY_TIMEOUT": "15",
        "TRAINING_DIR": str(tmp_path_factory.mktemp("worker-training")),
    }
    worker = CeleryWorker(broker.url, _database_url(), log_file=log, extra_env=env).start()
    yield worker
    worker.stop()


@pytest.fixture(scope="session")
def karyogram_png() -> bytes:
    """A poor synthetic 47,XY,+8 karyogram as PNG bytes."""
    from enhancer.io import ImageInfo, encode_karyogram
    from enhancer.synthetic import synthesize

    made = synthesize(
        "47,XY,+8", seed=21, quality="poor", severity="mild", width=900, height=750, shorten=False
    )
    return encode_karyogram(made.image, ImageInfo("PNG", 900, 750, 1, 8))


STUDY_KARYOTYPES = ["46,XY", "47,XY,+8", "46,XX,del(5)(q13q33)", "45,XX,-7", "46,XY,t(9;22)(q34;q11.2)"]


@pytest.fixture
def finished_karyograms(make_user):
    """`count` karyograms with a finished enhancement: a noisy original, a smooth result (sizes differ a lot)."""
    import numpy as np
    from django.core.files.base import ContentFile

    from tests.factories import EnhancementJobFactory, png_bytes
    from webapp.cases.models import JobState

    def make(count: int):
        technologist = make_user("technologist", "tech-for-study")
        rng = np.random.default_rng(5)
        made = []
        for i in range(count):
            noisy = rng.integers(0, 256, (90, 120), dtype=np.uint8)
            job = EnhancementJobFactory(
                karyogram__case__accession=f"ACC-SECRET-{i:03d}",
                karyogram__case__known_karyotype=STUDY_KARYOTYPES[i % 5],
                karyogram__case__created_by=technologist,
                karyogram__name=f"patient-{i}-original.png",
                karyogram__png=png_bytes(noisy),
                state=JobState.DONE,
                progress=100,
                model_version="cpu-small:abc123",
            )
            job.result.save(
                "enhanced.png", ContentFile(png_bytes(np.full((90, 120), 200 + i % 50, np.uint8)))
            )
            made.append(job.karyogram)
        return made

    return make


@pytest.fixture
def labelled_karyograms(make_user):
    """`poor` poor and `excellent` excellent synthetic karyograms (900×750), stored and labelled."""
    from enhancer.io import ImageInfo, encode_karyogram
    from enhancer.synthetic import synthesize
    from tests.factories import CaseFactory, KaryogramFactory
    from webapp.cases.models import Karyogram

    def make(poor: int = 2, excellent: int = 2):
        user = make_user("technologist", "curation-tech")
        case = CaseFactory(accession="CUR-1", created_by=user)
        made = []
        for i, quality in enumerate(["poor"] * poor + ["excellent"] * excellent):
            image = synthesize(
                "46,XY", seed=300 + i, quality=quality, severity="mild", width=900, height=750
            ).image
            png = encode_karyogram(image, ImageInfo("PNG", 900, 750, 1, 8))
            karyogram = KaryogramFactory(case=case, name=f"{quality}-{i}.png", png=png)
            Karyogram.objects.filter(pk=karyogram.pk).update(quality=quality, length="medium")
            made.append(Karyogram.objects.get(pk=karyogram.pk))
        return made

    return make
