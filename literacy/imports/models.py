"""An uploaded roster waiting for the coordinator's confirmation, and the record of what it did."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportBatch(models.Model):
    """One upload: previewed first (nothing written), then applied once on confirmation.

    The file's bytes are kept only until it is applied or abandoned (they may hold residents'
    names and phone numbers); the report of what was done stays as the audit trail.
    """

    class State(models.TextChoices):
        PREVIEWED = "previewed", _("確認待ち")
        APPLIED = "applied", _("取り込み済み")
        DISCARDED = "discarded", _("取り消し")

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="import_batches"
    )
    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=255, blank=True)
    content = models.BinaryField(blank=True)
    sha256 = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PREVIEWED)
    report = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("一括取り込み")
        verbose_name_plural = _("一括取り込み")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["municipality", "state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind}: {self.filename}"
