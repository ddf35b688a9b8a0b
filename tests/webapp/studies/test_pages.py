"""Curator pages (create, open/close, statistics, CSV) and the rater's form."""

import pytest

from webapp.studies.models import Assignment, Rating, Study

pytestmark = pytest.mark.django_db


def test_curator_creates_a_study_and_reads_its_statistics(make_user, finished_karyograms, signed_in):
    make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    karyograms = finished_karyograms(3)
    curator = signed_in("cura")
    form = curator.get("/studies/new/")
    assert "ACC-SECRET-000" in form.content.decode() and "rhea" in form.content.decode()
    assert "not readable as ISCN" not in form.content.decode()
    case = karyograms[1].case
    case.known_karyotype = "46,XY,t(9;22"  # a bracket left open: the statistics cannot read it
    case.save()
    offered = curator.get("/studies/new/").content.decode()
    assert (
        "ACC-SECRET-001 · patient-1-original.png (karyotype not readable as ISCN: left out of the detection "
        "analysis)" in offered
    )
    response = curator.post(
        "/studies/new/",
        {
            "name": "Form study",
            "instructions": "Look closely",
            "repeats": 0,
            "karyograms": [k.pk for k in karyograms],
            "raters": [rater.pk],
        },
    )
    study = Study.objects.get(name="Form study")
    assert response.status_code == 302 and response["Location"] == f"/studies/{study.pk}/"
    detail = curator.get(f"/studies/{study.pk}/").content.decode()
    assert "0 of 6" in detail and "ACC-SECRET-002" in detail
    for what in ("ratings", "results", "agreement"):  # the statistics page's CSV links, here too
        assert f'href="/studies/{study.pk}/{what}.csv"' in detail

    rater_client = signed_in("rhea")
    for _ in range(6):
        page = rater_client.get(f"/rate/{study.pk}/")
        token = page.context["assignment"].token
        arm = page.context["assignment"].image.arm
        rater_client.post(
            f"/rate/{study.pk}/",
            {
                "item": token,
                "abnormality": "+8" if arm == "enhanced" else "none",
                "quality": 4 if arm == "enhanced" else 2,
                "sharpness": 2,
            },
        )
    assert "All 6 items are rated" in rater_client.get(f"/rate/{study.pk}/").content.decode()

    stats = curator.get(f"/studies/{study.pk}/statistics/")
    html = stats.content.decode()
    assert stats.status_code == 200 and 'id="table1"' in html and "<svg" in html
    assert stats.context["stats"]["raters"]["rhea"]["H1"]["mean_diff"] == 2.0
    csv_text = curator.get(f"/studies/{study.pk}/ratings.csv").content.decode("utf-8-sig")
    assert (
        csv_text.splitlines()[0].startswith("rater,study_case,karyogram,case_accession,arm,quality")
        and len(csv_text.splitlines()) == 7
    )
    assert curator.get(f"/studies/{study.pk}/results.csv").status_code == 200
    assert curator.get(f"/studies/{study.pk}/agreement.csv").status_code == 200

    curator.post(f"/studies/{study.pk}/state/", {"state": "closed"})
    assert Study.objects.get(pk=study.pk).state == "closed"
    assert "closed" in rater_client.get(f"/rate/{study.pk}/").content.decode()


def test_rater_form_errors_keep_the_item_and_record_nothing(rhea_rating):
    study, client = rhea_rating()
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    response = client.post(
        f"/rate/{study.pk}/", {"item": token, "abnormality": "none", "quality": 9, "sharpness": 2}
    )
    assert response.status_code == 400 and response.context["assignment"].token == token
    assert "Select a valid choice" in response.content.decode()
    response = client.post(
        f"/rate/{study.pk}/",
        {"item": token, "abnormality": "none", "quality": 3, "sharpness": 2, "duration_seconds": 10},
    )
    assert response.status_code == 400 and "reason" in response.content.decode()
    assert Rating.objects.count() == 0
    client.post(
        f"/rate/{study.pk}/",
        {
            "item": token,
            "abnormality": "none",
            "quality": 3,
            "sharpness": 2,
            "duration_seconds": 10,
            "reason": "was interrupted",
        },
    )
    rating = Rating.objects.get()
    assert (
        rating.duration_seconds == 10 and rating.measured_seconds >= 0 and rating.reason == "was interrupted"
    )
    with pytest.raises(ValueError, match="append-only"):
        rating.save()


