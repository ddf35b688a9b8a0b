"""Raters rating at once against the running app (gunicorn, the embedded SQLite default).

    .venv/bin/python bench/study_load.py [--raters 20] [--cases 30] [--seconds 60]

Builds a study in a scratch directory from synthetic poor karyograms and their enhancement
by the shipped model, starts gunicorn as `make run` does, and lets each rater work through
the portal in a browser's steps (page, image, form post) until the time is up. Prints p50/p95
latency per request type and then checks that every rating a rater saw accepted is stored.
"""

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="chromo-study-load-"))
ENV = {**os.environ, "DJANGO_SETTINGS_MODULE": "webapp.settings.local", "CHROMO_VAR_DIR": str(WORK),
       "ALLOWED_HOSTS": "127.0.0.1"}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from tqdm import tqdm  # noqa: E402

from enhancer.inference import SHIPPED_MODEL, Enhancer  # noqa: E402
from enhancer.io import ImageInfo, encode_karyogram, read_karyogram  # noqa: E402
from enhancer.synthetic import synthesize  # noqa: E402
from webapp.accounts.roles import Role, assign_role  # noqa: E402
from webapp.cases import services as case_services  # noqa: E402
from webapp.cases.models import Case, EnhancementJob, JobState  # noqa: E402
from webapp.studies import services as study_services  # noqa: E402
from webapp.studies.models import Rating  # noqa: E402

PASSWORD = "bench-password-123"  # noqa: S105


def build_study(raters: int, cases: int) -> int:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    tech = users.create_user("bench-tech", password=PASSWORD)
    assign_role(tech, Role.TECHNOLOGIST)
    curator = users.create_user("bench-curator", password=PASSWORD)
    assign_role(curator, Role.CURATOR)
    people = []
    for i in range(raters):
        user = users.create_user(f"rater{i:02d}", password=PASSWORD)
        assign_role(user, Role.RATER)
        people.append(user)
    enhancer = Enhancer(SHIPPED_MODEL, device="cpu")
    karyograms = []
    for i in tqdm(range(cases), desc="cases (synthesise + enhance)"):
        made = synthesize(random_karyotype_for(i), seed=1000 + i, quality="poor", severity="mild", shorten=False)
        info = ImageInfo("PNG", made.image.shape[1], made.image.shape[0], 1, 8)
        png = encode_karyogram(made.image, info)
        case = Case.objects.create(accession=f"LOAD-{i:03d}", known_karyotype=made.truth["karyotype"], created_by=tech)
        karyogram = case_services.add_karyogram(case, SimpleUploadedFile("k.png", png), tech)
        result = enhancer.enhance(read_karyogram(png))
        job = EnhancementJob.objects.create(karyogram=karyogram, state=JobState.DONE, progress=100, created_by=tech)
        job.result.save("enhanced.png", ContentFile(encode_karyogram(result.pixels, info)))
        karyograms.append(karyogram)
    study = study_services.create_study(name="Load", instructions="", karyograms=karyograms, raters=people,
                                        created_by=curator)
    return study.pk


def random_karyotype_for(i: int) -> str:
    return ["46,XY", "47,XY,+8", "46,XX,del(5)(q13q33)", "45,XX,-7", "46,XY,t(9;22)(q34;q11.2)"][i % 5]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rater(threading.Thread):
    """One person in the portal: open the item page, load the image, submit the form; repeat."""

    def __init__(self, base: str, username: str, study_id: int, deadline: float, timings: dict, accepted: list):
        super().__init__(daemon=True)
        self.base, self.username, self.study_id, self.deadline = base, username, study_id, deadline
        self.timings, self.accepted, self.errors = timings, accepted, []
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
                                                  NoRedirect())

    def call(self, kind: str, path: str, data: dict | None = None) -> tuple[int, bytes]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"Referer": self.base + path})
        start = time.perf_counter()
        try:
            with self.opener.open(request, timeout=60) as response:
                status, content = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, content = exc.code, exc.read()
        self.timings[kind].append(time.perf_counter() - start)
        if status >= 400:
            self.errors.append(f"{kind} {status}")
        return status, content

    def run(self) -> None:
        _, page = self.call("login page", "/accounts/login/")
        csrf = _csrf(page)
        if csrf is None:
            return  # the error is counted
        self.call("login", "/accounts/login/", {"csrfmiddlewaretoken": csrf, "username": self.username,
                                                "password": PASSWORD})
        while time.monotonic() < self.deadline:
            status, page = self.call("item page", f"/rate/{self.study_id}/")
            found = re.search(rb'name="item" value="([^"]+)"', page)
            if status != 200 or not found:
                break  # finished (or an error, already counted)
            token = found.group(1).decode()
            csrf = _csrf(page)
            self.call("image", f"/api/items/{token}/image/")
            status, _ = self.call("submit rating", f"/rate/{self.study_id}/", {
                "csrfmiddlewaretoken": csrf, "item": token, "abnormality": "none", "quality": 3, "sharpness": 2})
            if status == 302:
                self.accepted.append((self.username, token))


def _csrf(page: bytes) -> str | None:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    return found.group(1).decode() if found else None


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raters", type=int, default=20)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # as `make run` does
    study_id = build_study(args.raters, args.cases)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "webapp.wsgi", "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--threads", "4", "--timeout", "120"], cwd=ROOT, env=ENV,
                              stdout=subprocess.DEVNULL, stderr=open(WORK / "gunicorn.log", "wb"))
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/accounts/login/", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        timings: dict[str, list[float]] = defaultdict(list)
        accepted: list[tuple[str, str]] = []
        deadline = time.monotonic() + args.seconds
        raters = [Rater(base, f"rater{i:02d}", study_id, deadline, timings, accepted) for i in range(args.raters)]
        start = time.perf_counter()
        for rater in raters:
            rater.start()
        for rater in raters:
            rater.join()
        elapsed = time.perf_counter() - start
    finally:
        server.terminate()
        server.wait(timeout=30)
    requests = sum(len(v) for v in timings.values())
    print(f"{args.raters} raters, {args.cases} cases ({2 * args.cases} items each), {elapsed:.1f} s, "
          f"{requests} requests, {requests / elapsed:.1f} req/s (gunicorn 2 workers × 4 threads, SQLite)")
    for kind, values in timings.items():
        ms = sorted(1000 * v for v in values)
        print(f"  {kind:14s} n={len(ms):5d}  p50 {statistics.median(ms):7.1f} ms  "
              f"p95 {ms[min(len(ms) - 1, int(0.95 * len(ms)))]:7.1f} ms")
    errors = [e for r in raters for e in r.errors]
    stored = set(Rating.objects.filter(assignment__study_id=study_id)
                 .values_list("assignment__rater__username", "assignment__token"))
    lost = set(accepted) - stored
    print(f"errors: {len(errors)} {sorted(set(errors))[:5]}; ratings accepted {len(accepted)}, stored {len(stored)}, "
          f"lost {len(lost)}")


if __name__ == "__main__":
    main()
