"""What curators and raters do with studies: create one, serve the next item, record ratings, export."""

import io

import numpy as np
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from enhancer.io import read_karyogram
from enhancer.study_statistics import RatingRecord
from webapp.accounts.roles import Role, has_role
from webapp.audit.models import AuditEvent
from webapp.cases.models import EnhancementJob, Karyogram
from webapp.cases.services import latest_finished_job

from .blinding import TextCheck, blank, check_text
from .models import Arm, Assignment, Rating, Study, StudyCase, StudyImage
from .ordering import MAX_REPEATS, items_per_rater, max_repeats, rater_order, rater_seed, served_repeats


class StudyError(ValueError):
    """A request about a study that cannot be honoured; the message says why, for the person who sent it."""


def blinded_png(grey: np.ndarray) -> bytes:
    """A grey karyogram in [0, 1] → 8-bit grey PNG, stored uncompressed and without metadata.

    Uncompressed so that the file size depends on the dimensions alone: an enhanced image
    compresses better than a noisy original, and a size that differs would unblind.
    """
    grey = np.clip(np.rint(grey * 255), 0, 255).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(grey).save(buffer, format="PNG", compress_level=0)
    return buffer.getvalue()


def study_image_response(image: StudyImage) -> HttpResponse:
    """A study image as served to its raters and curators: the stored PNG, never cached."""
    with image.image.open("rb") as f:
        response = HttpResponse(f.read(), content_type="image/png")
    response["Cache-Control"] = "private, no-store"
    return response


def _grey(field) -> np.ndarray:
    with field.open("rb") as f:
        return read_karyogram(f.read()).grey


def finished_job(karyogram: Karyogram) -> EnhancementJob:
    job = latest_finished_job(karyogram)
    if job is None:
        raise StudyError(
            f"Karyogram {karyogram.pk} has no finished enhancement; only finished ones can be rated."
        )
    return job


def check_texts(karyograms: list[Karyogram]) -> dict[int, TextCheck | None]:
    """Per karyogram (by pk): text outside the slots of its latest finished job; None when it has no slot boxes."""
    checks = {}
    for karyogram in karyograms:
        slots = [tuple(box) for box in finished_job(karyogram).cell_rows.values_list("box", flat=True)]
        checks[karyogram.pk] = check_text(_grey(karyogram.original), slots) if slots else None
    return checks


def _arm_images(job: EnhancementJob, regions, check: TextCheck | None) -> dict[str, bytes]:
    """Both arms as blinded PNGs, with the same `regions` painted over in each (never the original's
    chromosome pixels)."""
    greys = {Arm.ORIGINAL: _grey(job.karyogram.original), Arm.ENHANCED: _grey(job.result)}
    if regions and greys[Arm.ORIGINAL].shape != greys[Arm.ENHANCED].shape:
        raise StudyError(
            f"Job {job.pk}: the enhanced image differs in size from the original; text cannot be "
            "blanked identically in both."
        )
    return {
        arm: blinded_png(blank(grey, regions, check.background, check.chromosomes) if regions else grey)
        for arm, grey in greys.items()
    }


def check_karyograms(karyograms: list[Karyogram]) -> None:
    """Refuse a karyogram listed twice, also as the same file under another case (same sha256),
    and fewer than two."""
    if len({k.pk for k in karyograms}) != len(karyograms):
        raise StudyError("A karyogram is listed twice.")
    first_of: dict[str, Karyogram] = {}
    for karyogram in karyograms:
        same = first_of.setdefault(karyogram.sha256, karyogram)
        if same is not karyogram:
            raise StudyError(
                f"{karyogram_label(same)} and {karyogram_label(karyogram)} are the same file (byte-identical); "
                "a study may hold it only once."
            )
    if len(karyograms) < 2:
        raise StudyError("A study needs at least two karyograms.")


def check_repeats(repeats: int, n_cases: int) -> None:
    """Refuse more hidden repeats than a study of `n_cases` can serve (`ordering.max_repeats`)."""
    most = max_repeats(n_cases)
    if not 0 <= repeats <= most:
        raise StudyError(
            f"Hidden repeats per rater must be from 0 to {most} for {n_cases} karyograms "
            f"(no more than the number of karyograms, and at most {MAX_REPEATS})."
        )


def karyogram_label(karyogram: Karyogram) -> str:
    """How a karyogram is named to curators: its case's accession and its file name."""
    return f"{karyogram.case.accession} · {karyogram.original_name}"


