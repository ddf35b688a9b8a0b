"""The pipeline's overhead and throughput, with a real Redis and a real Celery worker.

    .venv/bin/python bench/pipeline.py [--queued 20]

Prints, in one run: the time from API upload to `done` for one karyogram (warm worker)
next to the time of the library's `enhance` on the same file (model already loaded),
their ratio, the wall time of `python -m enhancer enhance` (cold: process start and model
load), and the throughput with `--queued` karyograms uploaded at once.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="chromo-bench-"))
os.environ.update(
    DJANGO_SETTINGS_MODULE="webapp.settings.test",
    CHROMO_TEST_DIR=str(WORK),
    DATABASE_URL=f"sqlite:///{WORK / 'bench.sqlite3'}",
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from enhancer.inference import Enhancer  # noqa: E402
from enhancer.io import ImageInfo, encode_karyogram, read_karyogram  # noqa: E402
from enhancer.synthetic import synthesize  # noqa: E402
from tests.support.services import CeleryWorker, RedisServer  # noqa: E402
from webapp.accounts.roles import Role, assign_role  # noqa: E402
from webapp.cases.models import EnhancementJob, JobState  # noqa: E402
from webapp.celery import app  # noqa: E402


def karyogram_png(seed: int) -> bytes:
    made = synthesize("46,XY", seed=seed, quality="poor", severity="moderate", shorten=False)
    return encode_karyogram(made.image, ImageInfo("PNG", made.image.shape[1], made.image.shape[0], 1, 8))


def upload(api: APIClient, case_id: int, png: bytes) -> int:
    response = api.post(
        f"/api/cases/{case_id}/karyograms/", {"image": SimpleUploadedFile("k.png", png)}, format="multipart"
    )
    return response.json()["job"]["id"]


def wait_done(job_ids: list[int], timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while EnhancementJob.objects.filter(
        pk__in=job_ids, state__in=[JobState.DONE, JobState.FAILED]
    ).count() < len(job_ids):
        if time.monotonic() > deadline:
            raise TimeoutError("jobs did not finish")
        time.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--queued", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    setup_test_environment()  # the in-process API client talks to host 'testserver'
    call_command("migrate", verbosity=0)
    redis = RedisServer(WORK / "redis").start()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = app.conf.broker_url = redis.url
    worker = CeleryWorker(
        redis.url, f"sqlite:///{WORK / 'bench.sqlite3'}", log_file=WORK / "worker.log"
    ).start()
    try:
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.create_user("bench", password="bench-password-123")
        assign_role(user, Role.TECHNOLOGIST)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        case_id = api.post("/api/cases/", {"accession": "BENCH"}, format="json").json()["id"]
        png = karyogram_png(1)
        wait_done([upload(api, case_id, png)])  # warm the worker: model loaded once per process

        pipeline, stages = [], []
        for _ in range(args.repeats):
            start = time.perf_counter()
            job_id = upload(api, case_id, png)
            wait_done([job_id])
            pipeline.append(time.perf_counter() - start)
            stages.append(EnhancementJob.objects.get(pk=job_id).timings)
        enhancer = Enhancer(settings.ENHANCER_MODEL_DIR, device="cpu")
        karyogram = read_karyogram(png)
        library = []
        for _ in range(args.repeats):
            start = time.perf_counter()
            result = enhancer.enhance(karyogram)
            encode_karyogram(result.pixels, karyogram.info)
            library.append(time.perf_counter() - start)
        (WORK / "k.png").write_bytes(png)
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "enhancer",
                "enhance",
                str(WORK / "k.png"),
                "-o",
                str(WORK / "e.png"),
                "--device",
                "cpu",
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        cli = time.perf_counter() - start
        p, lib = statistics.median(pipeline), statistics.median(library)
        print(
            f"one karyogram 1200x1000: upload→done {p:.3f} s, library enhance {lib:.3f} s, "
            f"overhead {100 * (p / lib - 1):.0f}%  (cold `python -m enhancer enhance`: {cli:.2f} s)"
        )

        print(
            "  worker time per stage (median s): "
            + ", ".join(f"{k} {statistics.median(t[k] for t in stages):.3f}" for k in stages[0])
        )

        pngs = [karyogram_png(100 + i) for i in range(args.queued)]
        start = time.perf_counter()
        ids = [upload(api, case_id, b) for b in pngs]
        wait_done(ids)
        total = time.perf_counter() - start
        done = EnhancementJob.objects.filter(pk__in=ids, state=JobState.DONE).count()
        print(
            f"{args.queued} queued at once: all finished in {total:.1f} s, {done} done, "
            f"{60 * args.queued / total:.1f} karyograms/min (one worker, concurrency 1)"
        )
        for error in EnhancementJob.objects.filter(pk__in=ids, state=JobState.FAILED).values_list(
            "error", flat=True
        ):
            print(f"  failed: {error}")
    finally:
        worker.stop()
        redis.stop()


if __name__ == "__main__":
    main()
