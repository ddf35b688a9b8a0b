"""The Django admin never writes append-only records, pipeline-owned work or curation snapshots."""

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from webapp.audit.models import AuditEvent
from webapp.cases.models import EnhancementJob, JobCell
from webapp.curation.models import Dataset, ModelComparison, ModelVersion, TrainingRun
from webapp.studies import services as study_services
from webapp.studies.models import Assignment, Rating, Study

pytestmark = pytest.mark.django_db

READ_ONLY = [
    Study,
    Rating,
    Assignment,
    AuditEvent,
    EnhancementJob,
    JobCell,
    Dataset,
    TrainingRun,
    ModelVersion,
    ModelComparison,
]


@pytest.fixture
def records(make_user, finished_karyograms):
    """One of each read-only model, and an admin's client."""
    admin_user, curator, rater = (
        make_user("admin", "boss"),
        make_user("curator", "cur"),
        make_user("rater", "ray"),
    )
    karyograms = finished_karyograms(2)
    job = karyograms[0].jobs.get()
    JobCell.objects.create(job=job, label="1", index=0, box=[0, 0, 10, 10], object_count=2)
    study = study_services.create_study(
        name="S", instructions="", karyograms=karyograms, raters=[rater], created_by=curator
    )
    assignment = Assignment.objects.filter(study=study).first()
    Rating.objects.create(
        assignment=assignment,
        abnormality="none",
        quality=3,
        sharpness=3,
        measured_seconds=9,
        duration_seconds=9,
    )
    dataset = Dataset.objects.create(name="d", manifest=[], created_by=curator)
    TrainingRun.objects.create(dataset=dataset, preset="tiny", created_by=curator, state="done")
    version = ModelVersion.objects.create(
        name="v", source="uploaded", storage_prefix="models/v", weights_sha256="0" * 64
    )
    ModelComparison.objects.create(first=version, second=version, created_by=curator)
    client = Client()
    client.login(username=admin_user.username, password=PASSWORD)
    client.get(f"/curation/datasets/{dataset.pk}/")  # an audited read: one audit event at least
    assert AuditEvent.objects.exists()
    return client


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_read_only_in_the_admin(records, model):
    client = records
    base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
    obj = model.objects.first()
    count = model.objects.count()
    listing = client.get(base)
    assert listing.status_code == 200  # listed
    assert 'value="delete_selected"' not in listing.content.decode()
    assert client.get(f"{base}add/").status_code == 403
    assert client.post(f"{base}add/", {}).status_code == 403
    view = client.get(f"{base}{obj.pk}/change/")
    assert view.status_code == 200 and 'name="_save"' not in view.content.decode()  # shown, not editable
    assert client.post(f"{base}{obj.pk}/change/", {}).status_code == 403
    assert client.get(f"{base}{obj.pk}/delete/").status_code == 403
    assert client.post(f"{base}{obj.pk}/delete/", {"post": "yes"}).status_code == 403
    assert model.objects.count() == count


def test_the_admin_index_offers_no_add_link_for_them(records):
    html = records.get("/admin/").content.decode()
    for model in READ_ONLY:
        assert f"/admin/{model._meta.app_label}/{model._meta.model_name}/add/" not in html
        assert f"/admin/{model._meta.app_label}/{model._meta.model_name}/" in html


def test_a_study_in_the_admin_keeps_its_secret(records):
    study = Study.objects.get()
    html = records.get(f"/admin/studies/study/{study.pk}/change/").content.decode()
    assert study.name in html and study.secret not in html