def study_items(study: Study) -> tuple[int, int]:
    """(items, hidden repeats) each rater of the study gets: what the study page and API report."""
    n_cases = study.study_cases.count()
    return items_per_rater(n_cases, study.repeats), served_repeats(n_cases, study.repeats)


def create_study(
    *,
    name: str,
    instructions: str,
    karyograms: list[Karyogram],
    raters: list,
    created_by,
    repeats: int = 0,
    blank_text: bool = False,
    text_checks: dict[int, TextCheck | None] | None = None,
) -> Study:
    """A study of the karyograms' latest finished enhancements, with each rater's order stored.

    Text outside the slots is looked for in every original (`text_checks`, when given, saves doing it
    again) and recorded per study case; with `blank_text` it is painted over in both arms alike.
    """
    check_karyograms(karyograms)
    check_repeats(repeats, len(karyograms))
    check_raters(raters)
    jobs = [finished_job(k) for k in karyograms]
    checks = text_checks if text_checks is not None else check_texts(karyograms)
    written: list[StudyImage] = []
    try:
        with transaction.atomic():
            study = Study.objects.create(
                name=name,
                instructions=instructions,
                repeats=repeats,
                created_by=created_by,
                blank_text=blank_text,
            )
            study.raters.set(raters)
            for karyogram, job in zip(karyograms, jobs, strict=True):
                check = checks.get(karyogram.pk)
                regions = list(check.regions) if check and blank_text else []
                study_case = StudyCase.objects.create(
                    study=study,
                    job=job,
                    text_checked=check is not None,
                    text_outside=[f.to_json() for f in check.found] if check else [],
                    blanked=[list(r) for r in regions],
                )
                for arm, png in _arm_images(job, regions, check).items():
                    image = StudyImage(study_case=study_case, arm=arm)
                    image.image.save("item.png", ContentFile(png), save=True)
                    written.append(image)
            store_orders(study, raters)
    except Exception:
        for image in written:
            image.image.delete(save=False)  # no orphan files when the study is not created
        raise
    return study


def check_raters(raters: list) -> None:
    """Refuse an empty choice and users without the rater role."""
    if not raters:
        raise StudyError("Choose at least one rater.")
    not_raters = [u.username for u in raters if not has_role(u, [Role.RATER])]
    if not_raters:
        raise StudyError("These users do not have the rater role: " + ", ".join(not_raters))


def store_orders(study: Study, raters: list) -> None:
    """Store each rater's order of the study's items, seeded by the study's secret and the rater.

    Case i of `ordering.rater_order` is the i-th study case made (by pk): the karyograms in the order given.
    """
    cases = study.study_cases.order_by("pk").prefetch_related("images")
    images = [{image.arm: image for image in case.images.all()} for case in cases]
    assignments = []
    for rater in raters:
        order = rater_order(len(images), rater_seed(study.secret, study.pk, rater.pk), study.repeats)
        assignments += [
            Assignment(study=study, rater=rater, position=i, image=images[s.case][s.arm], repeat=s.repeat)
            for i, s in enumerate(order)
        ]
    Assignment.objects.bulk_create(assignments)  # one insert for every rater


def check_new_raters(study: Study, raters: list) -> None:
    """Refuse adding raters to a closed study, users without the rater role and raters already in it."""
    if study.state != Study.State.OPEN:
        raise StudyError("This study is closed; open it again before adding raters.")
    check_raters(raters)
    already = sorted(study.raters.filter(pk__in=[u.pk for u in raters]).values_list("username", flat=True))
    if already:
        raise StudyError("Already raters of this study: " + ", ".join(already))


def add_raters(study: Study, raters: list, by, ip: str | None = None) -> Study:
    """Add raters to an open study, each with their own stored order, as at creation; audited with their names."""
    raters = list({u.pk: u for u in raters}.values())  # a name given twice is added once
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study.pk)
        check_new_raters(study, raters)
        study.raters.add(*raters)
        store_orders(study, raters)
        AuditEvent.objects.create(
            user=by,
            username=by.get_username(),
            action="study-raters-added",
            method="POST",
            path=reverse("study-detail", args=[study.pk]),
            target={"study": study.pk, "raters": [u.get_username() for u in raters]},
            status=200,
            ip=ip,
        )
    return study


