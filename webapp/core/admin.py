from django.contrib import admin

from .models import Heartbeat


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin page that lists and shows records but never adds, changes or deletes them.

    For append-only records (ratings, the audit trail), work whose state the pipeline owns (jobs, training
    runs) and immutable snapshots (datasets, model versions): changes go through the product's own pages.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ("created", "queue", "hostname")
    list_filter = ("queue",)
