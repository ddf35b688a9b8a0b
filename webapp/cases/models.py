"""Lab records: a case, its karyograms (originals never modified), and enhancement jobs."""

import mimetypes
import unicodedata
import uuid
from collections.abc import Iterable
from contextlib import contextmanager

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.urls import reverse

from enhancer.fidelity import Verdict, capped_strength
from enhancer.io import SUFFIX
from enhancer.iscn import IscnError
from enhancer.iscn import parse as parse_karyotype
from enhancer.karyogram_report import KaryogramReport
from enhancer.slot_counts import layout_warnings
from enhancer.staining import Deepening
from webapp.core import queue
from webapp.core.models import TrackedWork


class SampleType(models.TextChoices):
    BONE_MARROW = "bone_marrow", "Bone marrow"
    PERIPHERAL_BLOOD = "peripheral_blood", "Peripheral blood"
    OTHER = "other", "Other"


class Quality(models.TextChoices):
    UNLABELLED = "unlabelled", "Unlabelled"
    POOR = "poor", "Poor"
    MEDIUM = "medium", "Medium"
    EXCELLENT = "excellent", "Excellent"


class Length(models.TextChoices):
    """Chromosome length (condensation) of a karyogram, as the paper chose medium-length ones."""

    UNLABELLED = "unlabelled", "Unlabelled"
    SHORT = "short", "Short"
    MEDIUM = "medium", "Medium"
    LONG = "long", "Long"


KARYOTYPE_EXAMPLE = "e.g. 46,XX or 47,XY,+21"


def accession_key(accession: str) -> str:
    """An accession as compared: Unicode-normalised (NFKC: "ü" typed as u + diaeresis is "ü") and case-folded
    in Python, so "Ü" and "ü" match on any database (SQLite's LOWER() folds ASCII letters only)."""
    return unicodedata.normalize("NFKC", accession).casefold()


class CaseQuerySet(models.QuerySet):
    def same_accession(self, accession: str) -> "CaseQuerySet":
        """Cases whose accession is `accession` ignoring upper/lower case, compared as the unique constraint does."""
        return self.filter(accession_key=accession_key(accession))


class Case(models.Model):
    accession = models.CharField(max_length=64, help_text="unique, ignoring upper and lower case")
    accession_key = models.CharField(max_length=255, editable=False, help_text="the accession, case folded")
    sample_type = models.CharField(max_length=32, choices=SampleType.choices, default=SampleType.BONE_MARROW)
    referral_reason = models.CharField(max_length=255, blank=True)
    known_karyotype = models.CharField(
        max_length=255, blank=True, help_text="ISCN, e.g. 46,XY,t(9;22)(q34;q11.2)"
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["accession_key"],
                name="case_accession_key_unique",
                violation_error_code="unique",
                violation_error_message="A case with this accession already exists "
                "(accessions that differ only in upper/lower case are the same).",
            )
        ]

    def __str__(self) -> str:
        return self.accession

    def clean(self) -> None:
        """Fold the accession before the constraints are checked (`full_clean`), as `save` does."""
        self.accession_key = accession_key(self.accession)

    def save(self, *args, **kwargs) -> None:
        self.accession_key = accession_key(self.accession)
        if kwargs.get("update_fields") is not None and "accession" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "accession_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("case-detail", args=[self.pk])

    @property
    def karyotype_problem(self) -> str:
        """Why the known karyotype cannot be read as ISCN by the reader the study statistics use; "" when it can.

        Such a case is left out of the statistics' detection analysis, so the case page says so.
        """
        if not self.known_karyotype.strip():
            return ""
        try:
            parse_karyotype(self.known_karyotype)
        except IscnError as error:
            return (
                f"Not readable as ISCN: {error} ({KARYOTYPE_EXAMPLE}). The study statistics leave this case "
                "out of their abnormality-detection analysis."
            )
        return ""


class AccessionTaken(Exception):
    """A case save lost a race for its accession (a double click on Save); the message names the winner."""


