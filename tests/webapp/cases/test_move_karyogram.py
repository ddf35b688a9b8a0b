"""A karyogram uploaded to the wrong case is moved to the right one, with its reason in the audit trail."""

import pytest

from tests.conftest import PASSWORD
from tests.factories import CaseFactory
from webapp.audit.models import AuditEvent
from webapp.cases.models import Karyogram

pytestmark = pytest.mark.django_db


@pytest.fixture
def misfiled(finished_karyograms):
    karyogram = finished_karyograms(1)[0]
    right = CaseFactory(accession="LAB-2026-002", created_by=karyogram.uploaded_by)
    return karyogram, right


def _move(client, karyogram, accession, reason="uploaded to the wrong patient"):
    return client.post(
        f"/karyograms/{karyogram.pk}/move/", {"accession": accession, "reason": reason}, follow=True
    )


def test_a_technologist_moves_a_karyogram_to_the_right_case_and_the_audit_keeps_why(client, misfiled):
    karyogram, right = misfiled
    wrong = karyogram.case
    client.login(username="tech-for-study", password=PASSWORD)
    assert (
        f'action="/karyograms/{karyogram.pk}/move/"' in client.get(wrong.get_absolute_url()).content.decode()
    )
    response = _move(client, karyogram, "lab-2026-002")  # accessions are matched ignoring upper/lower case
    assert response.redirect_chain[-1][0] == right.get_absolute_url()
    page = response.content.decode()
    assert "patient-0-original.png was moved here from case ACC-SECRET-000." in page
    assert "patient-0-original.png" in page.split("<h2>Karyograms</h2>")[1]
    assert "No karyograms yet." in client.get(wrong.get_absolute_url()).content.decode()
    karyogram.refresh_from_db()
    assert karyogram.case == right and karyogram.jobs.count() == 1  # its enhancement goes with it
    event = AuditEvent.objects.get(action="karyogram-moved")
    assert event.username == "tech-for-study"
    assert event.target["from"] == "ACC-SECRET-000" and event.target["to"] == "LAB-2026-002"
    assert event.target["reason"] == "uploaded to the wrong patient"
    assert event.target["sha256"] == karyogram.sha256


@pytest.mark.parametrize(
    ("accession", "reason", "field", "message"),
    [
        ("LAB-2026-002", "  ", "reason", "This field is required."),
        (
            "LAB-9999",
            "wrong patient",
            "accession",
            "No case has accession LAB-9999; create it first, then move the karyogram there.",
        ),
        ("ACC-SECRET-000", "wrong patient", "accession", "It is already in case ACC-SECRET-000."),
    ],
)
def test_a_move_without_a_reason_or_a_right_case_is_refused_and_changes_nothing(
    client, misfiled, accession, reason, field, message
):
    """The refusal is shown beside its field in the row's form, kept open with what was typed, once: the
    refusal redirects to the case page, so a reload neither posts again nor shows it again."""
    karyogram, _ = misfiled
    client.login(username="tech-for-study", password=PASSWORD)
    response = _move(client, karyogram, accession, reason)
    assert response.redirect_chain == [(karyogram.case.get_absolute_url(), 302)]
    page = response.content.decode()
    row = page.split(f'data-move="{karyogram.pk}" open>')[1].split("</details>")[0]
    assert 'role="alert">patient-0-original.png was not moved.<' in row
    assert f'<ul class="errorlist" id="move-{karyogram.pk}-{field}_error"><li>{message}</li></ul>' in row
    assert f'aria-describedby="move-{karyogram.pk}-{field}_error"' in row
    assert f'value="{accession}"' in row and f'value="{reason}"' in row  # nothing typed is lost
    assert Karyogram.objects.get(pk=karyogram.pk).case == karyogram.case
    assert not AuditEvent.objects.filter(action="karyogram-moved").exists()
    assert AuditEvent.objects.filter(action="case-detail").exists()  # the page it was shown on is a read
    again = client.get(karyogram.case.get_absolute_url()).content.decode()
    assert f'data-move="{karyogram.pk}">' in again and "was not moved" not in again


def test_what_was_typed_comes_back_escaped(client, misfiled):
    karyogram, _ = misfiled
    client.login(username="tech-for-study", password=PASSWORD)
    page = _move(client, karyogram, 'X"><script>alert(1)</script>', "wrong").content.decode()
    assert (
        'value="X&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page and "<script>alert(1)" not in page
    )


def test_a_refusal_for_a_panel_which_has_no_form_is_said_in_the_banner(client, misfiled):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from webapp.cases import services

    figure, _ = misfiled
    with figure.original.open("rb") as f:
        panel = services.add_karyogram(
            figure.case, SimpleUploadedFile("p1.png", f.read()), figure.uploaded_by, split_from=figure
        )
    client.login(username="tech-for-study", password=PASSWORD)
    page = _move(client, panel, "LAB-2026-002", reason=" ").content.decode()
    assert "p1.png was not moved: This field is required." in page.split('class="messages"')[1]


