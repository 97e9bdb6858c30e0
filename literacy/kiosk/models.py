"""Kiosk devices: registered touch screens, each tied to a venue, with a revocable key."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def hash_secret(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_device_key() -> str:
    return secrets.token_urlsafe(32)


class KioskDevice(models.Model):
    class State(models.TextChoices):
        WAITING = "waiting", _("登録コード待ち")
        CODE_EXPIRED = "code_expired", _("コードの期限切れ")
        ACTIVE = "active", _("使用中")
        REVOKED = "revoked", _("停止")

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="kiosks"
    )
    venue = models.ForeignKey("places.Venue", on_delete=models.CASCADE, related_name="kiosks")
    name = models.CharField(max_length=100)
    # Only hashes are stored: the activation code is shown once, the key lives on the device.
    activation_code_hash = models.CharField(max_length=64, blank=True)
    activation_expires_at = models.DateTimeField(null=True, blank=True)
    key_hash = models.CharField(max_length=64, blank=True, db_index=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Who switched it off, for the coordinators' list ("who turned off the library's kiosk?").
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("キオスク端末")
        verbose_name_plural = _("キオスク端末")
        ordering = ["municipality", "venue", "name"]

    def __str__(self) -> str:
        return f"{self.venue} / {self.name}"

    @property
    def is_active(self) -> bool:
        return self.activated_at is not None and self.revoked_at is None

    @property
    def state(self) -> "KioskDevice.State":
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.activated_at is not None:
            return self.State.ACTIVE
        if self.activation_expires_at is not None and self.activation_expires_at > timezone.now():
            return self.State.WAITING
        return self.State.CODE_EXPIRED
