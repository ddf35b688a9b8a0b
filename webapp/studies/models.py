"""A blinded study: cases with a finished enhancement become paired items (original, enhanced);
each rater gets a stored order of opaque assignments; ratings are append-only versions.
"""

import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.urls import reverse

from webapp.cases.models import EnhancementJob

from .ordering import MAX_REPEATS


def _token() -> str:
    return secrets.token_urlsafe(24)


class Study(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    name = models.CharField(max_length=200)
    instructions = models.TextField(blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    repeats = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_REPEATS)],
        help_text=f"hidden repeats per rater, for consistency: 0 to {MAX_REPEATS}, and no more than the number of "
        "karyograms in the study; each repeat shows a different image again (both images of one karyogram may "
        "be repeated)",
    )
    blank_text = models.BooleanField(default=False, help_text="text outside the slots blanked in both arms")
    secret = models.CharField(
        max_length=64,
        default=_token,
        editable=False,
        help_text="seeds each rater's order (HMAC of study and rater)",
    )
    raters = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="rated_studies")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        verbose_name_plural = "studies"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("study-detail", args=[self.pk])


class StudyCase(models.Model):
    """One karyogram of the study, with the enhancement job whose result is its enhanced arm."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="study_cases")
    job = models.ForeignKey(EnhancementJob, on_delete=models.PROTECT, related_name="+")
    text_checked = models.BooleanField(
        default=False, help_text="False when the job had no slot boxes to check against"
    )
    text_outside = models.JSONField(
        default=list,
        blank=True,
        help_text="text found beside the chromosomes: [{where, box}], header/footer/margin/slot",
    )
    blanked = models.JSONField(
        default=list, blank=True, help_text="boxes painted with the background in both arms"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["study", "job"], name="one_job_once_per_study")]


class Arm(models.TextChoices):
    ORIGINAL = "original", "Original"
    ENHANCED = "enhanced", "Enhanced"


def _image_path(instance: "StudyImage", filename: str) -> str:
    return f"studies/{instance.study_case.study_id}/{_token()}.png"


class StudyImage(models.Model):
    """One arm of a case, re-encoded for blinding: 8-bit grey PNG, uncompressed, no metadata."""

    study_case = models.ForeignKey(StudyCase, on_delete=models.CASCADE, related_name="images")
    arm = models.CharField(max_length=8, choices=Arm.choices)
    image = models.FileField(upload_to=_image_path, max_length=255)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["study_case", "arm"], name="one_image_per_arm")]


class Assignment(models.Model):
    """One showing of an image to a rater, at its place in the rater's stored order."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="assignments")
    rater = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    position = models.PositiveIntegerField()
    image = models.ForeignKey(StudyImage, on_delete=models.CASCADE, related_name="assignments")
    repeat = models.BooleanField(default=False, help_text="a hidden repeat of an image shown earlier")
    token = models.CharField(max_length=64, unique=True, default=_token, editable=False)
    shown_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="last served to the rater (server time): the item's time runs from it",
    )

    class Meta:
        ordering = ["study", "rater", "position"]
        constraints = [
            models.UniqueConstraint(fields=["study", "rater", "position"], name="one_item_per_place")
        ]


class Rating(models.Model):
    """A rater's answer for one assignment; a correction is a new version with a reason (append-only)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="ratings")
    version = models.PositiveSmallIntegerField(default=1)
    abnormality = models.CharField(max_length=500)
    quality = models.PositiveSmallIntegerField()
    sharpness = models.PositiveSmallIntegerField()
    measured_seconds = models.FloatField(
        help_text="from the last showing to submission, measured by the server, less the time hidden"
    )
    hidden_seconds = models.FloatField(
        default=0,
        help_text="the time the page was hidden, as the browser reported it (checked by the server)",
    )
    duration_seconds = models.FloatField(
        help_text="the analysis time used: measured, or the rater's correction"
    )
    reason = models.CharField(
        max_length=500, blank=True, help_text="why the time or an earlier answer was corrected"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assignment", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "version"], name="append_only_versions"),
            models.CheckConstraint(condition=models.Q(quality__gte=1, quality__lte=5), name="quality_1_to_5"),
            models.CheckConstraint(
                condition=models.Q(sharpness__gte=1, sharpness__lte=5), name="sharpness_1_to_5"
            ),
            models.CheckConstraint(condition=models.Q(duration_seconds__gte=0), name="duration_not_negative"),
            models.CheckConstraint(condition=models.Q(hidden_seconds__gte=0), name="hidden_not_negative"),
        ]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ratings are append-only: save a new version instead.")
        super().save(*args, **kwargs)
