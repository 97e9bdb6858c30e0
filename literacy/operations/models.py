"""What the running installation reports about itself: each background worker's last heartbeat."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per worker (by name); `beat_at` moves forward on every loop of that worker."""

    name = models.CharField(max_length=100, unique=True)
    beat_at = models.DateTimeField()

    class Meta:
        verbose_name = _("ワーカーの稼働記録")
        verbose_name_plural = _("ワーカーの稼働記録")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%Y-%m-%d %H:%M:%S}"
