"""The state of a call on the voice line, kept on the server and keyed by Twilio's CallSid."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from literacy.core.models import TimeStampedModel


class CallSession(TimeStampedModel):
    """One call to the voice line: where the caller is in the menus and what they chose so far.

    Twilio sends no cookies we could trust, so every webhook looks its call up here by CallSid.
    """

    call_sid = models.CharField(max_length=64, unique=True)
    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="call_sessions"
    )
    from_number = models.CharField(_("発信者番号"), max_length=32, blank=True)
    # Whose calls this one counts with: the caller's E.164 number, or "withheld" for every call
    # without a usable number (非通知, foreign-looking), which share one bucket.
    caller_key = models.CharField(max_length=32, blank=True, default="")
    learner = models.ForeignKey(
        "people.Learner", null=True, blank=True, on_delete=models.SET_NULL, related_name="call_sessions"
    )
    step = models.CharField(max_length=32, default="menu")
    # Wrong keys or silences in a row at the current step; at the limit the call goes to a person.
    tries = models.PositiveSmallIntegerField(default=0)
    # What the caller chose and what was read to them: topic/district ids, offered slots, bookings.
    data = models.JSONField(default=dict, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("自動音声の通話")
        verbose_name_plural = _("自動音声の通話")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["municipality", "created_at"]),
            models.Index(fields=["caller_key", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.call_sid} ({self.step})"
