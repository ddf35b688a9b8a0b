"""Cancelling a job started by mistake: a queued one ends at once, a running one before its next step (the real
tasks), on its page, its case's row and in the API; it can then be run again, and an ended job cannot be
cancelled."""

import pytest
from django.core.files.storage import default_storage

from tests.conftest import PASSWORD
from tests.factories import EnhancementJobFactory, KaryogramFactory
from webapp.audit.models import AuditEvent
from webapp.cases import services
from webapp.cases.models import EnhancementJob, JobState, Remedy
from workers import tasks

pytestmark = pytest.mark.django_db
jobs = EnhancementJob.objects


@pytest.fixture
def tech(client, make_user):
    user = make_user("technologist", "cancel-tech")
    client.login(username="cancel-tech", password=PASSWORD)
    client.user = user
    return client


def test_a_queued_job_is_cancelled_at_once_and_its_next_step_does_nothing(tech, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    job = services.start_job(KaryogramFactory(case__created_by=tech.user), tech.user, enqueue=False)
    page = tech.get(job.get_absolute_url()).content.decode()
    assert f'data-job-cancel="{job.pk}"' in page and ">Cancel job</button>" in page
    response = tech.post(f"/jobs/{job.pk}/cancel/", follow=True)
    assert f"Job {job.pk} is cancelled and will not run" in " ".join(
        str(m) for m in response.context["messages"]
    )
    job.refresh_from_db()
    assert (job.state, job.cancel_requested, job.stage) == (JobState.CANCELLED, True, "Cancelled")
    assert job.finished and not job.is_active and job.remedies == [Remedy.RETRY]
    tasks.slice_karyogram_task(job_pk=job.pk)  # a message already sent finds nothing to do
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and not job.cell_rows.exists()
    page = response.content.decode()
    assert "data-job-cancelled" in page and "Retry</button>" in page and ">Cancel job</button>" not in page
    assert AuditEvent.objects.filter(action="job-cancel", method="POST").count() == 1


def test_a_running_job_stops_before_its_next_step_and_writes_no_result(
    tech, karyogram_png, settings, tmp_path, monkeypatch
):
    settings.MEDIA_ROOT = tmp_path
    karyogram = KaryogramFactory(case__created_by=tech.user, png=karyogram_png)
    job = services.start_job(karyogram, tech.user, enqueue=False)
    tasks.slice_karyogram_task(job_pk=job.pk)
    real_model_for_job = tasks.model_for_job

    def cancelled_while_the_model_loads(version):
        """A person presses Cancel while the enhance step runs."""
        tech.post(f"/jobs/{job.pk}/cancel/")
        running = jobs.get(pk=job.pk)
        assert (running.state, running.stage, running.is_cancellable) == (
            JobState.ENHANCING,
            "Cancelling",
            False,
        )
        return real_model_for_job(version)

    monkeypatch.setattr(tasks, "model_for_job", cancelled_while_the_model_loads)
    tasks.enhance_cells_task(job_pk=job.pk)  # the step under way ends as it would
    tasks.reassemble_task(job_pk=job.pk)  # the next one does not run
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED and not job.result and job.report is None
    assert not any(name.startswith("enhanced-") for name in default_storage.listdir(f"jobs/{job.uid}")[1])
    progress = tech.get(f"/api/jobs/{job.pk}/progress/").json()
    assert (progress["state"], progress["stage"], progress["cancellable"]) == (
        "cancelled",
        "Cancelled",
        False,
    )
    assert progress["remedies"] == ["retry"]
    assert progress["active"] is False  # progress.js stops polling and shows the ended job
    refused = tech.get(f"/api/jobs/{job.pk}/result/")
    assert refused.status_code == 400
    assert refused.json() == {"state": ["The job is cancelled; there is no result."]}

    new = services.retry_job(job, tech.user)
    assert (new.state, new.strength, new.cell_count) == (JobState.QUEUED, job.strength, job.cell_count)


@pytest.mark.parametrize("state", [JobState.DONE, JobState.FAILED, JobState.CANCELLED])
def test_an_ended_job_offers_no_cancel_and_refuses_one(tech, state):
    job = EnhancementJobFactory(state=state, karyogram__case__created_by=tech.user)
    assert f'data-job-cancel="{job.pk}"' not in tech.get(job.get_absolute_url()).content.decode()
    assert (
        f'data-job-cancel="{job.pk}"' not in tech.get(job.karyogram.case.get_absolute_url()).content.decode()
    )
    response = tech.post(f"/jobs/{job.pk}/cancel/", follow=True)
    said = " ".join(str(m) for m in response.context["messages"])
    assert f"Nothing to cancel: job {job.pk} is {job.get_state_display().lower()}." in said
    job.refresh_from_db()
    assert job.state == state and not job.cancel_requested


def test_the_case_row_offers_cancel_while_the_job_can_still_be_stopped(tech):
    job = EnhancementJobFactory(state=JobState.ENHANCING, karyogram__case__created_by=tech.user)
    row = tech.get(job.karyogram.case.get_absolute_url()).content.decode().split(f'id="job-line-{job.pk}"')[1]
    assert f'data-job-cancel="{job.pk}"' in row.split("</div>")[0]
    jobs.cancel(job.pk)
    row = tech.get(job.karyogram.case.get_absolute_url()).content.decode().split(f'id="job-line-{job.pk}"')[1]
    assert ">Cancelling</span>" in row  # still running: the form stays, hidden, for progress.js
    assert f'data-job-cancel="{job.pk}"' in row and "hidden>" in row.split(f'data-job-cancel="{job.pk}"')[1]


def test_the_api_cancels_a_queued_job_and_refuses_an_ended_one(api_as):
    api = api_as("technologist")
    queued = EnhancementJobFactory()
    response = api.post(f"/api/jobs/{queued.pk}/cancel/")
    assert response.status_code == 202
    assert {k: response.json()[k] for k in ("state", "stage", "cancellable", "remedies")} == {
        "state": "cancelled",
        "stage": "Cancelled",
        "cancellable": False,
        "remedies": ["retry"],
    }
    running = EnhancementJobFactory(state=JobState.SLICING)
    assert api.get(f"/api/jobs/{running.pk}/").json()["cancellable"] is True
    assert api.post(f"/api/jobs/{running.pk}/cancel/").json()["stage"] == "Cancelling"
    again = api.post(f"/api/jobs/{running.pk}/cancel/")
    assert again.status_code == 400
    assert again.json() == {"state": ["Nothing to cancel: the job is cancelling."]}
    done = EnhancementJobFactory(state=JobState.DONE)
    assert api.post(f"/api/jobs/{done.pk}/cancel/").json() == {
        "state": ["Nothing to cancel: the job is done."]
    }


@pytest.mark.parametrize("role", ["rater", "curator"])
def test_only_technologists_and_admins_cancel_a_job(client, api_as, make_user, role):
    job = EnhancementJobFactory()
    make_user(role, f"cancel-{role}")
    client.login(username=f"cancel-{role}", password=PASSWORD)
    assert client.post(f"/jobs/{job.pk}/cancel/").status_code == 403
    assert api_as(role).post(f"/api/jobs/{job.pk}/cancel/").status_code == 403
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and not job.cancel_requested