@contextmanager
def saving_case(accession: str, case: Case | None = None):
    """Run a case save in a transaction; the unique constraint's IntegrityError because another request took
    `accession` at the same moment becomes AccessionTaken with the usual refusal (any other is raised)."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        if message := duplicate_accession(accession, case):
            raise AccessionTaken(message) from None
        raise


def duplicate_accession(accession: str, case: Case | None = None) -> str:
    """The message refusing `accession` when another case already has it ignoring case; "" when it is free."""
    others = Case.objects.same_accession(accession)
    if case is not None and case.pk is not None:
        others = others.exclude(pk=case.pk)
    existing = others.values_list("accession", flat=True).first()
    if existing is None:
        return ""
    return f'Case "{existing}" already exists; accessions that differ only in upper/lower case are the same.'


def original_path(instance: "Karyogram", filename: str) -> str:
    return f"originals/{instance.uid}/original{instance.suffix}"


class Karyogram(models.Model):
    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="karyograms")
    original = models.FileField(upload_to=original_path, max_length=255)
    original_name = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.PositiveBigIntegerField()
    format = models.CharField(max_length=8)
    bit_depth = models.PositiveSmallIntegerField()
    channels = models.PositiveSmallIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    quality = models.CharField(max_length=16, choices=Quality.choices, default=Quality.UNLABELLED)
    length = models.CharField(max_length=16, choices=Length.choices, default=Length.UNLABELLED)
    included = models.BooleanField(default=True, help_text="offered to curation datasets")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    split_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="split_panels",
        help_text="the figure of several karyograms this one was cut from",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created"]

    @property
    def suffix(self) -> str:
        return SUFFIX[self.format]

    @property
    def media_type(self) -> str:
        """The media type of its format (its result is written in the same), e.g. image/jpeg."""
        return mimetypes.guess_type(f"karyogram{self.suffix}")[0] or "application/octet-stream"

    @property
    def same_file_as(self) -> "Karyogram | None":
        """The case's earlier karyogram with the very same bytes, if any (uploaded twice by mistake?)."""
        return self.case.karyograms.filter(sha256=self.sha256, pk__lt=self.pk).order_by("pk").first()

    @property
    def same_file_in_other_case(self) -> "Karyogram | None":
        """An earlier karyogram with the very same bytes under another case, if any: one patient's image
        filed under another's accession is the mix-up this points out."""
        earlier = Karyogram.objects.filter(sha256=self.sha256, pk__lt=self.pk).exclude(case_id=self.case_id)
        return earlier.select_related("case").order_by("pk").first()

    def __str__(self) -> str:
        return f"{self.case.accession}: {self.original_name}"


def first_copies(karyograms: Iterable[Karyogram]) -> dict[str, Karyogram]:
    """The first upload of each file (sha256) among `karyograms`: the earliest uploaded (the lower id between two
    uploaded at the same moment), in whatever order they come (a form lists them by accession). A later one
    with the same bytes is a copy, uploaded again by mistake, that pages point out."""
    first: dict[str, Karyogram] = {}
    for karyogram in karyograms:
        held = first.get(karyogram.sha256)
        if held is None or (karyogram.created, karyogram.pk) < (held.created, held.pk):
            first[karyogram.sha256] = karyogram
    return first


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SLICING = "slicing", "Slicing"
    ENHANCING = "enhancing", "Enhancing"
    ASSEMBLING = "assembling", "Assembling"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


def job_path(instance: "EnhancementJob", name: str) -> str:
    return f"jobs/{instance.uid}/{name}"


class Remedy(models.TextChoices):
    """What can change a failed job's outcome (or a finished one's odd slot counts): `EnhancementJob.remedies`."""

    SPLIT = "split", "Split the figure into one karyogram per panel"
    BOXES = "boxes", "Correct the slot boxes and run again"
    RETRY = "retry", "Run it again as it is"


# How the slicing step begins a job's failure (`slicing_failed`).
SLICING_FAILED = "The karyogram could not be sliced: "


def slicing_failed(reason: str, boxes_help: bool = False) -> str:
    """A job's error when the slicing step refuses its image, as it is stored and said: the reason goes on in lower
    case ("… sliced: found 2 rows …", unless it begins with an abbreviation such as "PNG"); where slot boxes given
    by a person get past the refusal (`LayoutError.boxes_help`), the web's words for it follow: its pages have
    the slot-box editor."""
    if reason[:2].istitle():
        reason = reason[0].lower() + reason[1:]
    return SLICING_FAILED + reason + (f" {Remedy.BOXES.label}." if boxes_help else "")


