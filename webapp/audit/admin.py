from django.contrib import admin

from webapp.core.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is evidence."""

    list_display = ("at", "username", "method", "action", "target", "status", "ip")
    list_filter = ("action", "method")
    search_fields = ("username", "path")
