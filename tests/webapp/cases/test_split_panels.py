"""A figure of several karyograms: its failed job names the panels, and a technologist splits it into one
karyogram per panel, each cut without loss and enhanced, once."""

import numpy as np
import pytest

from enhancer.io import ImageInfo, encode_karyogram, read_karyogram
from tests.conftest import PASSWORD
from tests.factories import KaryogramFactory
from tests.support.panels import LEFT, RIGHT, two_panel_figure
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobCell, JobState, Karyogram
from workers import tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def figure_job(make_user, settings, tmp_path):
    """The failed job of a two-panel figure, sliced by this process."""
    settings.MEDIA_ROOT = tmp_path
    user = make_user("technologist", "panel-tech")
    png = encode_karyogram(two_panel_figure(), ImageInfo("PNG", 1403, 600, 1, 8))
    figure = KaryogramFactory(case__created_by=user, name="journal figure.png", png=png)
    job = services.start_job(figure, user, strength=0.7, enqueue=False)
    tasks.slice_karyogram_task(job_pk=job.pk)
    job.refresh_from_db()
    return job


def test_the_failed_job_names_the_panels_on_its_page_and_in_the_api(figure_job, client):
    assert figure_job.state == JobState.FAILED and "figure of 2 panels" in figure_job.error
    assert figure_job.panels == [list(LEFT), list(RIGHT)]
    client.login(username="panel-tech", password=PASSWORD)
    body = client.get(f"/api/jobs/{figure_job.pk}/").json()
    assert body["panels"] == [list(LEFT), list(RIGHT)] and body["remedies"] == ["split", "boxes"]
    page = client.get(f"/jobs/{figure_job.pk}/").content.decode()
    assert "This image is a figure of 2 karyograms." in page and "Split into 2 karyograms</button>" in page
    assert "Retry</button>" not in page  # walk-through: running the figure again could only fail the same way
    case_page = client.get(figure_job.karyogram.case.get_absolute_url()).content.decode()
    assert (
        f'href="/jobs/{figure_job.pk}/#split-panels" data-job-split="{figure_job.pk}">Split into 2'
        in case_page
    )


def test_splitting_adds_one_karyogram_per_panel_each_queued_and_a_second_split_is_refused(
    figure_job, client, make_user
):
    client.login(username="panel-tech", password=PASSWORD)
    answer = client.post(f"/jobs/{figure_job.pk}/split/", follow=True)
    case = figure_job.karyogram.case
    assert answer.redirect_chain[-1][0] == case.get_absolute_url()
    assert "journal figure.png was split into 2 karyograms" in answer.content.decode()

    panels = list(case.karyograms.exclude(pk=figure_job.karyogram.pk).order_by("pk"))
    assert [k.original_name for k in panels] == ["journal figure-panel1.png", "journal figure-panel2.png"]
    figure = two_panel_figure()
    for panel, (x0, y0, x1, y1) in zip(panels, (LEFT, RIGHT), strict=True):
        with panel.original.open("rb") as f:
            assert np.array_equal(read_karyogram(f.read()).pixels, figure[y0:y1, x0:x1])  # no pixel lost
        job = panel.jobs.get()
        assert job.state == JobState.QUEUED and job.strength == 0.7

    page = client.get(f"/jobs/{figure_job.pk}/").content.decode()  # the figure's job points at its panels
    assert (
        "This figure was split into 2 karyograms</strong>" in page
        and "Split into 2 karyograms</button>" not in page
    )
    assert [k.split_from for k in panels] == [figure_job.karyogram, figure_job.karyogram]
    # the figure leaves curation datasets, its panels are offered instead, and curation says what it is
    assert [k.included for k in Karyogram.objects.order_by("pk")] == [False, True, True]
    client.force_login(make_user("curator", "cora"))
    curation = client.get("/curation/").content.decode()
    assert curation.count("a figure, split into 2 karyograms") == 1
    client.login(username="panel-tech", password=PASSWORD)
    assert f'data-job-split="{figure_job.pk}"' not in client.get(case.get_absolute_url()).content.decode()

    again = client.post(f"/jobs/{figure_job.pk}/split/", follow=True)
    assert (
        "was split before: see journal figure-panel1.png, journal figure-panel2.png" in again.content.decode()
    )
    assert case.karyograms.count() == 3 and EnhancementJob.objects.count() == 3


