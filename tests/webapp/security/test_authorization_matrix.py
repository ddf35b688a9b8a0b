"""Every URL × every role → the expected answer. A new URL fails this test until it is classified."""

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.conftest import PASSWORD
from tests.factories import ModelVersionFactory, TrainingRunFactory
from webapp.curation.models import ModelComparison, ModelEvaluation
from webapp.studies import services as study_services
from webapp.studies.models import Assignment

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "technologist", "rater", "curator", "admin"]
TECH = {"technologist", "admin"}
CURATOR = {"curator", "admin"}
RATER = {"rater"}
ANYONE = set(ROLES)
SIGNED_IN = set(ROLES) - {"anonymous"}

ACCESS = {
    "home": ANYONE,
    "healthz": ANYONE,
    "favicon": ANYONE,
    "login": ANYONE,
    "api-token": ANYONE,
    "api-schema": ANYONE,
    "api-docs": ANYONE,
    "rater-invite-accept": ANYONE,
    "logout": SIGNED_IN,
    "password_change": SIGNED_IN,
    "password_change_done": SIGNED_IN,
    "api-root": SIGNED_IN,
    **dict.fromkeys(
        [
            "case-list",
            "case-create",
            "case-detail",
            "case-edit",
            "case-upload",
            "job-detail",
            "job-image",
            "job-cell-image",
            "job-strengths",
            "job-retry",
            "job-cancel",
            "job-split",
            "karyogram-move",
            "api-case-list",
            "api-case-detail",
            "api-case-karyograms",
            "api-karyogram-list",
            "api-karyogram-detail",
            "api-karyogram-move",
            "api-job-list",
            "api-job-detail",
            "api-job-progress",
            "api-job-result",
            "api-job-retry",
            "api-job-cancel",
            "api-job-split",
            "api-job-strengths",
        ],
        TECH,
    ),
    **dict.fromkeys(["rate-home", "rate-study", "rate-image", "api-study-next", "api-study-ratings"], RATER),
    **dict.fromkeys(["api-study-list", "api-study-detail"], RATER | CURATOR),
    **dict.fromkeys(
        [
            "study-list",
            "study-create",
            "study-detail",
            "study-progress",
            "study-state",
            "study-raters",
            "study-statistics",
            "study-case-image",
            "study-csv",
            "api-study-statistics",
            "api-study-export",
            "api-study-close",
            "api-study-reopen",
            "api-study-add-raters",
            "curation",
            "karyogram-thumbnail",
            "dataset-list",
            "dataset-create",
            "dataset-detail",
            "training-create",
            "training-detail",
            "training-status",
            "training-sample",
            "training-cancel",
            "model-list",
            "model-upload",
            "model-activate",
            "model-evaluate",
            "model-evaluation-status",
            "model-compare",
            "model-comparison",
            "model-comparison-cell",
            "rater-list",
            "rater-invite-renew",
        ],
        CURATOR,
    ),
}
# Views that only accept POST (a GET by an allowed role answers 405).
POST_ONLY = {
    "karyogram-move",
    "api-karyogram-move",
    "job-strengths",
    "job-retry",
    "job-cancel",
    "job-split",
    "study-state",
    "study-raters",
    "training-create",
    "training-cancel",
    "model-upload",
    "model-activate",
    "model-evaluate",
    "api-case-karyograms",
    "api-job-retry",
    "api-job-cancel",
    "api-job-split",
    "api-job-strengths",
    "api-study-ratings",
    "api-study-close",
    "api-study-reopen",
    "api-study-add-raters",
    "logout",
    "rater-invite-renew",
}


def url_names() -> set[str]:
    def walk(patterns):
        for p in patterns:
            if isinstance(p, URLResolver):
                if p.app_name != "admin":
                    yield from walk(p.url_patterns)
            elif isinstance(p, URLPattern) and p.name:
                yield p.name

    return set(walk(get_resolver().url_patterns))


def test_every_url_is_classified():
    assert url_names() - set(ACCESS) == set()