class EnhancementJob(TrackedWork):
    """One enhancement of a karyogram: slice (cpu) → enhance (gpu) → reassemble (cpu)."""

    ACTIVE_STATES = (JobState.QUEUED, JobState.SLICING, JobState.ENHANCING, JobState.ASSEMBLING)
    CANCELLABLE_STATES = ACTIVE_STATES
    PROGRESS_AT = {
        JobState.QUEUED: 0,
        JobState.SLICING: 5,
        JobState.ENHANCING: 30,
        JobState.ASSEMBLING: 80,
        JobState.DONE: 100,
    }
    STEPS = {
        JobState.QUEUED: queue.SLICE,
        JobState.SLICING: queue.SLICE,
        JobState.ENHANCING: queue.ENHANCE,
        JobState.ASSEMBLING: queue.REASSEMBLE,
    }
    TASK_ARGUMENT = "job_pk"

    karyogram = models.ForeignKey(Karyogram, on_delete=models.CASCADE, related_name="jobs")
    model_version = models.CharField(max_length=128, blank=True)
    device = models.CharField(
        max_length=128, blank=True, help_text="where the model ran, e.g. cpu or cuda:0 (its name)"
    )
    strength = models.FloatField(
        default=1.0,
        help_text="the strength all its cells share: the one asked for at upload, then the last one every cell "
        "was given together (“Apply to all”, or a strengths call leaving every cell that can change at one "
        "strength); a retry and a split figure's panels start from it. Each cell's own is in `cells`",
    )
    cell_count = models.PositiveSmallIntegerField(
        default=24,
        choices=[(24, "24 cells"), (23, "23 cells (X and Y together)")],
        help_text="how many cells the karyogram is cut into; the cells themselves are `cell_rows`",
    )
    layout = models.JSONField(
        null=True, blank=True, help_text="slot boxes given by a person, instead of detection"
    )
    layout_guess = models.JSONField(
        null=True,
        blank=True,
        help_text="the slicer's best boxes when it refused the layout, with the slots it is unsure of; "
        "where the editor starts",
    )
    panels = models.JSONField(
        null=True,
        blank=True,
        help_text="when the image is a figure of several karyograms: the box [x0, y0, x1, y1] of each panel, "
        "which can be split off as a karyogram of its own",
    )
    staining = models.JSONField(
        null=True,
        blank=True,
        help_text="what the model's staining depth did to the whole karyogram (gain, darkness before and after, "
        "the excellent level); empty for models without that step",
    )
    report = models.JSONField(
        null=True,
        blank=True,
        help_text="the result measured whole against the original, with no ground truth (mask IoU, length, grid "
        "texture, band contrast, homolog agreement before and after: `enhancer.karyogram_report`); measured "
        "again at each strength change, so it describes the result as downloaded; empty before the job is done "
        "(a job finished before results were measured is measured when it is first shown)",
    )
    state = models.CharField(max_length=16, choices=JobState.choices, default=JobState.QUEUED, db_index=True)
    cancel_requested = models.BooleanField(
        default=False,
        help_text="a person asked to stop it: a queued job ends at once, a running one before its next step",
    )
    timings = models.JSONField(default=dict, blank=True)
    result = models.FileField(upload_to=job_path, max_length=255, blank=True)
    result_png = models.FileField(upload_to=job_path, max_length=255, blank=True)

    class Meta(TrackedWork.Meta):
        pass

    def __str__(self) -> str:
        return f"job {self.pk} ({self.state})"

    def record_step(self, state: str, seconds: float) -> None:
        self.timings = {**self.timings, state: round(seconds, 3)}

    @property
    def stage(self) -> str:
        """Where the job stands, as its pages and the API say it: "Cancelling" between a cancel asked of a
        running job and its stop, otherwise its state."""
        return "Cancelling" if self.cancel_requested and self.is_active else self.get_state_display()

    @property
    def layout_warnings(self) -> list[str]:
        """What looks unusual in a finished job's chromosome counts per slot (`enhancer.slot_counts`); empty
        before it is done and when sliced as a karyogram should be."""
        if self.state != JobState.DONE:
            return []
        return layout_warnings({c.label: c.object_count for c in self.cell_rows.all()})

    @property
    def guard_held_back(self) -> dict[str, int] | None:
        """How many of a finished job's enhanced cells the fidelity guard left as the original and how many it
        allowed only in part, of how many: None when it held none back (or before the job is done), so that a
        result the guard kept entirely original is said at the top of its page, not only cell by cell."""
        if self.state != JobState.DONE:
            return None
        caps = [c.strength_cap for c in self.cell_rows.all() if c.object_count]
        held = {"original": caps.count(0.0), "lowered": sum(0 < cap < 1 for cap in caps), "cells": len(caps)}
        return held if held["original"] or held["lowered"] else None

    @property
    def split_into(self) -> list[Karyogram]:
        """The panels its karyogram (a figure) was split into, each enhanced on its own: a failure of this job,
        which read the figure as one karyogram, is resolved by the split. Empty for any other karyogram."""
        return list(self.karyogram.split_panels.all())

    @property
    def chromosomes_found(self) -> bool:
        """False when the slicer refused the image finding no chromosome at all (its best guess counts none in
        any slot): boxes given by a person cannot help there. True when it found some, or cannot tell."""
        counts = [cell.get("objects") for cell in (self.layout_guess or {}).get("cells", [])]
        return not counts or None in counts or sum(counts) > 0

    @property
    def remedies(self) -> list[str]:
        """What can change this job's outcome (`Remedy`), the ones the pages offer. A failure of the slicing step
        is its verdict on the image, the same on every run: a figure can be split into its panels, and where the
        image holds chromosomes, slot boxes corrected by a person get past it (boxes given before included). Any
        other failure (storage, a model gone, a worker lost) can end otherwise when run again as it is. A finished
        job whose slot counts look wrong can have its boxes corrected, and a cancelled one run again as it was.
        None while it runs, for a figure already split (its panels are enhanced on their own) and for an image
        without chromosomes: running it again, with or without boxes, could only end the same way."""
        if self.state == JobState.DONE:
            return [Remedy.BOXES] if self.layout_warnings and not self.split_into else []
        if self.state == JobState.CANCELLED:
            return [] if self.split_into else [Remedy.RETRY]
        if self.state != JobState.FAILED or self.split_into:
            return []
        sliced = self.layout_guess is not None or self.panels or self.error.startswith(SLICING_FAILED)
        if not sliced:
            return [Remedy.RETRY]
        remedies = [Remedy.SPLIT] if self.panels else []
        if self.chromosomes_found:
            remedies.append(Remedy.BOXES)
        return remedies

    @property
    def staining_depth(self) -> Deepening | None:
        """What the staining depth did to this karyogram (None: not enhanced yet, or a model without it)."""
        return Deepening.from_json(self.staining) if self.staining else None

    @property
    def karyogram_report(self) -> KaryogramReport | None:
        """The result as downloaded measured whole against the original (None: not done yet, or done before
        results were measured)."""
        return KaryogramReport.from_json(self.report) if self.report else None

    def get_absolute_url(self) -> str:
        return reverse("job-detail", args=[self.pk])