def test_a_split_figure_names_its_panels_instead_of_offering_the_split_again(figure_job, client):
    """Walk-throughs: after the split, the figure's case page and job page (and a retried job's) still offered
    'Split into 2 karyograms', which only answered 'was split before', and a retry or corrected slot boxes,
    which could only fail on the figure again."""
    client.login(username="panel-tech", password=PASSWORD)
    # a job run on the figure before the split, with boxes given by hand: done, its slot counts odd
    done = EnhancementJob.objects.create(
        karyogram=figure_job.karyogram, created_by=figure_job.created_by, state=JobState.DONE, progress=100
    )
    labels = [str(n) for n in range(1, 23)] + ["X", "Y"]
    JobCell.objects.bulk_create(
        JobCell(job=done, label=label, index=i, box=[0, 0, 9, 9], object_count=0 if label == "1" else 2)
        for i, label in enumerate(labels)
    )
    assert 'id="correct-layout"' in client.get(f"/jobs/{done.pk}/").content.decode()
    client.post(f"/jobs/{figure_job.pk}/split/")
    panels = list(Karyogram.objects.filter(split_from=figure_job.karyogram).order_by("pk"))
    assert [k.original_name for k in panels] == ["journal figure-panel1.png", "journal figure-panel2.png"]
    retried = services.start_job(figure_job.karyogram, figure_job.created_by, enqueue=False)
    tasks.slice_karyogram_task(job_pk=retried.pk)  # a retry of the figure fails the same way

    case_page = client.get(figure_job.karyogram.case.get_absolute_url()).content.decode()
    for job in (figure_job, retried):
        assert (
            f'data-job-split="{job.pk}"' not in case_page and f'data-job-editor="{job.pk}"' not in case_page
        )
    assert "split into\n        journal figure-panel1.png, journal figure-panel2.png" in case_page
    assert case_page.count("cut from journal figure.png") == 2
    for job in (figure_job, retried):  # walk-through: each still said in red "Failed … split it into …"
        line = case_page.split(f'id="job-line-{job.pk}"')[1].split('class="jobline"')[0]
        assert f'<span class="state state-split" data-job-state="{job.pk}">Split</span>' in line
        assert f'data-job-resolved="{job.pk}">into 2 karyograms<' in line
        assert "state-failed" not in line and 'class="error"' not in line and "split it into" not in line
    for job in (figure_job, retried, done):  # walk-through: the done job still offered its box editor
        page = client.get(f"/jobs/{job.pk}/").content.decode()
        assert "Split into 2 karyograms</button>" not in page and 'id="correct-layout"' not in page
        assert "Retry</button>" not in page and job.remedies == []
        if job.state == JobState.FAILED:  # its reason is kept, not in red: the split answered it
            assert (
                f'<p data-job-error="{job.pk}" data-job-resolved>The karyogram could not be sliced: the image'
                in page
            )
        assert "This figure was split into 2 karyograms" in page
        for panel in panels:
            assert f'<a href="/jobs/{panel.jobs.get().pk}/">{panel.original_name}</a>' in page
    jobs = EnhancementJob.objects.count()  # a retry posted all the same is refused, saying why
    refused = client.post(f"/jobs/{figure_job.pk}/retry/", follow=True).content.decode()
    assert "journal figure.png was split into journal figure-panel1.png, journal figure-panel2.png" in refused
    assert EnhancementJob.objects.count() == jobs


def test_the_api_splits_once_and_refuses_a_job_without_panels(figure_job, api_as):
    api = api_as("technologist")
    answer = api.post(f"/api/jobs/{figure_job.pk}/split/")
    assert answer.status_code == 201
    assert [k["original_name"] for k in answer.json()] == [
        "journal figure-panel1.png",
        "journal figure-panel2.png",
    ]
    assert all(k["job"]["state"] == "queued" for k in answer.json())
    assert {k["split_from"] for k in answer.json()} == {figure_job.karyogram.pk}
    assert api.post(f"/api/jobs/{figure_job.pk}/split/").status_code == 400
    retried = api.post(f"/api/jobs/{figure_job.pk}/retry/")  # the split figure is not run again
    assert retried.status_code == 400 and "was split into" in retried.json()["state"][0]

    single = services.start_job(Karyogram.objects.get(original_name="journal figure-panel1.png"), api.user)
    refused = api.post(f"/api/jobs/{single.pk}/split/")
    assert refused.status_code == 400 and "not found to be a figure" in refused.json()["panels"][0]