def test_rater_goes_back_to_the_previous_item_and_corrects_it(make_user, rhea_rating, signed_in):
    from webapp.studies import services

    make_user("rater", "other")
    study, client = rhea_rating()
    rater = study.raters.get()
    first = client.get(f"/rate/{study.pk}/")
    assert first["Cache-Control"] == "private, no-store" and "Previous item" not in first.content.decode()
    assert "autofocus" in first.content.decode()  # the first field has the focus
    token1 = first.context["assignment"].token
    posted = client.post(
        f"/rate/{study.pk}/", {"item": token1, "abnormality": "+8", "quality": 2, "sharpness": 4}
    )
    token2 = services.upcoming(study, rater).token
    assert posted.status_code == 302 and posted["Location"] == f"/rate/{study.pk}/?item={token2}"
    second = client.get(posted["Location"])
    assert second.context["assignment"].token == token2 and second.context["previous"].token == token1
    rated_first = Rating.objects.get(assignment__token=token1)

    back = client.get(f"/rate/{study.pk}/?item={token1}")
    html = back.content.decode()
    assert back.status_code == 200 and back.context["correcting"].token == token1
    assert back.context["form"].initial == {"item": token1, "abnormality": "+8", "quality": 2, "sharpness": 4}
    assert "Correcting item 1" in html and 'name="reason"' in html and "data-timer" not in html
    assert 'name="correction" value="True"' in html
    no_reason = client.post(
        f"/rate/{study.pk}/", {"item": token1, "abnormality": "+8", "quality": 3, "sharpness": 4}
    )
    assert no_reason.status_code == 400 and no_reason.context["correcting"].token == token1
    # "Save the correction" with the answers unchanged and no reason jumped silently to the current item
    unchanged = client.post(
        f"/rate/{study.pk}/",
        {"item": token1, "abnormality": "+8", "quality": 2, "sharpness": 4, "correction": "True"},
    )
    assert unchanged.status_code == 400 and unchanged.context["correcting"].token == token1
    assert "Give the reason for the correction; nothing was saved." in unchanged.content.decode()
    reason = unchanged.content.decode().split('name="reason"')[1].split(">")[0]
    assert 'aria-invalid="true" aria-describedby="id_reason_error"' in reason
    assert 'id="id_reason_error"' in unchanged.content.decode()  # the message it points to
    assert Rating.objects.filter(assignment__token=token1).count() == 1
    corrected = client.post(
        f"/rate/{study.pk}/",
        {"item": token1, "abnormality": "+8", "quality": 3, "sharpness": 4, "reason": "clicked 2, meant 3"},
    )
    assert corrected.status_code == 302 and corrected["Location"] == f"/rate/{study.pk}/?item={token2}"
    versions = list(Rating.objects.filter(assignment__token=token1).order_by("version"))
    assert [(r.version, r.quality, r.reason) for r in versions] == [(1, 2, ""), (2, 3, "clicked 2, meant 3")]
    # the correction keeps the analysis time of the first answer (not the time since the item was first shown)
    assert versions[1].duration_seconds == rated_first.duration_seconds
    assert versions[1].measured_seconds == rated_first.measured_seconds

    later = Assignment.objects.filter(study=study, rater=rater).order_by("-position").first()
    assert (
        client.get(f"/rate/{study.pk}/?item={later.token}")["Location"] == f"/rate/{study.pk}/"
    )  # no skipping
    assert client.get(f"/rate/{study.pk}/?item=not-a-token").status_code == 404
    assert signed_in("other").get(f"/rate/{study.pk}/?item={token1}").status_code == 404
    study.state = "closed"
    study.save()
    assert "closed" in client.get(f"/rate/{study.pk}/?item={token1}").content.decode()


def test_the_same_answer_sent_twice_is_recorded_once(rhea_rating):
    """A double tap on "Submit and next" (or a retried request) goes on to the next item, not to a
    correction form asking for a reason; a different answer without a reason is still refused."""
    study, client = rhea_rating()
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    answer = {"item": token, "abnormality": "+8", "quality": 2, "sharpness": 4}
    first = client.post(f"/rate/{study.pk}/", answer)
    again = client.post(f"/rate/{study.pk}/", answer)
    assert first.status_code == again.status_code == 302 and again["Location"] == first["Location"]
    assert list(Rating.objects.values_list("version", "quality")) == [(1, 2)]
    changed = client.post(f"/rate/{study.pk}/", {**answer, "quality": 3})
    assert changed.status_code == 400 and "give a reason" in changed.content.decode()
    timed = client.post(f"/rate/{study.pk}/", {**answer, "duration_seconds": 5})
    assert timed.status_code == 400 and Rating.objects.count() == 1


