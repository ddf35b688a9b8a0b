"""Who viewed, uploaded, rated and changed what: one row per audited request, never edited."""

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField(max_length=150, blank=True, help_text="kept when the user is deleted")
    action = models.CharField(max_length=64, db_index=True, help_text="the view's URL name, e.g. case-detail")
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    target = models.JSONField(default=dict, blank=True, help_text='the URL\'s arguments, e.g. {"pk": 12}')
    status = models.PositiveSmallIntegerField()
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username or 'anonymous'} {self.method} {self.action}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are never changed.")
        super().save(*args, **kwargs)