class JobCell(models.Model):
    """One slot of a job's karyogram: its box, how many chromosomes it holds, the strength asked for and the
    fidelity guard's verdict. The model's input and output of the cell live in the job's npz files."""

    job = models.ForeignKey(EnhancementJob, on_delete=models.CASCADE, related_name="cell_rows")
    label = models.CharField(max_length=4)
    index = models.PositiveSmallIntegerField()
    box = models.JSONField()
    object_count = models.PositiveSmallIntegerField()
    strength = models.FloatField(default=1.0)  # as the user set it; the guard's cap applies on top
    guard = models.JSONField(
        default=dict, blank=True, help_text="the fidelity guard's verdict (strength_cap, reason, measures)"
    )

    class Meta:
        ordering = ["index"]
        constraints = [models.UniqueConstraint(fields=["job", "label"], name="one_row_per_cell")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.label}"

    @property
    def verdict(self) -> Verdict | None:
        """The fidelity guard's verdict on this cell (None for cells enhanced before the guard existed)."""
        return Verdict.from_json(self.guard) if self.guard else None

    @property
    def strength_cap(self) -> float:
        """The most strength the fidelity guard allows this cell (1 when it was never judged)."""
        return capped_strength(1.0, self.verdict)

    @property
    def applied_strength(self) -> float:
        """The strength the result uses: as set, at most what the guard allows."""
        return capped_strength(self.strength, self.verdict)

    @property
    def movable(self) -> bool:
        """Whether any strength changes this cell (the guard may have left it as the original)."""
        return self.strength_cap > 0

    @property
    def slider_strength(self) -> float:
        """What its slider shows: the strength set, or 0 where nothing can move it (the result uses 0)."""
        return self.strength if self.movable else self.applied_strength