def studies_for(user):
    """The studies a user may see: raters their own, curators and admins all."""
    if has_role(user, [Role.CURATOR, Role.ADMIN]):
        return Study.objects.all()
    return Study.objects.filter(raters=user)


def with_progress(studies, rater):
    """The studies annotated with `rated` and `total`: the rater's items rated and assigned, in one query."""
    mine = Q(assignments__rater=rater)
    return studies.annotate(
        total=Count("assignments", filter=mine, distinct=True),
        rated=Count("assignments", filter=mine & Q(assignments__ratings__isnull=False), distinct=True),
    ).order_by("-created")  # aggregation drops Meta.ordering


def with_cases_and_raters(studies):
    """The studies with their raters and cases (each with its job) fetched in two more queries: a list of
    them reads those, and counts them with `.count()`, without a query per study."""
    cases = StudyCase.objects.select_related("job").order_by("pk")
    return studies.prefetch_related("raters", Prefetch("study_cases", queryset=cases))


def raters_progress(study: Study) -> list[tuple]:
    """Every rater of the study by username, with (items rated, items assigned): one query for them all."""
    mine = Q(assignments__study=study)
    raters = study.raters.annotate(
        total=Count("assignments", filter=mine, distinct=True),
        rated=Count("assignments", filter=mine & Q(assignments__ratings__isnull=False), distinct=True),
    ).order_by("username")
    return [(rater, rater.rated, rater.total) for rater in raters]


def progress(study: Study, rater) -> tuple[int, int]:
    """(items rated, items assigned) for one rater."""
    counted = with_progress(Study.objects.filter(pk=study.pk), rater).get()
    return counted.rated, counted.total


@transaction.atomic
def next_assignment(study: Study, rater, *, restart: bool = True) -> Assignment | None:
    """The rater's first unrated item, its clock started now; None when all are rated.

    Served again (a reload, a return after leaving), the item is shown afresh and its clock restarts, so a
    rater who left does not have the time away counted; `restart=False` keeps a running clock (a form
    shown again with its errors).
    """
    if study.state != Study.State.OPEN:
        raise StudyError("This study is closed.")
    assignment = (
        study.assignments.select_for_update()
        .filter(rater=rater, ratings__isnull=True)
        .order_by("position")
        .first()
    )
    if assignment is not None and (restart or assignment.shown_at is None):
        assignment.shown_at = timezone.now()
        assignment.save(update_fields=["shown_at"])
    return assignment


def upcoming(study: Study, rater) -> Assignment | None:
    """The rater's first unrated item, without marking it shown."""
    return study.assignments.filter(rater=rater, ratings__isnull=True).order_by("position").first()


def own_assignment(study: Study, rater, token: str) -> Assignment | None:
    return study.assignments.filter(rater=rater, token=str(token)).first()


def rated_before(study: Study, rater, position: int | None) -> Assignment | None:
    """The rater's last rated item before `position` (before the end when None): what "previous" goes back to."""
    rated = study.assignments.filter(rater=rater, ratings__isnull=False).distinct()
    if position is not None:
        rated = rated.filter(position__lt=position)
    return rated.order_by("-position").first()


def _score(name: str, value) -> int:
    whole = isinstance(value, int) and not isinstance(value, bool)
    if not (whole or (isinstance(value, str) and value.strip().isdigit())):
        raise StudyError(f"{name} must be a whole number from 1 to 5, not {value!r}.")
    number = int(value)
    if not 1 <= number <= 5:
        raise StudyError(f"{name} must be from 1 to 5, not {number}.")
    return number


MAX_CORRECTED_SECONDS = 86_400  # a corrected analysis time: at most a day


def _seconds(value, what: str) -> float | None:
    """`value` (a form's or a JSON body's) as a number of seconds; None when not given. Refuses booleans
    and what is not a number, `what` naming it in the message."""
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            raise TypeError(value)
        return float(value)
    except (TypeError, ValueError, OverflowError):
        raise StudyError(f"{what} must be a number of seconds, not {value!r}.") from None


def _hidden_seconds(value, elapsed: float) -> float:
    """The reported time the page was hidden, in seconds: from 0 to the `elapsed` time the server measured."""
    hidden = _seconds(value, "The time the page was hidden")
    if hidden is None:
        return 0.0
    if not 0 <= hidden <= elapsed:  # also refuses NaN and infinity
        raise StudyError(
            f"The time the page was hidden ({value!r} s) must be from 0 to the {elapsed:.1f} s since the item "
            "was shown; reload the item to start its time again."
        )
    return hidden


