"""The web pipeline and `python -m enhancer enhance` make the same karyogram, bit for bit: both run the
library's steps (slice_cells → Enhancer.enhance_inputs → guard_cells → blend); and a file or karyogram both
refuse gets the same reason from both."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from enhancer.io import read_karyogram
from tests.factories import CaseFactory
from webapp.cases import services
from webapp.cases.models import JobState
from webapp.curation.active_model import active_model
from workers import tasks

ROOT = Path(__file__).resolve().parents[3]
STRENGTH = 0.8


@pytest.mark.django_db
def test_the_web_result_is_the_cli_result_bit_for_bit(api_as, karyogram_png, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    api = api_as("technologist", "parity-tech")
    user = api.user
    karyogram = services.add_karyogram(
        CaseFactory(accession="CLI-1", created_by=user),
        SimpleUploadedFile("k.png", karyogram_png),
        user,
    )
    job = services.start_job(karyogram, user, strength=STRENGTH, enqueue=False)
    for step in (tasks.slice_karyogram_task, tasks.enhance_cells_task, tasks.reassemble_task):
        step(job_pk=job.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    with job.result.open("rb") as f:
        web = read_karyogram(f.read())

    enhancer, _ = active_model()  # no registry version is active: the model at ENHANCER_MODEL_DIR
    (tmp_path / "k.png").write_bytes(karyogram_png)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "enhancer",
            "enhance",
            str(tmp_path / "k.png"),
            "-o",
            str(tmp_path / "cli.png"),
            "--model",
            str(settings.ENHANCER_MODEL_DIR),
            "--strength",
            str(STRENGTH),
            "--device",
            str(enhancer.device),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    cli = read_karyogram(tmp_path / "cli.png")

    assert cli.info == web.info
    assert np.array_equal(cli.pixels, web.pixels)
    original = read_karyogram(karyogram_png).pixels
    assert not np.array_equal(web.pixels, original)  # the model changed something: the test compares work
    # The cells the guard held back are the ones the command line names, for the same reasons.
    held = {r.label: r.verdict.reason for r in job.cell_rows.all() if r.verdict and not r.verdict.passed}
    assert [line.split(":")[0] for line in run.stdout.splitlines()[:-3]] == [f"cell {k}" for k in held]
    assert all(reason in run.stdout for reason in held.values())
    # What the staining depth did to the karyogram: the same words in the command line, the API and the page.
    said = run.stdout.splitlines()[-3]
    assert said.startswith("staining ") and said == job.staining_depth.describe()
    body = api.get(f"/api/jobs/{job.pk}/").json()
    assert body["staining"]["description"] == said
    assert body["staining"]["gain"] == job.staining_depth.gain >= 1
    assert body["staining"]["limited"] == job.staining_depth.limited >= 0
    client = Client()
    client.force_login(user)
    page = client.get(job.get_absolute_url()).content.decode()
    assert f"<p data-job-staining>{escape(said[0].upper() + said[1:])}." in page
    # The whole result measured against the original: the same figures in the command line and the API.
    whole = run.stdout.splitlines()[-2]
    assert (
        whole.startswith("whole karyogram against the original: ")
        and whole == job.karyogram_report.describe()
    )
    assert body["report"]["description"] == whole


@pytest.fixture(scope="module")
def refused_images() -> dict[str, bytes]:
    """A blank image and the top two rows of a karyogram: both refused by the slicer."""
    from enhancer.io import ImageInfo, encode_karyogram
    from enhancer.synthetic import synthesize

    made = synthesize(
        "47,XY,+8", seed=21, quality="poor", severity="mild", width=900, height=750, shorten=False
    )
    return {
        "blank.png": encode_karyogram(np.full((400, 600), 250, np.uint8), ImageInfo("PNG", 600, 400, 1, 8)),
        "two rows.png": encode_karyogram(made.image[:450], ImageInfo("PNG", 900, 450, 1, 8)),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "command_line", "web"),
    [
        (
            "blank.png",
            "No chromosome was found; this does not look like a karyogram.",
            "The karyogram could not be sliced: no chromosome was found; this does not look like a karyogram.",
        ),
        (
            "two rows.png",
            "Found 2 rows of chromosomes where a karyogram has 4.\nGive the slot boxes as a layout instead: "
            "`--layout FILE`, labelled boxes in the JSON that `slice` writes to layout.json.",
            "The karyogram could not be sliced: found 2 rows of chromosomes where a karyogram has 4. Correct the "
            "slot boxes and run again.",
        ),
    ],
)
def test_a_refused_karyogram_gets_the_same_reason_from_the_command_line_and_the_web(
    name, command_line, web, refused_images, api_as, settings, tmp_path, capsys
):
    """The same reason in both, and where boxes given by a person get past it (`LayoutError.boxes_help`), each one's
    words for it: the command line's `--layout`, the web's slot-box editor; after "could not be sliced:" the reason
    goes on in lower case."""
    from enhancer.cli import main

    (tmp_path / name).write_bytes(refused_images[name])
    assert main(["slice", str(tmp_path / name), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == f"error: {command_line}\n"

    settings.MEDIA_ROOT = tmp_path / "media"
    api = api_as("technologist", "wording-tech")
    karyogram = services.add_karyogram(
        CaseFactory(accession="CLI-2", created_by=api.user),
        SimpleUploadedFile(name, refused_images[name]),
        api.user,
    )
    job = services.start_job(karyogram, api.user, enqueue=False)
    tasks.slice_karyogram_task(job_pk=job.pk)
    assert api.get(f"/api/jobs/{job.pk}/").json()["error"] == web
    client = Client()
    client.force_login(api.user)
    assert escape(web) in client.get(job.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_an_empty_file_is_the_same_fact_on_the_command_line_and_the_web(api_as, tmp_path, capsys):
    from enhancer.cli import main

    (tmp_path / "empty.png").write_bytes(b"")
    assert main(["slice", str(tmp_path / "empty.png"), "-o", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err == "error: The file is empty.\n"
    api = api_as("technologist", "empty-tech")
    case = CaseFactory(accession="CLI-3", created_by=api.user)
    answer = api.post(f"/api/cases/{case.pk}/karyograms/", {"image": SimpleUploadedFile("empty.png", b"")})
    assert answer.json() == {
        "image": ["empty.png: The file is empty."]
    }  # the file named, then the same words