def test_a_figure_moves_with_its_panels_and_a_panel_alone_is_refused(client, misfiled):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from webapp.cases import services

    figure, right = misfiled
    with figure.original.open("rb") as f:
        panel = services.add_karyogram(
            figure.case,
            SimpleUploadedFile("figure-panel1.png", f.read()),
            figure.uploaded_by,
            split_from=figure,
        )
    client.login(username="tech-for-study", password=PASSWORD)
    page = _move(client, panel, "LAB-2026-002").content.decode()
    assert "It was cut from patient-0-original.png: move that figure, and its panels go with it." in page
    assert f'data-move="{panel.pk}"' not in page  # the case page offers no move for a panel
    _move(client, figure, "LAB-2026-002")
    assert set(right.karyograms.values_list("pk", flat=True)) == {figure.pk, panel.pk}
    event = AuditEvent.objects.get(action="karyogram-moved")
    assert event.target["panels"] == [panel.pk] and event.target["to_case"] == right.pk


@pytest.mark.parametrize("role", ["rater", "curator"])
def test_other_roles_cannot_move_a_karyogram(client, make_user, misfiled, role):
    karyogram, _ = misfiled
    make_user(role, "someone")
    client.login(username="someone", password=PASSWORD)
    assert _move(client, karyogram, "LAB-2026-002").status_code == 403
    assert Karyogram.objects.get(pk=karyogram.pk).case == karyogram.case


def test_the_api_moves_a_karyogram_and_refuses_as_the_page_does(api_as, misfiled):
    karyogram, right = misfiled
    api = api_as("technologist", "tess")
    refused = api.post(f"/api/karyograms/{karyogram.pk}/move/", {"accession": "LAB-9999", "reason": "wrong"})
    assert refused.status_code == 400 and "No case has accession LAB-9999" in refused.json()["accession"][0]
    assert api.post(f"/api/karyograms/{karyogram.pk}/move/", {"accession": "LAB-2026-002"}).status_code == 400
    moved = api.post(
        f"/api/karyograms/{karyogram.pk}/move/", {"accession": "LAB-2026-002", "reason": "wrong patient"}
    )
    assert moved.status_code == 200 and moved.json()["case"] == right.pk
    assert api.get(f"/api/karyograms/{karyogram.pk}/").json()["case"] == right.pk
    assert AuditEvent.objects.filter(action="api-karyogram-detail").exists()  # a read of patient data
    assert AuditEvent.objects.get(action="karyogram-moved").target["reason"] == "wrong patient"
    assert api_as("rater", "rae").post(f"/api/karyograms/{karyogram.pk}/move/", {}).status_code == 403


def test_a_move_into_a_case_holding_the_same_file_says_so(client, misfiled):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from webapp.cases import services

    karyogram, right = misfiled
    with karyogram.original.open("rb") as f:
        services.add_karyogram(right, SimpleUploadedFile("there.png", f.read()), karyogram.uploaded_by)
    client.login(username="tech-for-study", password=PASSWORD)
    page = _move(client, karyogram, "LAB-2026-002").content.decode()
    assert "This case holds the same file already (there.png); both are kept." in page


def test_the_api_files_a_panel_refusal_under_the_karyogram(api_as, misfiled):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from webapp.cases import services

    figure, _ = misfiled
    with figure.original.open("rb") as f:
        panel = services.add_karyogram(
            figure.case, SimpleUploadedFile("p1.png", f.read()), figure.uploaded_by, split_from=figure
        )
    response = api_as("technologist", "tess").post(
        f"/api/karyograms/{panel.pk}/move/", {"accession": "LAB-2026-002", "reason": "wrong"}
    )
    assert response.status_code == 400 and "It was cut from" in response.json()["karyogram"][0]


def test_the_api_lists_a_cases_karyograms_so_a_script_can_move_one(api_as, misfiled):
    karyogram, right = misfiled
    api = api_as("technologist", "tess")
    listed = api.get(f"/api/karyograms/?case={karyogram.case_id}").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert [row["id"] for row in rows] == [karyogram.pk]
    empty = api.get(f"/api/karyograms/?case={right.pk}").json()
    assert (empty["results"] if isinstance(empty, dict) else empty) == []
    for bad in ("x", "99999999999999999999", "²", "-1"):  # the long one overflowed SQLite: a 500
        assert api.get("/api/karyograms/", {"case": bad}).status_code == 400, bad
    assert AuditEvent.objects.filter(action="api-karyogram-list").exists()