@transaction.atomic
def submit_rating(
    study: Study,
    rater,
    token: str,
    *,
    abnormality: str,
    quality,
    sharpness,
    duration_seconds=None,
    hidden_seconds=None,
    reason: str = "",
) -> Rating:
    """Record a rating; a second rating of an item is a new version and needs a reason (the very same
    answer sent again without one is the first rating, returned as it is).

    The measured time is the server's, from the item's last showing to now, less `hidden_seconds`: the
    time the browser reported the page hidden (another tab, a locked phone), checked against that span.
    """
    if study.state != Study.State.OPEN:
        raise StudyError("This study is closed; ratings can no longer be given.")
    assignment = (
        Assignment.objects.select_for_update().filter(study=study, rater=rater, token=str(token)).first()
    )
    if assignment is None:
        raise StudyError("This item is not one of yours in this study.")
    if assignment.shown_at is None:
        raise StudyError("This item has not been shown to you yet; open it before rating it.")
    abnormality = (abnormality or "").strip()
    if not abnormality:
        raise StudyError('Write the suspected abnormality, or "none".')
    if len(abnormality) > 500:
        raise StudyError("The suspected abnormality is longer than 500 characters.")
    reason = (reason or "").strip()[:500]
    quality, sharpness = _score("Overall quality", quality), _score("Band sharpness", sharpness)
    previous = assignment.ratings.order_by("-version").first()
    if previous is not None and not reason:
        answer = (abnormality, quality, sharpness)
        if (
            answer == (previous.abnormality, previous.quality, previous.sharpness)
            and _seconds(duration_seconds, "The corrected time") is None
        ):
            return previous  # the same answer sent twice (a double tap, a retried request): already recorded
        raise StudyError("This item is already rated; give a reason to correct your rating.")
    # A correction keeps the time of the first answer: the time since the first showing would count the
    # other items rated meanwhile.
    hidden = 0.0
    if previous is not None:
        measured = previous.measured_seconds
    else:
        elapsed = (timezone.now() - assignment.shown_at).total_seconds()
        hidden = _hidden_seconds(hidden_seconds, elapsed)
        measured = elapsed - hidden
    duration = previous.duration_seconds if previous else measured
    corrected = _seconds(duration_seconds, "The corrected time")
    if corrected is not None:
        duration = corrected
        if not 0 <= duration <= MAX_CORRECTED_SECONDS:
            raise StudyError(f"The corrected time must be between 0 and {MAX_CORRECTED_SECONDS} seconds.")
        if not reason:
            raise StudyError("Give a reason when you correct the measured time.")
    return Rating.objects.create(
        assignment=assignment,
        version=previous.version + 1 if previous else 1,
        abnormality=abnormality,
        quality=quality,
        sharpness=sharpness,
        measured_seconds=measured,
        hidden_seconds=hidden,
        duration_seconds=duration,
        reason=reason,
    )


def latest_ratings(study: Study):
    """The latest version of every rating in the study, with what the statistics need."""
    newest = Rating.objects.filter(assignment=OuterRef("assignment")).order_by("-version").values("pk")[:1]
    return (
        Rating.objects.filter(assignment__study=study, pk=Subquery(newest))
        .select_related("assignment__rater", "assignment__image__study_case__job__karyogram__case")
        .order_by("assignment__rater__username", "assignment__position")
    )


def rating_records(study: Study) -> list[RatingRecord]:
    records = []
    for rating in latest_ratings(study):
        assignment = rating.assignment
        case = assignment.image.study_case.job.karyogram.case
        records.append(
            RatingRecord(
                rater=assignment.rater.username,
                study_case=str(assignment.image.study_case_id),
                case=case.accession,
                arm=assignment.image.arm,
                quality=rating.quality,
                sharpness=rating.sharpness,
                duration=rating.duration_seconds,
                abnormality=rating.abnormality,
                repeat=assignment.repeat,
                known_karyotype=case.known_karyotype or "",
            )
        )
    return records


def raters_by_name(usernames: list[str]) -> list:
    users = list(get_user_model().objects.filter(username__in=usernames))
    missing = sorted(set(usernames) - {u.username for u in users})
    if missing:
        raise StudyError("No such users: " + ", ".join(missing))
    return users
