from django.contrib import admin
from django.contrib.admin.templatetags.admin_urls import admin_urlname
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from webapp.core.admin import ReadOnlyAdmin

from .models import AuditEvent
from .targets import Target, resolve


def _link(target: Target) -> str | None:
    """Where the target object is read: its admin page when the admin has one, else its own page."""
    if admin.site.is_registered(target.model):
        try:
            return reverse(admin_urlname(target.model._meta, "change"), args=[target.pk])
        except NoReverseMatch:
            pass
    get_url = getattr(target.obj, "get_absolute_url", None)
    return get_url() if get_url else None


def readable(target: Target) -> SafeString | None:
    """The target as a person reads it (Case: ACC-0001, linked; Study #7 (deleted)), then its other details."""
    parts = []
    if target.model is not None:
        name = target.model._meta.verbose_name.capitalize()
        if target.obj is None:
            parts.append(format_html("{} #{} (deleted)", name, target.pk))
        elif url := _link(target):
            parts.append(format_html('{}: <a href="{}">{}</a>', name, url, target.obj))
        else:
            parts.append(format_html("{}: {}", name, target.obj))
    if target.details:
        parts.append(format_html_join(" · ", "{}: {}", target.details))
    return format_html_join(" · ", "{}", ((part,) for part in parts)) if parts else None


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is evidence. Its target is shown as the object it names, not as stored JSON."""

    list_display = ("at", "username", "method", "action", "readable_target", "status", "ip")
    list_filter = ("action", "method")
    search_fields = ("username", "path")
    fields = (
        "at",
        "user",
        "username",
        "action",
        "method",
        "path",
        "readable_target",
        "target",
        "status",
        "ip",
    )
    readonly_fields = ("at", "readable_target")

    def get_changelist_instance(self, request):
        """The page's events with their targets, loaded in one query per model (not one per row)."""
        changelist = super().get_changelist_instance(request)
        targets = resolve(changelist.result_list)  # evaluates the page's queryset; the template reuses it
        for event in changelist.result_list:
            event.resolved_target = targets[event.pk]
        return changelist

    @admin.display(description="target")
    def readable_target(self, event: AuditEvent) -> SafeString | None:
        target = getattr(event, "resolved_target", None) or resolve([event])[event.pk]
        return readable(target)
