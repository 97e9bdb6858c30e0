"""The audit log: who viewed, exported or erased learners' personal data, and from where."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """One look at, export (CSV, a learner's JSON) or erasure of personal data. Written by
    coverage.services.audit_record only."""

    class Action(models.TextChoices):
        VIEW = "view", _("閲覧")
        EXPORT = "export", _("出力")
        ERASE = "erase", _("消去")

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="audit_events"
    )
    # Kept when the account is deleted: the trail must outlive the person who left it.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=8, choices=Action.choices)
    object_type = models.CharField(max_length=40)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("閲覧・出力の記録")
        verbose_name_plural = _("閲覧・出力の記録")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["municipality", "-at"]),
            models.Index(fields=["object_type", "object_id"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_email} {self.action} {self.object_type}:{self.object_id}"
