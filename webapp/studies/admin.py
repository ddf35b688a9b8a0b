from django.contrib import admin

from .models import Rating, Study


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "created_by", "created"]
    exclude = ["secret"]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Read-only: ratings are append-only and corrected through the portal with a reason."""

    list_display = ["assignment", "version", "quality", "sharpness", "duration_seconds", "created"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
