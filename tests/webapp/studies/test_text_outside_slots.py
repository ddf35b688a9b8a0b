"""Text outside the slots (a diagnosis in a header) is found when a study is made, and blanked in both arms alike."""

import io
import re

import numpy as np
import pytest
from django.core.files.base import ContentFile
from PIL import Image

from enhancer.io import read_karyogram
from enhancer.segmentation import segment
from enhancer.slicing import slice_karyogram
from enhancer.synthetic.karyogram import synthesize_pair
from tests.enhancer.conftest import real_karyogram
from tests.factories import EnhancementJobFactory
from webapp.cases.models import JobCell, JobState
from webapp.studies.blinding import MARGIN, blank, check_text
from webapp.studies.models import Study

pytestmark = pytest.mark.django_db


def _png(grey: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, format="PNG")
    return buffer.getvalue()


def _finished(accession: str, karyotype: str, seed: int, header: bool, technologist):
    """A synthetic karyogram (poor) enhanced into its aligned excellent twin, with the slicer's slot boxes."""
    excellent, poor = synthesize_pair(karyotype, seed=seed, severity="mild", header=header)
    job = EnhancementJobFactory(
        karyogram__case__accession=accession,
        karyogram__case__known_karyotype=karyotype,
        karyogram__case__created_by=technologist,
        karyogram__name=f"{accession}.png",
        karyogram__png=_png(poor.image),
        state=JobState.DONE,
        progress=100,
        model_version="test",
    )
    karyogram = job.karyogram
    job.result.save("enhanced.png", ContentFile(_png(excellent.image)))
    layout = slice_karyogram(poor.image / 255.0)
    JobCell.objects.bulk_create(
        [
            JobCell(job=job, label=c.label, index=i, box=list(c.box), object_count=c.objects)
            for i, c in enumerate(layout.cells)
        ]
    )
    return karyogram, [tuple(c.box) for c in layout.cells]


def _grey(field) -> np.ndarray:
    with field.open("rb") as f:
        return np.asarray(Image.open(f))


@pytest.fixture
def karyograms(make_user):
    technologist = make_user("technologist", "tech")
    with_header, slots = _finished("HDR-1", "47,XXY", 5, True, technologist)
    plain, _ = _finished("PLN-2", "46,XY", 6, False, technologist)
    return with_header, plain, slots


def test_curator_is_warned_and_text_is_blanked_in_the_same_place_in_both_arms(
    make_user, karyograms, signed_in
):
    with_header, plain, slots = karyograms
    make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    client = signed_in("cura")
    form = {
        "name": "Blind",
        "instructions": "",
        "repeats": 0,
        "karyograms": [with_header.pk, plain.pk],
        "raters": [rater.pk],
    }

    warned = client.post("/studies/new/", form)
    html = warned.content.decode()
    assert warned.status_code == 200 and 'id="text-warning"' in html and not Study.objects.exists()
    warning = " ".join(re.search(r'id="text-warning".*?</div>', html, re.DOTALL).group(0).split())
    assert "HDR-1 · HDR-1.png: header" in warning and "PLN-2" not in warning
    assert "Blank it in both arms and create" in warning and "Create without blanking" in warning

    created = client.post("/studies/new/", {**form, "text_action": "blank"})
    study = Study.objects.get()
    assert created.status_code == 302 and study.blank_text
    case = study.study_cases.get(job__karyogram=with_header)
    assert case.text_checked and {t["where"] for t in case.text_outside} == {"header"}
    top = min(box[1] for box in slots)
    assert case.blanked and all(
        y1 < top for _, _, _, y1 in case.blanked
    )  # the header band, clear of every slot
    original, enhanced = (_grey(case.images.get(arm=arm).image) for arm in ("original", "enhanced"))
    x0, y0, x1, y1 = case.blanked[0]
    for arm in (original, enhanced):  # each arm's band is its own background, without a patch outline
        band, below = arm[y0:y1, x0:x1].astype(int), arm[y1 : y1 + 3, x0:x1].astype(int)
        assert np.ptp(band) <= 4 and abs(np.median(band[-1]) - np.median(below)) <= 1  # no letter left
    assert not any(
        f.where == "header" for f in check_text(original / 255.0, slots).found
    )  # nothing left to read
    with with_header.original.open("rb") as f:  # below the header, the original is untouched
        source = np.asarray(Image.open(f))
    lowest = max(y1 for _, _, _, y1 in case.blanked)
    assert np.array_equal(original[lowest:], source[lowest:])
    untouched = study.study_cases.get(job__karyogram=plain)
    assert untouched.text_checked and untouched.text_outside == [] and untouched.blanked == []
    detail = client.get(f"/studies/{study.pk}/").content.decode()
    assert "header" in detail and "blanked in both arms" in detail
    # The curator sees each arm as its raters do: blanked, the same bytes the rater portal serves.
    shown = client.get(f"/studies/{study.pk}/cases/{case.pk}/original.png")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(shown.content))), original)
    assert f'href="/studies/{study.pk}/cases/{case.pk}/enhanced.png"' in detail
    assert client.get(f"/studies/{study.pk}/cases/{case.pk}/bogus.png").status_code == 404
    assert client.get(f"/studies/{study.pk + 1}/cases/{case.pk}/original.png").status_code == 404
    assert shown["Cache-Control"] == "private, no-store"
    from webapp.accounts.roles import Role, assign_role

    curator = study.created_by
    assign_role(curator, Role.RATER)
    study.raters.add(curator)  # a curator who also rates the study: its arms stay blind to them
    assert client.get(f"/studies/{study.pk}/cases/{case.pk}/original.png").status_code == 404


