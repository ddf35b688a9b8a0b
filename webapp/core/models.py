"""Operational records that are not lab data."""

from django.db import models


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
