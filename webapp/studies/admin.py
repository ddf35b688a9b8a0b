from django.contrib import admin

from webapp.core.admin import ReadOnlyAdmin

from .models import Assignment, Rating, Study


@admin.register(Study)
class StudyAdmin(ReadOnlyAdmin):
    """Read-only: cases, raters' orders and repeats are fixed when the study is made (its page opens and
    closes it); a change here would leave the assignments behind it."""

    list_display = ("name", "state", "created_by", "created")
    exclude = ("secret",)


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    """Read-only: the order is derived from the study's secret; ratings hang on these rows."""

    list_display = ("study", "rater", "position", "repeat", "shown_at")
    list_filter = ("study",)


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    """Read-only: ratings are append-only and corrected through the portal with a reason."""

    list_display = ("assignment", "version", "quality", "sharpness", "duration_seconds", "created")
