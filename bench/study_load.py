"""Raters rating at once against the running app (gunicorn, the embedded SQLite default).

    .venv/bin/python bench/study_load.py [--raters 20] [--cases 30] [--seconds 60]

Builds a study in a scratch directory from synthetic poor karyograms and their enhancement
by the shipped model, starts gunicorn as `make run` does, and lets each rater work through
the portal in a browser's steps (page, image, form post) until the time is up. Prints p50/p95
latency per request type and then checks that every rating a rater saw accepted is stored.
"""

import argparse
import threading
import time
from collections import defaultdict

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.base import ContentFile  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from harness import PASSWORD, Browser, csrf_of, percentiles, prepare, run_all, start_gunicorn  # noqa: I001 - sets Django up first  # noqa: E402
from tqdm import tqdm  # noqa: E402

from enhancer.inference import SHIPPED_MODEL, Enhancer  # noqa: E402
from enhancer.io import ImageInfo, encode_karyogram, read_karyogram  # noqa: E402
from enhancer.synthetic import synthesize  # noqa: E402
from webapp.accounts.roles import Role, assign_role  # noqa: E402
from webapp.cases import services as case_services  # noqa: E402
from webapp.cases.models import Case, EnhancementJob, JobState  # noqa: E402
from webapp.studies import services as study_services  # noqa: E402
from webapp.studies.models import Rating  # noqa: E402

KARYOTYPES = ["46,XY", "47,XY,+8", "46,XX,del(5)(q13q33)", "45,XX,-7", "46,XY,t(9;22)(q34;q11.2)"]


def make_user(username: str, role: Role):
    user = get_user_model().objects.create_user(username, password=PASSWORD)
    assign_role(user, role)
    return user


def build_study(raters: list, cases: int, name: str = "Load") -> int:
    """A study of `cases` synthetic poor karyograms with finished enhancements by the shipped model."""
    tech = get_user_model().objects.filter(username="bench-tech").first() or make_user(
        "bench-tech", Role.TECHNOLOGIST
    )
    curator = get_user_model().objects.filter(username="bench-curator").first() or make_user(
        "bench-curator", Role.CURATOR
    )
    enhancer = Enhancer(SHIPPED_MODEL, device="cpu")
    karyograms = []
    for i in tqdm(range(cases), desc="cases (synthesise + enhance)"):
        made = synthesize(KARYOTYPES[i % 5], seed=1000 + i, quality="poor", severity="mild", shorten=False)
        info = ImageInfo("PNG", made.image.shape[1], made.image.shape[0], 1, 8)
        png = encode_karyogram(made.image, info)
        case = Case.objects.create(
            accession=f"{name}-{i:03d}", known_karyotype=made.truth["karyotype"], created_by=tech
        )
        karyogram = case_services.add_karyogram(case, SimpleUploadedFile("k.png", png), tech)
        result = enhancer.enhance(read_karyogram(png))
        job = EnhancementJob.objects.create(
            karyogram=karyogram, state=JobState.DONE, progress=100, created_by=tech
        )
        job.result.save("enhanced.png", ContentFile(encode_karyogram(result.pixels, info)))
        karyograms.append(karyogram)
    return study_services.create_study(
        name=name, instructions="", karyograms=karyograms, raters=raters, created_by=curator
    ).pk


class Rater(threading.Thread):
    """One person in the portal: open the item page, load the image, submit the form; repeat."""

    def __init__(
        self,
        base: str,
        username: str,
        study_id: int,
        deadline: float,
        timings: dict,
        accepted: list,
        think: float = 0.0,
    ):
        super().__init__(daemon=True)
        self.browser = Browser(base, timings)
        self.username, self.study_id, self.deadline, self.accepted, self.think = (
            username,
            study_id,
            deadline,
            accepted,
            think,
        )

    def run(self) -> None:
        if not self.browser.login(self.username):
            return
        while time.monotonic() < self.deadline:
            status, page = self.browser.call("item page", f"/rate/{self.study_id}/")
            found = status == 200 and b'name="item" value="' in page
            if not found:
                break  # finished (or an error, already counted)
            token = page.split(b'name="item" value="', 1)[1].split(b'"', 1)[0].decode()
            self.browser.call("image", f"/api/items/{token}/image/")
            time.sleep(self.think)
            status, _ = self.browser.call(
                "submit rating",
                f"/rate/{self.study_id}/",
                {
                    "csrfmiddlewaretoken": csrf_of(page),
                    "item": token,
                    "abnormality": "none",
                    "quality": 3,
                    "sharpness": 2,
                },
            )
            if status == 302:
                self.accepted.append((self.username, token))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raters", type=int, default=20)
    parser.add_argument("--cases", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    prepare()
    people = [make_user(f"rater{i:02d}", Role.RATER) for i in range(args.raters)]
    study_id = build_study(people, args.cases)
    server, base = start_gunicorn()
    try:
        timings: dict[str, list[float]] = defaultdict(list)
        accepted: list[tuple[str, str]] = []
        deadline = time.monotonic() + args.seconds
        raters = [Rater(base, p.username, study_id, deadline, timings, accepted) for p in people]
        elapsed = run_all(raters)
    finally:
        server.terminate()
        server.wait(timeout=30)
    requests = sum(len(v) for v in timings.values())
    print(
        f"{args.raters} raters, {args.cases} cases ({2 * args.cases} items each), {elapsed:.1f} s, "
        f"{requests} requests, {requests / elapsed:.1f} req/s (gunicorn 2 workers × 4 threads, SQLite)"
    )
    print("\n".join(percentiles(timings)))
    errors = [e for r in raters for e in r.browser.errors]
    stored = set(
        Rating.objects.filter(assignment__study_id=study_id).values_list(
            "assignment__rater__username", "assignment__token"
        )
    )
    print(
        f"errors: {len(errors)} {sorted(set(errors))[:5]}; ratings accepted {len(accepted)}, "
        f"stored {len(stored)}, lost {len(set(accepted) - stored)}"
    )


if __name__ == "__main__":
    main()
