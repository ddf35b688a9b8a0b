from django.contrib import admin

from webapp.core.admin import ReadOnlyAdmin

from .models import Assignment, Rating, Study


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
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