@pytest.fixture
def world(make_user, finished_karyograms):
    """One of everything, and a signed-in client per role."""
    users = {role: make_user(role, f"m-{role}") for role in ROLES[1:]}
    karyograms = finished_karyograms(2)
    job = karyograms[0].jobs.get()
    study = study_services.create_study(
        name="M", instructions="", karyograms=karyograms, raters=[users["rater"]], created_by=users["curator"]
    )
    run = TrainingRunFactory(dataset__created_by=users["curator"], state="done")
    dataset = run.dataset
    version = ModelVersionFactory()
    ModelEvaluation.objects.create(version=version, state="done", created_by=users["curator"])
    comparison = ModelComparison.objects.create(
        first=version, second=version, state="done", labels=["1"], created_by=users["curator"]
    )
    token = Assignment.objects.filter(study=study).first().token
    kwargs = {
        "case-detail": {"pk": job.karyogram.case.pk},
        "case-edit": {"pk": job.karyogram.case.pk},
        "case-upload": {"pk": job.karyogram.case.pk},
        "api-case-detail": {"pk": job.karyogram.case.pk},
        "api-case-karyograms": {"pk": job.karyogram.case.pk},
        "job-image": {"pk": job.pk, "kind": "original"},
        "job-cell-image": {"pk": job.pk, "label": "1", "kind": "original"},
        "rate-image": {"token": token},
        "study-csv": {"pk": study.pk, "what": "ratings"},
        "study-case-image": {
            "pk": study.pk,
            "case_pk": study.study_cases.first().pk,
            "arm": "enhanced",
        },
        "karyogram-thumbnail": {"pk": karyograms[0].pk},
        "karyogram-move": {"pk": karyograms[0].pk},
        "api-karyogram-detail": {"pk": karyograms[0].pk},
        "api-karyogram-move": {"pk": karyograms[0].pk},
    }
    for name in (
        "job-detail",
        "job-strengths",
        "job-retry",
        "job-cancel",
        "job-split",
        "api-job-detail",
        "api-job-progress",
        "api-job-result",
        "api-job-retry",
        "api-job-cancel",
        "api-job-split",
        "api-job-strengths",
    ):
        kwargs[name] = {"pk": job.pk}
    for name in (
        "rate-study",
        "study-detail",
        "study-progress",
        "study-state",
        "study-raters",
        "study-statistics",
        "api-study-detail",
        "api-study-next",
        "api-study-ratings",
        "api-study-statistics",
        "api-study-export",
        "api-study-close",
        "api-study-reopen",
        "api-study-add-raters",
    ):
        kwargs[name] = {"pk": study.pk}
    for name in ("dataset-detail", "training-create"):
        kwargs[name] = {"pk": dataset.pk}
    for name in ("training-detail", "training-status", "training-sample", "training-cancel"):
        kwargs[name] = {"pk": run.pk}
    kwargs["model-activate"] = {"pk": version.pk}
    kwargs["model-evaluate"] = {"pk": version.pk}
    kwargs["model-evaluation-status"] = {"pk": version.pk}
    kwargs["model-comparison"] = {"pk": comparison.pk}
    kwargs["model-comparison-cell"] = {"pk": comparison.pk, "label": "1", "kind": "input"}
    kwargs["rater-invite-renew"] = {"pk": users["rater"].pk}
    kwargs["rater-invite-accept"] = {"uidb64": "MQ", "token": "no-such-token"}
    clients = {"anonymous": Client()}
    for role, user in users.items():
        clients[role] = Client()
        clients[role].login(username=user.username, password=PASSWORD)
    return kwargs, clients


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(world, role):
    kwargs, clients = world
    client = clients[role]
    wrong = []
    for name in sorted(ACCESS):
        if name == "logout":
            continue  # would end the session the rest of the loop uses; covered below
        url = reverse(name, kwargs=kwargs.get(name))
        response = client.post(url, {}) if name in POST_ONLY else client.get(url)
        allowed = role in ACCESS[name]
        denied = response.status_code in (401, 403) or (
            response.status_code == 302 and response["Location"].startswith("/accounts/login/")
        )
        if allowed == denied:
            wrong.append((name, url, response.status_code))
        if not allowed and role != "anonymous" and response.status_code != 403:
            wrong.append((name, url, response.status_code, "a signed-in user without the role must get 403"))
        if response.status_code >= 500 and name != "healthz":  # healthz answers 503 while no worker runs
            wrong.append((name, url, response.status_code, "server error"))
    assert wrong == []


def test_admin_site_is_for_admins_only(world):
    _, clients = world
    assert clients["admin"].get("/admin/").status_code == 200
    for role in ("technologist", "rater", "curator"):
        assert clients[role].get("/admin/")["Location"].startswith("/admin/login/")