def test_keeping_the_text_is_a_recorded_choice_and_the_api_reports_it(
    make_user, karyograms, api_as, signed_in
):
    with_header, plain, _ = karyograms
    make_user("curator", "cura")
    rater = make_user("rater", "rhea")
    client = signed_in("cura")
    client.post(
        "/studies/new/",
        {
            "name": "Kept",
            "instructions": "",
            "repeats": 0,
            "karyograms": [with_header.pk, plain.pk],
            "raters": [rater.pk],
            "text_action": "keep",
        },
    )
    kept = Study.objects.get(name="Kept")
    case = kept.study_cases.get(job__karyogram=with_header)
    assert case.text_outside and case.blanked == [] and not kept.blank_text
    assert "not blanked" in client.get(f"/studies/{kept.pk}/").content.decode()

    api = api_as("curator", "api-cura")
    response = api.post(
        "/api/studies/",
        {"name": "API", "karyograms": [with_header.pk, plain.pk], "raters": ["rhea"], "blank_text": True},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["blank_text"] is True
    assert [
        (t["karyogram"], t["blanked"], {m["where"] for m in t["text"]}) for t in body["text_outside_slots"]
    ] == [(with_header.pk, True, {"header"})]


def _blanks_every_mark_and_keeps_the_chromosomes(grey: np.ndarray, slots: list[tuple[int, int, int, int]]):
    check = check_text(grey, slots)
    out = blank(grey, list(check.regions), check.background, check.chromosomes)
    assert check_text(out, slots).found == ()  # nothing left to read
    chromosomes = segment(grey).labels > 0
    for x0, y0, x1, y1 in slots:
        inside = chromosomes[y0:y1, x0:x1]
        assert np.array_equal(out[y0:y1, x0:x1][inside], grey[y0:y1, x0:x1][inside])
    painted = np.zeros(grey.shape, bool)
    for x0, y0, x1, y1 in check.regions:
        painted[y0:y1, x0:x1] = True
    assert np.array_equal(out[~painted], grey[~painted])
    return check


def test_a_header_reaching_into_the_slot_boxes_is_found_and_blanked_without_touching_a_chromosome():
    """Some exports draw the top row's slot boxes up into the header (Wellcome's "(TURNER'S SYNDROME)")."""
    _, poor = synthesize_pair("47,XXY", seed=5, severity="mild", header=True)
    grey = poor.image / 255.0
    slots = [c.box for c in slice_karyogram(grey).cells]
    top = min(y0 for _, y0, _, _ in slots)
    reaching = [(x0, 0 if y0 == top else y0, x1, y1) for x0, y0, x1, y1 in slots]
    check = _blanks_every_mark_and_keeps_the_chromosomes(grey, reaching)
    assert "slot" in {f.where for f in check.found}


def test_the_wellcome_diagnosis_is_blanked_and_its_slot_numbers_are_kept():
    grey = read_karyogram(real_karyogram("wellcome_45X_turner_labeled.jpg")).grey
    slots = [c.box for c in slice_karyogram(grey).cells]
    check = _blanks_every_mark_and_keeps_the_chromosomes(grey, slots)
    assert {f.where for f in check.found} == {"header", "margin", "slot"}
    # all of it is the two header lines and the arrow at the missing X: the pair numbers inside the slot
    # boxes are the slots' own
    top = min(y0 for _, y0, _, _ in slots)
    assert [f.box for f in check.found if f.box[3] >= top + 50] == [(1024, 970, 1045, 1021)]


def test_thick_header_letters_that_pass_for_chromosomes_are_painted_over_with_the_band():
    """The header band is painted whole: bold letters the segmenter takes for chromosome objects go too."""
    _, poor = synthesize_pair("46,XY", seed=7, severity="mild", header=True)
    grey = poor.image / 255.0
    slots = [c.box for c in slice_karyogram(grey).cells]
    top = min(y0 for _, y0, _, _ in slots)
    for x in range(40, 400, 40):  # blocks as thick as a bold headline's strokes
        grey[max(0, top - 60) : top - 20, x : x + 14] = 0.2
    check = check_text(grey, slots)
    assert "header" in {f.where for f in check.found}
    out = blank(grey, list(check.regions), check.background, check.chromosomes)
    band = out[: top - MARGIN]
    assert band.min() == pytest.approx(check.background, abs=2 / 255) and np.ptp(band) < 2 / 255


def test_a_note_under_a_chromosome_inside_its_slot_is_not_taken_for_the_slots_number():
    """Only the foot of a slot's box holds its number; a mark just under the chromosomes is text to blank."""
    _, poor = synthesize_pair("46,XY", seed=5, severity="mild", header=False)
    grey = poor.image / 255.0
    slots = [c.box for c in slice_karyogram(grey).cells]
    x0, y0, x1, y1 = slots[0]
    assert min(b for _, b, _, _ in slots if b > y1) > y1 + 60  # the next row starts lower
    reaching = [(x0, y0, x1, y1 + 60)] + slots[1:]  # the box reaches over its underline and label
    note = (x0 + 10, y1 + 10, x0 + 16, y1 + 30)  # a thin stroke just under the chromosomes
    grey[note[1] : note[3], note[0] : note[2]] = 0.2
    under = [f.box for f in check_text(grey, reaching).found if f.where == "slot" and f.box[1] >= y1]
    assert note in under and len(under) == 2  # the note, and the printed number now inside the box
