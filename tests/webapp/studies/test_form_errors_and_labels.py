"""Review walk-through: a refused rating is summed up at the top of the form, and the study form's groups of
boxes are named (their labels had an empty for="")."""

import re

import pytest

from webapp.studies.models import Rating

pytestmark = pytest.mark.django_db


def _summary(html: str) -> str:
    """The error summary's markup (the first <div> with its id), failing when there is none."""
    found = re.search(r'<div class="error-summary" id="error-summary"[^>]*>.*?</div>', html, re.S)
    assert found, "no error summary"
    return found.group(0)


def _links(summary: str) -> list[tuple[str, str]]:
    return re.findall(r'<li><a href="#([^"]+)">([^<]+)</a></li>', summary)


def test_an_empty_answer_is_summed_up_at_the_top_of_the_form_with_links_to_its_fields(rhea_rating):
    """Before, "Submit and next" with nothing filled came back (400) scrolled to the top, the image filling a
    phone's screen and each "This field is required." below it: it looked as if nothing had happened."""
    study, client = rhea_rating()
    shown = client.get(f"/rate/{study.pk}/")
    assert 'id="error-summary"' not in shown.content.decode()
    assert (
        'name="abnormality" autofocus' in shown.content.decode()
    )  # no problem: the first field has the focus
    token = shown.context["assignment"].token

    response = client.post(f"/rate/{study.pk}/", {"item": token})
    html = response.content.decode()
    assert response.status_code == 400 and Rating.objects.count() == 0
    summary = _summary(html)
    opening = summary.split(">", 1)[0]
    assert 'role="alert"' in opening and 'tabindex="-1"' in opening and "autofocus" in opening
    assert 'aria-labelledby="error-summary-title"' in opening and 'id="error-summary-title"' in summary
    assert "Not saved: 3 problems" in summary
    assert _links(summary) == [
        ("id_abnormality", "Suspected abnormality: Write the abnormality you suspect, or &quot;none&quot;."),
        ("id_quality_0", "Overall quality (1 poor … 5 excellent): Choose a score from 1 to 5."),
        ("id_sharpness_0", "Band sharpness (1 sharp … 5 fuzzy: here 1 is best): Choose a score from 1 to 5."),
    ]
    form = html.split('<form method="post" action="/rate/', 1)[1]
    assert form.index('id="error-summary"') < form.index('name="abnormality"')  # the top of the form
    ids = set(re.findall(r' id="([^"]+)"', html))
    assert {anchor for anchor, _ in _links(summary)} <= ids  # each link goes to its field
    assert html.count("autofocus") == 1  # the summary's: the text box no longer takes the focus from it
    assert "This field is required." not in html


def test_a_refusal_of_the_whole_answer_and_a_correction_without_reason_are_in_the_summary(rhea_rating):
    study, client = rhea_rating()
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    answer = {"item": token, "abnormality": "+8", "quality": 2, "sharpness": 4}
    assert client.post(f"/rate/{study.pk}/", answer).status_code == 302

    changed = client.post(f"/rate/{study.pk}/", {**answer, "quality": 3})  # no reason, not as a correction
    summary = _summary(changed.content.decode())
    assert changed.status_code == 400 and "give a reason" in summary and "Not saved: 1 problem<" in summary
    assert _links(summary) == []  # the whole answer: nothing to link to

    correcting = client.post(f"/rate/{study.pk}/", {**answer, "quality": 3, "correction": "True"})
    html = correcting.content.decode()
    assert correcting.status_code == 400 and correcting.context["correcting"].token == token
    assert _links(_summary(html)) == [
        ("id_reason", "Reason for the correction: Give the reason for the correction; nothing was saved.")
    ]
    assert html.count("autofocus") == 1  # the summary's, not the reason's


def test_a_bad_time_correction_opens_its_fold_and_is_linked(rhea_rating):
    study, client = rhea_rating()
    token = client.get(f"/rate/{study.pk}/").context["assignment"].token
    response = client.post(
        f"/rate/{study.pk}/",
        {"item": token, "abnormality": "none", "quality": 3, "sharpness": 3, "duration_seconds": -4},
    )
    html = response.content.decode()
    links = _links(_summary(html))
    assert [anchor for anchor, _ in links] == ["id_duration_seconds"]
    assert (
        "Correct the analysis time (seconds): Ensure this value is greater than or equal to 0." in links[0][1]
    )
    assert "<details open><summary>Correct the measured time</summary>" in html  # the field is in view


def test_every_label_of_the_study_form_names_a_field_and_each_list_of_boxes_is_a_named_group(
    make_user, finished_karyograms, signed_in
):
    """Before, the "Karyograms" and "Raters" labels had for="": a screen reader read the boxes unnamed."""
    make_user("curator", "cura")
    make_user("rater", "rhea")
    finished_karyograms(2)
    client = signed_in("cura")
    for response in (
        client.get("/studies/new/"),
        client.post("/studies/new/", {"name": "", "instructions": "", "repeats": 0}),  # with its errors
    ):
        html = response.content.decode()
        form = html.split('<form method="post" class="card">', 1)[1].split("</form>", 1)[0]
        assert 'for=""' not in form
        ids = set(re.findall(r' id="([^"]+)"', html))
        labelled = set(re.findall(r'<label for="([^"]+)"', form))
        assert labelled <= ids, labelled - ids
        described = {i for group in re.findall(r'aria-describedby="([^"]+)"', form) for i in group.split()}
        assert described <= ids, described - ids  # every help text and error pointed to is there
        for name, label in (("karyograms", "Karyograms"), ("raters", "Raters")):
            group = re.search(
                rf'<fieldset class="field"[^>]*><legend>{label}</legend>(.*?)</fieldset>', form, re.S
            )
            assert group, name
            assert f'name="{name}"' in group.group(1)  # the boxes are inside the group the legend names
    errors = html.split("<legend>Raters</legend>", 1)[0].rsplit("<fieldset", 1)[1]
    assert 'aria-describedby="id_raters_error"' in errors  # the group's error is tied to it
