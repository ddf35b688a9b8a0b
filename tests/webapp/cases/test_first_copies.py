"""`first_copies`: of karyograms with the very same bytes, the earliest upload is the original, whatever order
they are listed in (a study form lists them by accession), and the later ones are the copies pages point out."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import CaseFactory, KaryogramFactory, png_bytes
from webapp.cases import services
from webapp.cases.models import Karyogram, first_copies

pytestmark = pytest.mark.django_db


@pytest.fixture
def same_file_in_two_cases(settings, tmp_path):
    """The same file uploaded to case "ZZ-late" first, to case "AA-early" a day later: alphabetical order puts the
    copy first."""
    import numpy as np

    settings.MEDIA_ROOT = tmp_path
    data = png_bytes(np.arange(90 * 120, dtype=np.uint8).reshape(90, 120))
    original = KaryogramFactory(case__accession="ZZ-LATE", name="first upload.png", png=data)
    copy = services.add_karyogram(
        CaseFactory(accession="AA-EARLY", created_by=original.uploaded_by),
        SimpleUploadedFile("second upload.png", data),
        original.uploaded_by,
    )
    Karyogram.objects.filter(pk=copy.pk).update(created=original.created + timedelta(days=1))
    return original, copy


def test_the_earliest_upload_is_the_original_in_any_order(same_file_in_two_cases):
    """Walk-through: listed by accession (as the study form lists them), the later upload was taken for the
    original and the first upload was the one marked "the same file as …"."""
    original, copy = same_file_in_two_cases
    listed = Karyogram.objects.filter(pk__in=[original.pk, copy.pk]).order_by("case__accession", "pk")
    assert [k.pk for k in listed] == [copy.pk, original.pk]
    assert first_copies(listed)[original.sha256] == original
    assert first_copies(reversed(list(listed)))[original.sha256] == original


def test_uploads_at_the_same_moment_are_told_apart_by_their_id(same_file_in_two_cases):
    original, copy = same_file_in_two_cases
    moment = timezone.now()
    Karyogram.objects.filter(pk__in=[original.pk, copy.pk]).update(created=moment)
    listed = list(Karyogram.objects.filter(pk__in=[original.pk, copy.pk]).order_by("-pk"))
    assert first_copies(listed)[original.sha256].pk == min(original.pk, copy.pk)


def test_each_file_has_its_own_first_copy(same_file_in_two_cases):
    original, copy = same_file_in_two_cases
    other = KaryogramFactory(case=copy.case, name="another.png")
    found = first_copies([copy, other, original])
    assert found == {original.sha256: original, other.sha256: other}
