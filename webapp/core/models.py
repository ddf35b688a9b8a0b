"""Operational records that are not lab data, and the fields every piece of queued work shares."""

import uuid

from django.conf import settings
from django.db import models


class TrackedWork(models.Model):
    """Work a worker does in steps (an enhancement job, a training run): what `workers.jobflow` needs.

    Subclasses add `state` with their own choices, which must include "queued" and "failed".
    """

    uid = models.UUIDField(default=uuid.uuid4, editable=False, unique=True)
    progress = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    max_attempts = models.PositiveSmallIntegerField(default=3)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
        ordering = ["-created"]


class Heartbeat(models.Model):
    """A worker's answer to a heartbeat task: which host consumed which queue, and when."""

    queue = models.CharField(max_length=32)
    hostname = models.CharField(max_length=255)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        indexes = [models.Index(fields=["queue", "-created"])]

    def __str__(self) -> str:
        return f"{self.hostname} on {self.queue} at {self.created:%Y-%m-%d %H:%M:%S}"