def test_an_answer_sent_after_the_study_closed_says_it_was_not_saved(rhea_rating):
    study, client = rhea_rating()
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    study.state = Study.State.CLOSED
    study.save()
    response = client.post(
        f"/rate/{study.pk}/", {"item": token, "abnormality": "del(5q)", "quality": 2, "sharpness": 4}
    )
    html = response.content.decode()
    assert response.status_code == 400 and Rating.objects.count() == 0
    assert "Your last answer was not saved" in html and "del(5q)" in html and "overall quality 2" in html
    assert "Your last answer" not in client.get(f"/rate/{study.pk}/").content.decode()


def test_statistics_read_before_every_rater_finished_say_they_are_interim(
    make_user, finished_karyograms, signed_in
):
    """Before, p-values of a half-rated study looked final: only the number of ratings hinted otherwise."""
    from webapp.studies import services

    curator = make_user("curator", "cura")
    rater, other = make_user("rater", "rhea"), make_user("rater", "otto")
    study = services.create_study(
        name="S",
        instructions="",
        karyograms=finished_karyograms(2),
        raters=[rater, other],
        created_by=curator,
    )
    for _ in range(4):
        item = services.next_assignment(study, rater)
        services.submit_rating(study, rater, item.token, abnormality="none", quality=3, sharpness=3)
    client = signed_in("cura")
    html = client.get(f"/studies/{study.pk}/statistics/").content.decode()
    assert (
        'id="interim"' in html and "otto 0 of 4" in html and "rhea" not in html.split('id="interim"')[1][:300]
    )
    for _ in range(4):
        item = services.next_assignment(study, other)
        services.submit_rating(study, other, item.token, abnormality="none", quality=3, sharpness=3)
    assert 'id="interim"' not in client.get(f"/studies/{study.pk}/statistics/").content.decode()


def test_a_study_without_raters_or_karyograms_says_what_to_choose(make_user, finished_karyograms, signed_in):
    """Before, both lists answered Django's bare "This field is required."."""
    make_user("curator", "cura")
    make_user("rater", "rhea")
    finished_karyograms(2)
    response = signed_in("cura").post("/studies/new/", {"name": "Empty", "instructions": "", "repeats": 0})
    html = response.content.decode()
    assert response.status_code == 200 and not Study.objects.exists()
    assert "Choose at least one karyogram." in html and "Choose at least one rater;" in html
    assert "This field is required." not in html


def test_the_instructions_are_open_on_the_first_item_and_folded_after(rhea_rating):
    """Before, they were folded from the start: a rater could begin without ever seeing them."""
    study, client = rhea_rating("Score the bands only.")
    first = client.get(f"/rate/{study.pk}/")
    assert '<details class="card" id="instructions" open>' in first.content.decode()
    token = first.context["assignment"].token
    client.post(f"/rate/{study.pk}/", {"item": token, "abnormality": "none", "quality": 3, "sharpness": 3})
    later = client.get(f"/rate/{study.pk}/").content.decode()
    assert '<details class="card" id="instructions">' in later and "Score the bands only." in later


def test_the_progress_the_study_page_polls_is_curators_only_and_stays_out_of_the_audit_trail(
    rhea_rating, signed_in
):
    """The study page fetches its raters' progress every 10 s; fetching the whole audited page wrote an audit
    event per poll (360 an hour for each open tab), each re-reading the study's accessions."""
    from webapp.audit.models import AuditEvent

    study, rhea = rhea_rating()
    curator = signed_in("cura")
    before = AuditEvent.objects.count()
    page = curator.get(f"/studies/{study.pk}/progress/").content.decode()
    assert "rhea" in page and "0 of 4" in page and "ACC-SECRET" not in page
    assert f'data-refresh-url="/studies/{study.pk}/progress/"' in page
    assert AuditEvent.objects.count() == before
    assert rhea.get(f"/studies/{study.pk}/progress/").status_code == 403
    study.state = Study.State.CLOSED
    study.save()
    assert (
        "data-refresh-url" not in curator.get(f"/studies/{study.pk}/progress/").content.decode()
    )  # polling stops


def test_a_refused_answer_is_tied_to_its_field_for_screen_readers(rhea_rating):
    """Walk-through: a screen reader announced "Select a valid choice" with no question it belonged to."""
    import re

    study, client = rhea_rating()
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    page = client.post(
        f"/rate/{study.pk}/", {"item": token, "abnormality": "", "quality": 9, "sharpness": 2}
    ).content.decode()
    ids = set(re.findall(r' id="([^"]+)"', page))
    described = {i for group in re.findall(r'aria-describedby="([^"]+)"', page) for i in group.split()}
    assert described and described <= ids, described - ids  # every description it points to is there
    assert '<fieldset data-score="quality" aria-describedby="id_quality_error">' in page
    assert '<fieldset data-score="sharpness">' in page  # answered: nothing to point to
    assert "id_abnormality_error" in described
