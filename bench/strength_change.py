"""How long a strength slider takes: the JSON call that re-blends a finished job (no model run).

    .venv/bin/python bench/strength_change.py [--repeats 5]

Enhances one 1200×1000 moderate-poor synthetic karyogram with the pipeline's own steps in this
process, then times `POST /api/jobs/{id}/strengths/` for one cell and for all cells (median of
`--repeats`), request to response, including the re-render, the files, the cell previews and the
report measured again; then the first change a web process makes to a job, which measures the job's
original afresh (the reassembly ran in a worker; `webapp.cases.measuring` keeps it for later changes).
"""

import argparse
import os
import statistics
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

import django

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test.utils import setup_test_environment
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from enhancer.io import ImageInfo, encode_karyogram
from enhancer.synthetic import synthesize
from webapp.accounts.roles import Role, assign_role
from webapp.cases import measuring, services
from webapp.cases.models import Case
from webapp.celery import app
from workers import tasks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    setup_test_environment()
    call_command("migrate", verbosity=0)
    app.conf.broker_url = "memory://"  # the steps run here; their follow-up messages go nowhere
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("bench", password="bench-password")
    assign_role(user, Role.TECHNOLOGIST)
    made = synthesize("46,XY", seed=7, quality="poor", severity="moderate", shorten=False)
    height, width = made.image.shape
    png = encode_karyogram(made.image, ImageInfo("PNG", width, height, 1, 8))
    case = Case.objects.create(accession="BENCH-STRENGTH", created_by=user)
    job = services.start_job(
        services.add_karyogram(case, SimpleUploadedFile("k.png", png), user), user, enqueue=False
    )
    for step in (tasks.slice_karyogram_task, tasks.enhance_cells_task, tasks.reassemble_task):
        step(job_pk=job.pk)
    job.refresh_from_db()
    labels = list(job.cell_rows.values_list("label", flat=True))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    cases = [
        ("one cell", lambda v: {"1": v}, False),
        ("all cells", lambda v: dict.fromkeys(labels, v), False),
        ("one cell, the process's first for this job", lambda v: {"1": v}, True),
    ]
    for name, strengths, first in cases:
        times = []
        for i in range(args.repeats):
            if first:
                measuring._references.clear()
            start = time.perf_counter()
            response = api.post(
                f"/api/jobs/{job.pk}/strengths/", {"strengths": strengths(0.5 + 0.05 * i)}, format="json"
            )
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.content
        print(
            f"{width}×{height}, strength change of {name}: median {statistics.median(times):.3f} s "
            f"(min {min(times):.3f}, max {max(times):.3f}, n={args.repeats})"
        )


if __name__ == "__main__":
    main()
