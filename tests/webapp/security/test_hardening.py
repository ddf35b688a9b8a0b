"""CSRF on every form, login throttling, no path escapes, no secrets in the repository, the audit trail."""

import re
import subprocess
from pathlib import Path

import pytest
from django.test import Client, override_settings

from tests.conftest import PASSWORD
from webapp.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[3]


def test_forms_are_refused_without_their_csrf_token(make_user, finished_karyograms):
    make_user("technologist", "tina")
    make_user("curator", "cora")
    job = finished_karyograms(1)[0].jobs.get()
    for username, paths in (
        (
            "tina",
            [
                "/cases/new/",
                f"/jobs/{job.pk}/strengths/",
                f"/jobs/{job.pk}/retry/",
                f"/cases/{job.karyogram.case.pk}/upload/",
            ],
        ),
        ("cora", ["/studies/new/", "/curation/", "/curation/datasets/new/", "/curation/models/upload/"]),
    ):
        client = Client(enforce_csrf_checks=True)
        client.login(username=username, password=PASSWORD)
        for path in paths:
            assert client.post(path, {}).status_code == 403, path
    anonymous = Client(enforce_csrf_checks=True)
    assert anonymous.post("/accounts/login/", {"username": "tina", "password": PASSWORD}).status_code == 403


@override_settings(AXES_ENABLED=True)
def test_login_is_throttled_after_five_failures(make_user):
    make_user("technologist", "victim")
    client = Client()
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "victim", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    assert client.post("/accounts/login/", {"username": "victim", "password": "wrong"}).status_code == 429
    locked = client.post("/accounts/login/", {"username": "victim", "password": PASSWORD})
    assert locked.status_code == 429 and "Too many failed logins" in locked.content.decode()
    token = client.post("/api/auth/token/", {"username": "victim", "password": PASSWORD})
    assert token.status_code in (400, 403, 429) and "token" not in token.json()


@pytest.mark.parametrize(
    "path",
    [
        "/jobs/1/image/..%2F..%2Fsettings.png",
        "/jobs/1/cells/1/..%2F..%2Fx.png",
        "/studies/1/..%2F..%2Fetc%2Fpasswd.csv",
        "/api/items/..%2F..%2Fsecret/image/",
        "/static/..%2F..%2Fwebapp%2Fsettings%2Fbase.py",
        "/media/originals/",
    ],
)
def test_paths_cannot_escape(make_user, finished_karyograms, path):
    for role in ("technologist", "rater", "curator"):
        make_user(role, f"p-{role}")
    finished_karyograms(1)
    for role in ("technologist", "rater", "curator"):
        client = Client()
        client.login(username=f"p-{role}", password=PASSWORD)
        response = client.get(path)
        assert response.status_code in (403, 404), (role, path, response.status_code)


def test_no_secrets_in_the_repository():
    files = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    patterns = [
        re.compile(p)
        for p in (
            r"-----BEGIN (RSA |EC |OPENSSH )?PRIVATE KEY-----",
            r"AKIA[0-9A-Z]{16}",
            r"(?i)secret_key\s*=\s*['\"][^'\"]{20,}['\"]",
            r"xox[bap]-[0-9A-Za-z-]+",
        )
    ]
    found = []
    for name in files:
        path = REPO / name
        if path.suffix in {".png", ".safetensors", ".tsv"} or not path.is_file():
            continue
        text = path.read_text(errors="ignore")
        found += [
            (name, p.pattern) for p in patterns if p.search(text) and "test-only-not-secret" not in text
        ]
    assert found == []


def test_audit_trail_records_views_changes_and_ratings(make_user, finished_karyograms):
    make_user("technologist", "tina")
    job = finished_karyograms(1)[0].jobs.get()
    client = Client()
    client.login(username="tina", password=PASSWORD)
    client.get(f"/cases/{job.karyogram.case.pk}/")
    client.get(f"/api/jobs/{job.pk}/result/")
    client.post("/cases/new/", {"accession": "AUDIT-1", "sample_type": "bone_marrow"})
    client.get("/cases/")  # a list: not audited
    events = list(AuditEvent.objects.order_by("at").values_list("username", "method", "action", "target"))
    assert events == [
        ("tina", "GET", "case-detail", {"pk": str(job.karyogram.case.pk)}),
        ("tina", "GET", "api-job-result", {"pk": str(job.pk)}),
        ("tina", "POST", "case-create", {}),
    ]
    with pytest.raises(ValueError):
        AuditEvent.objects.first().save()
