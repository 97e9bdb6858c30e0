"""The coordinators' queue: every case a person must act on, open until closed with an outcome."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FollowUp(models.Model):
    class Kind(models.TextChoices):
        UNMATCHED_REQUEST = "unmatched_request", _("期限までにボランティアが決まらない依頼")
        CALL_BACK = "call_back", _("折り返し電話が必要な方")
        REMINDERS_FAILED = "reminders_failed", _("お知らせが届かなかった方")
        NO_SHOW = "no_show", _("欠席された方")
        VOICEMAIL = "voicemail", _("留守番電話のメッセージ")
        VOLUNTEER_APPROVAL = "volunteer_approval", _("承認待ちのボランティア")
        POSSIBLE_TEACHER = "possible_teacher", _("教える側になれそうな方")
        LESSON_FOLLOW_UP = "lesson_follow_up", _("レッスン後のフォロー")
        KIOSK_LIMIT = "kiosk_limit", _("予約が多すぎるキオスク端末")
        CALL_LIMIT = "call_limit", _("自動音声に電話が多すぎる番号")

    class State(models.TextChoices):
        OPEN = "open", _("対応待ち")
        CLOSED = "closed", _("対応済み")

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="follow_ups"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.OPEN)
    learner = models.ForeignKey(
        "people.Learner", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    volunteer = models.ForeignKey(
        "people.Volunteer", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    help_request = models.ForeignKey(
        "scheduling.HelpRequest", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    booking = models.ForeignKey(
        "scheduling.Booking", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    kiosk_device = models.ForeignKey(
        "kiosk.KioskDevice", null=True, blank=True, on_delete=models.CASCADE, related_name="follow_ups"
    )
    caller_phone = models.CharField(max_length=20, blank=True)
    recording_url = models.URLField(blank=True)
    detail = models.TextField(blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(_("対応結果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("対応が必要な案件")
        verbose_name_plural = _("対応が必要な案件")
        ordering = ["opened_at"]
        indexes = [models.Index(fields=["municipality", "state", "opened_at"])]
        constraints = [
            # A case is opened once: re-escalating the same request does not duplicate it.
            models.UniqueConstraint(
                fields=["kind", "help_request"], condition=Q(state="open", help_request__isnull=False),
                name="followup_open_once_per_request",
            ),
            models.UniqueConstraint(
                fields=["kind", "booking"], condition=Q(state="open", booking__isnull=False),
                name="followup_open_once_per_booking",
            ),
            models.UniqueConstraint(
                fields=["kind", "learner"],
                condition=Q(state="open", learner__isnull=False, help_request__isnull=True, booking__isnull=True),
                name="followup_open_once_per_learner",
            ),
            models.UniqueConstraint(
                fields=["kind", "volunteer"], condition=Q(state="open", volunteer__isnull=False),
                name="followup_open_once_per_volunteer",
            ),
            # A kiosk over its booking limit alerts once, however long the flood goes on.
            models.UniqueConstraint(
                fields=["kind", "kiosk_device"], condition=Q(state="open", kiosk_device__isnull=False),
                name="followup_open_once_per_kiosk",
            ),
            # A number over the voice line's call limit alerts once, however long it keeps calling;
            # the withheld bucket (no number: caller_phone "") alerts once per municipality.
            models.UniqueConstraint(
                fields=["municipality", "caller_phone"], condition=Q(state="open", kind="call_limit"),
                name="followup_open_once_per_calling_number",
            ),
            models.CheckConstraint(
                condition=Q(state="open") | (Q(closed_at__isnull=False) & ~Q(outcome="")),
                name="followup_closed_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_state_display()})"


class FollowUpAction(models.Model):
    """What a coordinator did: a call and its outcome, a note, an assignment."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="actions")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(max_length=20)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.note[:40]}"
