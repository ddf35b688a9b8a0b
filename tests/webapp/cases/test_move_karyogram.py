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


def _panels(figure, count: int = 2) -> list[Karyogram]:
    """`count` panels cut from `figure`, in its case, each with a job, as a split adds them."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from webapp.cases import services

    with figure.original.open("rb") as f:
        data = f.read()
    figure.included = False
    figure.save(update_fields=["included"])
    panels = []
    for n in range(1, count + 1):
        name = f"figure-panel{n}.png"
        panel = services.add_karyogram(
            figure.case, SimpleUploadedFile(name, data), figure.uploaded_by, split_from=figure
        )
        services.start_job(panel, figure.uploaded_by, enqueue=False)
        panels.append(panel)
    return panels


def test_a_refused_move_of_a_panel_opens_its_own_rows_form(client, misfiled):
    figure, _ = misfiled
    panel = _panels(figure, 1)[0]
    client.login(username="tech-for-study", password=PASSWORD)
    page = _move(client, panel, "LAB-2026-002", reason=" ").content.decode()
    row = page.split(f'data-move="{panel.pk}" open>')[1].split("</details>")[0]
    assert (
        f'<ul class="errorlist" id="move-{panel.pk}-reason_error"><li>This field is required.</li></ul>'
        in row
    )
    assert "was not moved:" not in page  # nothing in the banner: the row says it
    assert Karyogram.objects.get(pk=panel.pk).case == figure.case


def test_a_panel_moves_alone_and_the_figure_takes_only_the_panels_still_in_its_case(client, misfiled):
    """Walk-through: a journal figure "(a) 45,X (b) 47,XXX" uploaded to a 45,X case and split in two; the 47,XXX
    panel had no move and its move was refused ("move that figure, and its panels go with it"), so it stayed
    under the 45,X case and a blinded study scored it against the wrong karyotype."""
    figure, right = misfiled
    wrong = figure.case
    first, second = _panels(figure)
    client.login(username="tech-for-study", password=PASSWORD)
    page = client.get(wrong.get_absolute_url()).content.decode()
    form = page.split(f'data-move="{second.pk}">')[1].split("</details>")[0]  # a panel's row offers a move
    assert f'action="/karyograms/{second.pk}/move/"' in form
    assert "Only this panel moves; patient-0-original.png and its other panels stay." in form
    assert (
        "Move with its panels</button>" in page.split(f'data-move="{figure.pk}">')[1].split("</details>")[0]
    )

    moved = _move(client, second, "LAB-2026-002", reason="panel (b) is the 47,XXX patient's")
    assert moved.redirect_chain[-1][0] == right.get_absolute_url()
    assert "figure-panel2.png was moved here from case ACC-SECRET-000." in moved.content.decode()
    assert "cut from patient-0-original.png of case" in moved.content.decode()  # it still names its figure
    second.refresh_from_db()
    assert second.case == right and second.split_from == figure and second.jobs.count() == 1
    assert set(wrong.karyograms.values_list("pk", flat=True)) == {figure.pk, first.pk}
    event = AuditEvent.objects.get(action="karyogram-moved")
    assert event.target["karyogram"] == second.pk and event.target["cut_from"] == figure.pk
    assert event.target["panels"] == [] and event.target["to_case"] == right.pk
    assert event.target["reason"] == "panel (b) is the 47,XXX patient's"
    left = client.get(wrong.get_absolute_url()).content.decode()
    assert "figure-panel2.png (case <a" in left  # the figure's row says where that panel went
    assert "Move with its panel</button>" in left.split(f'data-move="{figure.pk}">')[1]

    other = CaseFactory(accession="LAB-2026-003", created_by=figure.uploaded_by)
    after = _move(client, figure, "LAB-2026-003").content.decode()
    assert (
        "patient-0-original.png was moved here from case ACC-SECRET-000 with its panels figure-panel1.png."
        in after
    )
    assert set(other.karyograms.values_list("pk", flat=True)) == {figure.pk, first.pk}
    assert Karyogram.objects.get(pk=second.pk).case == right  # moved on its own before: it stays there
    events = list(AuditEvent.objects.filter(action="karyogram-moved").order_by("pk"))
    assert [e.target["karyogram"] for e in events] == [second.pk, figure.pk]
    assert events[0].target == event.target  # the earlier record is kept as it was
    assert events[1].target["panels"] == [first.pk] and events[1].target["cut_from"] is None
    assert not Karyogram.objects.get(pk=figure.pk).included  # the figure stays out of datasets


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


def test_the_api_moves_a_panel_alone(api_as, misfiled):
    figure, right = misfiled
    first, second = _panels(figure)
    response = api_as("technologist", "tess").post(
        f"/api/karyograms/{second.pk}/move/", {"accession": "LAB-2026-002", "reason": "the 47,XXX panel"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["case"] == right.pk and response.json()["split_from"] == figure.pk
    assert Karyogram.objects.get(pk=first.pk).case == figure.case == Karyogram.objects.get(pk=figure.pk).case


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
