import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import PASSWORD
from tests.factories import CaseFactory, EnhancementJobFactory
from webapp.cases.models import Case, EnhancementJob, JobState

PAGES = ["case-list", "case-create"]


@pytest.mark.django_db
@pytest.mark.parametrize("name", PAGES)
def test_anonymous_users_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["rater", "curator"])
@pytest.mark.parametrize("name", PAGES)
def test_other_roles_get_403(client, make_user, role, name):
    make_user(role, "someone")
    client.login(username="someone", password=PASSWORD)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.django_db
def test_case_list_searches_and_filters(client, make_user):
    tech = make_user("technologist", "tech")
    CaseFactory(accession="BM-100", known_karyotype="47,XY,+8", created_by=tech)
    CaseFactory(accession="PB-200", sample_type="peripheral_blood", created_by=tech)
    client.login(username="tech", password=PASSWORD)
    assert b"BM-100" in client.get(reverse("case-list"), {"q": "+8"}).content
    assert b"PB-200" not in client.get(reverse("case-list"), {"q": "+8"}).content
    filtered = client.get(reverse("case-list"), {"sample_type": "peripheral_blood"}).content
    assert b"PB-200" in filtered and b"BM-100" not in filtered


@pytest.mark.django_db
def test_create_and_edit_a_case(client, make_user):
    make_user("technologist", "tech")
    client.login(username="tech", password=PASSWORD)
    response = client.post(
        reverse("case-create"),
        {
            "accession": "BM-300",
            "sample_type": "bone_marrow",
            "referral_reason": "AML",
            "known_karyotype": "",
            "notes": "",
        },
    )
    case = Case.objects.get(accession="BM-300")
    assert response.status_code == 302 and response["Location"] == case.get_absolute_url()
    client.post(
        reverse("case-edit", args=[case.pk]),
        {
            "accession": "BM-300",
            "sample_type": "other",
            "referral_reason": "AML",
            "known_karyotype": "46,XX",
            "notes": "edited",
        },
    )
    case.refresh_from_db()
    assert case.sample_type == "other" and case.notes == "edited"


