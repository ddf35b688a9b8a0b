"""Entering a case: accessions are unique ignoring upper/lower case (form, API and database), and a known
karyotype the study statistics cannot read is flagged on the case page and in the API."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from enhancer.iscn import IscnError, detected
from enhancer.synthetic.karyotype import KARYOTYPES
from tests.conftest import PASSWORD, STUDY_KARYOTYPES
from tests.factories import CaseFactory
from webapp.cases.forms import CaseForm
from webapp.cases.management.commands.seed_demo import DEMO_CASES
from webapp.cases.models import Case

FORM = {"sample_type": "bone_marrow", "referral_reason": "", "known_karyotype": "", "notes": ""}
UNREADABLE = ["forty six XX", "46 XX", "46,XZ", "XX"]


@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["  qa-2026-001 ", "QA-2026-001", "Qa-2026-001"])
def test_form_refuses_an_accession_that_differs_only_in_case(typed):
    CaseFactory(accession="QA-2026-001")
    form = CaseForm(data={**FORM, "accession": typed})
    assert not form.is_valid()
    assert form.errors["accession"] == [
        'Case "QA-2026-001" already exists; accessions that differ only in upper/lower case are the same.'
    ]
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_form_keeps_capitalisation_and_lets_a_case_recapitalise_its_own_accession(client, make_user):
    make_user("technologist", "tech")
    client.login(username="tech", password=PASSWORD)
    created = client.post(reverse("case-create"), {**FORM, "accession": "  qa-2026-002 "}, follow=True)
    assert "Case qa-2026-002 created." in created.content.decode()  # walk-through: saving said nothing
    case = Case.objects.get()
    assert case.accession == "qa-2026-002"
    response = client.post(reverse("case-edit", args=[case.pk]), {**FORM, "accession": "QA-2026-002"})
    assert response.status_code == 302
    assert "Case QA-2026-002 saved." in client.get(response.url).content.decode()
    case.refresh_from_db()
    assert case.accession == "QA-2026-002"


@pytest.mark.django_db
def test_create_page_shows_the_existing_accession(client, make_user):
    make_user("technologist", "tech")
    CaseFactory(accession="QA-2026-001")
    client.login(username="tech", password=PASSWORD)
    response = client.post(reverse("case-create"), {**FORM, "accession": "  qa-2026-001 "})
    assert response.status_code == 200
    assert "Case &quot;QA-2026-001&quot; already exists" in response.content.decode()
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_api_refuses_an_accession_that_differs_only_in_case(api_as):
    api = api_as("technologist")
    assert api.post("/api/cases/", {"accession": "QA-2026-001"}, format="json").status_code == 201
    response = api.post("/api/cases/", {"accession": "  qa-2026-001 "}, format="json")
    assert response.status_code == 400
    assert "QA-2026-001" in response.json()["accession"][0]
    assert list(Case.objects.values_list("accession", flat=True)) == ["QA-2026-001"]
    other = api.post("/api/cases/", {"accession": "  QA-2026-003 "}, format="json")
    assert other.status_code == 201 and other.json()["accession"] == "QA-2026-003"


@pytest.mark.django_db
def test_database_refuses_an_accession_that_differs_only_in_case():
    CaseFactory(accession="QA-2026-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(accession="qa-2026-001")
    clash = Case(accession="qa-2026-001", created_by=Case.objects.get().created_by)
    with pytest.raises(ValidationError, match="differ only in upper/lower case"):
        clash.full_clean()
    assert Case.objects.count() == 1


@pytest.mark.django_db
def test_accessions_differing_only_in_the_case_of_accented_letters_are_one_case(client, make_user, api_as):
    """Walk-through: on SQLite (make run), "äöü-zürich-001" was taken as a new case beside "ÄÖÜ-Zürich-001" (form,
    API and database alike: SQLite's LOWER() folds ASCII letters only), and searching "äöü" found nothing."""
    CaseFactory(accession="ÄÖÜ-Zürich-001")
    make_user("technologist", "tech")
    client.login(username="tech", password=PASSWORD)
    page = client.post(reverse("case-create"), {**FORM, "accession": "äöü-zürich-001"})
    assert (
        page.status_code == 200 and "Case &quot;ÄÖÜ-Zürich-001&quot; already exists" in page.content.decode()
    )
    response = api_as("technologist").post("/api/cases/", {"accession": "ÄÖü-ZÜRICH-001"}, format="json")
    assert response.status_code == 400 and "ÄÖÜ-Zürich-001" in response.json()["accession"][0]
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(accession="äöü-zürich-001")
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseFactory(accession="A\u0308Öü-Zürich-001")  # Ä typed as A + combining diaeresis
    assert Case.objects.count() == 1
    found = client.get(reverse("case-list"), {"q": "äöü"}).content.decode()
    assert "ÄÖÜ-Zürich-001</a>" in found


@pytest.mark.parametrize(
    "karyotype",
    sorted(
        {*KARYOTYPES, *STUDY_KARYOTYPES, *(k for _, k, _, _ in DEMO_CASES)}
        | {"45,X", "47,XXY", "47,XXX", "47,XYY", "46,XY,t(9;22)(q34;q11.2)", "47,XY,+8[12]/46,XY[8]"}
    ),
)
def test_every_karyotype_the_project_uses_reads_without_a_warning(karyotype):
    assert Case(known_karyotype=karyotype).karyotype_problem == ""


@pytest.mark.parametrize("karyotype", ["", "46,XX", "47,XY,+21", *UNREADABLE])
def test_the_warning_is_given_exactly_where_the_study_statistics_cannot_read(karyotype):
    try:
        detected("", karyotype)
        unreadable = False
    except IscnError:
        unreadable = bool(karyotype)  # a blank karyotype is left out of the statistics on purpose
    assert bool(Case(known_karyotype=karyotype).karyotype_problem) == unreadable


@pytest.mark.django_db
def test_case_page_warns_of_an_unreadable_karyotype(client, make_user):
    make_user("technologist", "tech")
    client.login(username="tech", password=PASSWORD)
    client.post(reverse("case-create"), {**FORM, "accession": "K-1", "known_karyotype": "forty six XX"})
    case = Case.objects.get()
    assert case.known_karyotype == "forty six XX"  # saved: the reader does not know every valid ISCN form
    page = client.get(case.get_absolute_url()).content.decode()
    assert 'id="karyotype-warning"' in page and "e.g. 46,XX or 47,XY,+21" in page
    case.known_karyotype = "46,XX"
    case.save()
    assert 'id="karyotype-warning"' not in client.get(case.get_absolute_url()).content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("karyotype", UNREADABLE)
def test_api_reports_an_unreadable_karyotype(api_as, karyotype):
    api = api_as("technologist")
    body = api.post("/api/cases/", {"accession": "K-2", "known_karyotype": karyotype}, format="json").json()
    assert (
        "Not readable as ISCN" in body["karyotype_warning"]
        and "e.g. 46,XX or 47,XY,+21" in body["karyotype_warning"]
    )
    readable = api.post(
        "/api/cases/", {"accession": "K-3", "known_karyotype": "46,XY,t(9;22)(q34;q11.2)"}
    ).json()
    blank = api.post("/api/cases/", {"accession": "K-4"}, format="json").json()
    assert readable["karyotype_warning"] == "" and blank["karyotype_warning"] == ""


@pytest.mark.django_db
def test_an_accession_taken_between_the_check_and_the_save_is_refused_not_a_server_error(
    client, make_user, api_as, monkeypatch
):
    """Two requests at the same moment (a double click on Save): both pass the check, the database refuses
    the second, and it is answered like any other taken accession."""
    CaseFactory(accession="QA-2026-001")
    monkeypatch.setattr("webapp.cases.forms.duplicate_accession", lambda *args: "")
    monkeypatch.setattr("webapp.cases.serializers.duplicate_accession", lambda *args: "")
    monkeypatch.setattr(Case, "validate_constraints", lambda self, exclude=None: None)
    make_user("technologist", "tech")
    client.login(username="tech", password=PASSWORD)
    page = client.post(reverse("case-create"), {**FORM, "accession": "qa-2026-001"})
    assert page.status_code == 200 and "Case &quot;QA-2026-001&quot; already exists" in page.content.decode()
    response = api_as("technologist").post("/api/cases/", {"accession": "Qa-2026-001"}, format="json")
    assert response.status_code == 400 and "QA-2026-001" in response.json()["accession"][0]
    assert Case.objects.count() == 1
