"""Technologists and raters at once against gunicorn, a real Redis and a Celery worker.

    .venv/bin/python bench/load.py [--technologists 5] [--raters 10] [--seconds 120]

Technologists browse cases, open results, watch jobs and upload a karyogram now and then
(through the upload page, multipart, as a browser does); raters rate through the portal with
a second of thought per item. Prints p50/p95/p99 latency per page type, requests per second and
errors; then waits for every uploaded job and checks that each reached `done` and that every
accepted rating is stored. Bounded by --seconds and, for the tail, --drain-seconds.
"""

import argparse
import json
import random
import threading
import time
from collections import defaultdict

from django.conf import settings  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from harness import (  # noqa: I001 - Django first
    WORK,
    Browser,
    csrf_of,  # noqa: E402
    multipart,
    percentiles,
    prepare,
    run_all,
    start_gunicorn,
)
from study_load import Rater, build_study, make_user  # noqa: E402

from enhancer.io import ImageInfo, encode_karyogram  # noqa: E402
from enhancer.synthetic import synthesize  # noqa: E402
from tests.support.services import CeleryWorker, RedisServer  # noqa: E402
from webapp.accounts.roles import Role  # noqa: E402
from webapp.cases import services  # noqa: E402
from webapp.cases.models import Case, EnhancementJob, JobState, Karyogram  # noqa: E402
from webapp.studies.models import Rating  # noqa: E402


class Technologist(threading.Thread):
    """Browse the case list, a case, a finished job and its images; upload every `upload_every` seconds."""

    def __init__(
        self,
        base: str,
        username: str,
        case_ids: list[int],
        job_ids: list[int],
        pngs: list[bytes],
        deadline: float,
        timings: dict,
        uploads: list,
        upload_every: float,
    ):
        super().__init__(daemon=True)
        self.browser = Browser(base, timings)
        self.username, self.case_ids, self.job_ids, self.pngs = username, case_ids, job_ids, pngs
        self.deadline, self.uploads, self.upload_every = deadline, uploads, upload_every
        self.rng = random.Random(username)

    def run(self) -> None:
        if not self.browser.login(self.username):
            return
        next_upload = time.monotonic() + self.rng.uniform(0, self.upload_every)
        while time.monotonic() < self.deadline:
            b, case, job = self.browser, self.rng.choice(self.case_ids), self.rng.choice(self.job_ids)
            b.call("case list", "/cases/?q=" + self.rng.choice(["", "LOAD", "7"]))
            status, page = b.call("case page", f"/cases/{case}/")
            b.call("job page", f"/jobs/{job}/")
            b.call("job status api", f"/api/jobs/{job}/")
            b.call("result image", f"/jobs/{job}/image/enhanced.png")
            b.call("cell image", f"/jobs/{job}/cells/{self.rng.choice(['1', '7', 'X'])}/enhanced.png")
            if time.monotonic() >= next_upload and status == 200:
                next_upload += self.upload_every
                body, content_type = multipart(
                    {"csrfmiddlewaretoken": csrf_of(page) or ""},
                    {"images": (f"{self.username}.png", self.rng.choice(self.pngs))},
                )
                status, _ = b.call("upload", f"/cases/{case}/upload/", body=body, content_type=content_type)
                if status == 302:
                    self.uploads.append(case)
            time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--technologists", type=int, default=5)
    parser.add_argument("--raters", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument(
        "--upload-every", type=float, default=30, help="seconds between one technologist's uploads"
    )
    parser.add_argument("--drain-seconds", type=float, default=600)
    args = parser.parse_args()
    prepare()
    redis = RedisServer(WORK / "redis").start()
    database = f"sqlite:///{settings.DATABASES['default']['NAME']}"
    worker = CeleryWorker(
        redis.url,
        database,
        log_file=WORK / "worker.log",
        extra_env={"DJANGO_SETTINGS_MODULE": "webapp.settings.local"},
    ).start()
    settings.REDIS_URL = settings.CELERY_BROKER_URL = redis.url
    from webapp.celery import app

    app.conf.broker_url = redis.url
    server = None
    try:
        techs = [make_user(f"tech{i:02d}", Role.TECHNOLOGIST) for i in range(args.technologists)]
        raters = [make_user(f"rater{i:02d}", Role.RATER) for i in range(args.raters)]
        study_id = build_study(raters, 10)
        pngs = [
            encode_karyogram(
                synthesize("46,XY", seed=500 + i, quality="poor", severity="mild", shorten=False).image,
                ImageInfo("PNG", 1200, 1000, 1, 8),
            )
            for i in range(3)
        ]
        cases, jobs = [], []
        for i in range(4):  # cases with a finished job to browse
            case = Case.objects.create(accession=f"BROWSE-{i}", created_by=techs[0])
            karyogram = services.add_karyogram(case, SimpleUploadedFile("k.png", pngs[i % 3]), techs[0])
            jobs.append(services.start_job(karyogram, techs[0]).pk)
            cases.append(case.pk)
        deadline = time.monotonic() + 300
        while EnhancementJob.objects.filter(pk__in=jobs, state=JobState.DONE).count() < len(jobs):
            assert time.monotonic() < deadline, "the browse cases did not finish"
            time.sleep(0.5)
        before = set(Karyogram.objects.values_list("pk", flat=True))

        server, base = start_gunicorn({"REDIS_URL": redis.url})
        timings: dict[str, list[float]] = defaultdict(list)
        uploads: list[int] = []
        accepted: list[tuple[str, str]] = []
        end = time.monotonic() + args.seconds
        people = [
            Technologist(base, t.username, cases, jobs, pngs, end, timings, uploads, args.upload_every)
            for t in techs
        ] + [Rater(base, r.username, study_id, end, timings, accepted, think=1.0) for r in raters]
        elapsed = run_all(people)
        requests = sum(len(v) for v in timings.values())
        errors = [e for p in people for e in p.browser.errors]
        print(
            f"{args.technologists} technologists + {args.raters} raters for {elapsed:.0f} s: {requests} requests, "
            f"{requests / elapsed:.1f} req/s, errors {len(errors)} {sorted(set(errors))[:5]}"
        )
        print("\n".join(percentiles(timings)))
        model_free = [v for k, v in timings.items() if k not in ("login", "upload")]
        all_ms = sorted(1000 * x for v in model_free for x in v)
        print(
            f"pages that do not wait on the model: p95 {all_ms[int(0.95 * len(all_ms))]:.1f} ms (goal < 300 ms)"
        )

        new = Karyogram.objects.exclude(pk__in=before)
        drain = time.monotonic() + args.drain_seconds
        started = time.perf_counter()
        while (
            EnhancementJob.objects.filter(karyogram__in=new)
            .exclude(state__in=[JobState.DONE, JobState.FAILED])
            .exists()
            and time.monotonic() < drain
        ):
            time.sleep(1)
        states = defaultdict(int)
        for state in EnhancementJob.objects.filter(karyogram__in=new).values_list("state", flat=True):
            states[state] += 1
        without_job = new.filter(jobs__isnull=True).count()
        stored = set(
            Rating.objects.filter(assignment__study_id=study_id).values_list(
                "assignment__rater__username", "assignment__token"
            )
        )
        print(
            f"uploads accepted {len(uploads)}, karyograms stored {new.count()}, without a job {without_job}, "
            f"jobs {json.dumps(dict(states))} ({time.perf_counter() - started:.0f} s after the load ended)"
        )
        print(f"ratings accepted {len(accepted)}, stored {len(stored)}, lost {len(set(accepted) - stored)}")
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        worker.stop()
        redis.stop()


if __name__ == "__main__":
    main()