@pytest.mark.django_db
def test_upload_page_reports_each_rejected_file(client, make_user, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    tech = make_user("technologist", "tech")
    case = CaseFactory(created_by=tech)
    client.login(username="tech", password=PASSWORD)
    response = client.post(
        reverse("case-upload", args=[case.pk]),
        {
            "images": [SimpleUploadedFile("a.png", b"not an image"), SimpleUploadedFile("b.svg", b"<svg/>")],
        },
        follow=True,
    )
    text = response.content.decode()
    assert "a.png: The file is not an image" in text and "b.svg: The file is not an image" in text
    assert not case.karyograms.exists()


@pytest.mark.django_db
def test_result_downloads_offer_png_only_when_the_original_is_not_png(client, finished_karyograms):
    from tests.conftest import PASSWORD
    from webapp.cases.models import Karyogram

    karyogram = finished_karyograms(1)[0]
    job = karyogram.jobs.get()
    client.login(username="tech-for-study", password=PASSWORD)
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Download (PNG)" in page and "Download PNG" not in page
    Karyogram.objects.filter(pk=karyogram.pk).update(format="TIFF")
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "Download (TIFF)" in page and "Download PNG" in page


@pytest.mark.django_db
def test_the_job_page_reads_its_cells_once(client, finished_karyograms):
    """The gallery, the layout warnings and the editor's start each read the cells (three queries)."""
    job = finished_karyograms(1)[0].jobs.get()
    client.login(username="tech-for-study", password=PASSWORD)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(job.get_absolute_url()).status_code == 200
    assert sum('"cases_jobcell"' in q["sql"] for q in queries.captured_queries) == 1


@pytest.mark.django_db
def test_the_retry_button_refuses_a_job_still_running_as_the_api_does(client, make_user):
    tech = make_user("technologist", "tech")
    job = EnhancementJobFactory(state=JobState.ENHANCING, karyogram__case__created_by=tech)
    client.login(username="tech", password=PASSWORD)
    response = client.post(reverse("job-retry", args=[job.pk]), follow=True)
    assert "The job is still enhancing; wait for it to finish, or cancel it." in response.content.decode()
    assert EnhancementJob.objects.count() == 1


@pytest.mark.django_db
def test_each_cell_of_the_gallery_says_which_image_is_the_original(client, finished_karyograms):
    """Walk-through: a cell showed two unlabelled images side by side; which one was enhanced was a guess."""
    from webapp.cases.models import JobCell

    job = finished_karyograms(1)[0].jobs.get()
    JobCell.objects.create(job=job, label="1", index=0, box=[0, 0, 40, 40], object_count=2)
    client.login(username="tech-for-study", password=PASSWORD)
    page = client.get(job.get_absolute_url()).content.decode()
    cell = page.split('data-cell="1"')[1]
    labels = cell.index("<small>original</small><small>enhanced</small>")
    assert labels < cell.index('alt="cell 1 original"') < cell.index('alt="cell 1 enhanced"')


def _cells(job, caps: list[float | None]):
    """One enhanced cell per cap (None: passed by the guard), as the pipeline stores them."""
    from webapp.cases.models import JobCell

    for i, cap in enumerate(caps):
        guard = {} if cap is None else {"strength_cap": cap, "reason": f"held back {cap}", "measures": {}}
        JobCell.objects.create(
            job=job, label=str(i + 1), index=i, box=[0, 0, 40, 40], object_count=2, guard=guard
        )


@pytest.mark.django_db
def test_a_result_the_guard_kept_entirely_original_says_so_at_the_top_and_on_the_case(
    client, finished_karyograms
):
    """Walk-through: every cell said "left as original" in the gallery, while the job read a plain "Done"."""
    job = finished_karyograms(1)[0].jobs.get()
    _cells(job, [0.0, 0.0, 0.0])
    client.login(username="tech-for-study", password=PASSWORD)
    page = client.get(job.get_absolute_url()).content.decode()
    summary = page.split('id="guard-summary"')[1].split("</div>")[0]
    assert "No cell was enhanced:" in summary and "left all 3 cells as the original" in summary
    case = client.get(job.karyogram.case.get_absolute_url()).content.decode()
    assert f'data-job-guard="{job.pk}">no cell enhanced: the guard kept the original<' in case


@pytest.mark.django_db
def test_cells_the_guard_held_back_in_part_are_counted_and_a_clean_result_says_nothing(
    client, finished_karyograms
):
    held, clean = (k.jobs.get() for k in finished_karyograms(2))
    _cells(held, [0.0, 0.5, None, None])
    _cells(clean, [None, None])
    client.login(username="tech-for-study", password=PASSWORD)
    page = client.get(held.get_absolute_url()).content.decode()
    assert "left 1 of 4 cells as the original and enhanced 1 only in part (at a lower strength)." in page
    assert (
        f'data-job-guard="{held.pk}">the guard held back 2 of 4 cells<'
        in client.get(held.karyogram.case.get_absolute_url()).content.decode()
    )
    assert 'id="guard-summary"' not in client.get(clean.get_absolute_url()).content.decode()
    assert "data-job-guard" not in client.get(clean.karyogram.case.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_the_all_cells_slider_shows_the_strength_every_cell_shares(client, finished_karyograms):
    """Walk-through: after "Apply to all" at 0.5 and a reload, every cell read 0.50 and "All cells" 1.00."""
    job = finished_karyograms(1)[0].jobs.get()
    _cells(job, [None, None])
    client.login(username="tech-for-study", password=PASSWORD)
    job.cell_rows.update(strength=0.5)
    assert 'value="0.50" data-strength-all' in client.get(job.get_absolute_url()).content.decode()
    job.cell_rows.filter(label="1").update(strength=0.2)  # no strength shared: the job's own
    assert 'value="1.00" data-strength-all' in client.get(job.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_an_unknown_image_kind_is_not_found(client, finished_karyograms):
    job = finished_karyograms(1)[0].jobs.get()
    client.login(username="tech-for-study", password=PASSWORD)
    assert client.get(f"/jobs/{job.pk}/image/original.png").status_code == 200
    assert client.get(f"/jobs/{job.pk}/image/bogus.png").status_code == 404


@pytest.mark.django_db
def test_the_case_table_marks_a_file_uploaded_twice(client, finished_karyograms):
    from webapp.cases import services as case_services

    karyogram = finished_karyograms(1)[0]
    with karyogram.original.open("rb") as f:
        data = f.read()
    from django.core.files.uploadedfile import SimpleUploadedFile

    copy = case_services.add_karyogram(
        karyogram.case, SimpleUploadedFile("again.png", data), karyogram.uploaded_by
    )
    client.login(username="tech-for-study", password=PASSWORD)
    page = client.get(karyogram.case.get_absolute_url()).content.decode()
    assert f'data-same-file="{copy.pk}">the same file as patient-0-original.png above<' in page
    assert f'data-same-file="{karyogram.pk}"' not in page


@pytest.mark.django_db
def test_the_guard_summary_names_only_what_the_guard_did(client, finished_karyograms):
    lowered, left = (k.jobs.get() for k in finished_karyograms(2))
    _cells(lowered, [0.5, None])
    _cells(left, [0.0, None])
    client.login(username="tech-for-study", password=PASSWORD)
    page = client.get(lowered.get_absolute_url()).content.decode()
    assert "The fidelity guard enhanced 1 of 2 cells only in part (at a lower strength)." in page
    assert "left 0" not in page
    page = client.get(left.get_absolute_url()).content.decode()
    assert "The fidelity guard left 1 of 2 cells as the original." in page and "enhanced 0" not in page


@pytest.mark.django_db
def test_a_cell_the_guard_left_as_original_has_its_slider_disabled_at_zero(client, finished_karyograms):
    """Walk-through: a cell capped at 0 showed a slider that moved and changed nothing."""
    job = finished_karyograms(1)[0].jobs.get()
    _cells(job, [0.0, 0.5, None])
    job.cell_rows.update(strength=0.4)
    client.login(username="tech-for-study", password=PASSWORD)
    page = client.get(job.get_absolute_url()).content.decode()
    sliders = {label: page.split(f'data-strength="{label}"')[1].split(">")[0] for label in ("1", "2", "3")}
    assert "disabled" in sliders["1"] and 'aria-describedby="guard-1"' in sliders["1"]
    assert 'id="guard-1" data-guard="1">held back 0.0<' in page
    assert "disabled" not in sliders["2"] + sliders["3"]
    assert 'data-cap="0.5"' in page and 'data-cap="0.0"' not in page
    assert 'value="0.00" data-strength="1"' in page and 'value="0.40" data-strength="2"' in page
    assert 'value="0.40" data-strength-all' in page  # shared by the sliders that move
