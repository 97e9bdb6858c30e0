"""The outbox: every SMS, voice call and email as a row, plus what Twilio reports back."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageQuerySet(models.QuerySet):
    def due(self, now):
        """Pending rows whose time has come, and rows whose worker's lease ran out."""
        return self.filter(
            Q(state=Message.State.PENDING, send_after__lte=now)
            | Q(state=Message.State.SENDING, lease_until__lt=now)
        )


class Message(models.Model):
    class Kind(models.TextChoices):
        LEARNER_CONFIRMATION = "learner_confirmation", _("予約確定のお知らせ")
        LEARNER_PENDING = "learner_pending", _("予約受付（確認待ち）のお知らせ")
        LEARNER_REMINDER_DAY_BEFORE = "learner_reminder_day_before", _("前日のお知らせ")
        LEARNER_REMINDER_MORNING = "learner_reminder_morning", _("当日朝のお知らせ")
        LEARNER_CHANGED = "learner_changed", _("日時変更のお知らせ")
        LEARNER_CANCELLED = "learner_cancelled", _("キャンセルのお知らせ")
        VOLUNTEER_OFFER = "volunteer_offer", _("ボランティアへの依頼")
        VOLUNTEER_CONFIRMATION = "volunteer_confirmation", _("ボランティアへの確定連絡")
        VOLUNTEER_INVITE = "volunteer_invite", _("カレンダー招待")
        VOLUNTEER_INVITE_CANCEL = "volunteer_invite_cancel", _("カレンダー招待の取り消し")
        VOLUNTEER_CHANGED = "volunteer_changed", _("ボランティアへの変更連絡")
        VOLUNTEER_CANCELLED = "volunteer_cancelled", _("ボランティアへの中止連絡")
        VOLUNTEER_BOOKING_CANCELLED = "volunteer_booking_cancelled", _("受講者キャンセルの連絡")
        COORDINATOR_ALERT = "coordinator_alert", _("担当者への通知")
        VOLUNTEER_PHONE_CHECK = "volunteer_phone_check", _("電話番号の確認コード")

    # Messages that only make sense while their booking still stands (re-checked before sending).
    NEEDS_ACTIVE_BOOKING = (Kind.LEARNER_CONFIRMATION, Kind.LEARNER_PENDING,
                            Kind.LEARNER_REMINDER_DAY_BEFORE, Kind.LEARNER_REMINDER_MORNING,
                            Kind.LEARNER_CHANGED)
    REMINDER_KINDS = (Kind.LEARNER_REMINDER_DAY_BEFORE, Kind.LEARNER_REMINDER_MORNING)

    class Channel(models.TextChoices):
        SMS = "sms", _("ショートメール")
        VOICE = "voice", _("電話")
        EMAIL = "email", _("メール")

    class State(models.TextChoices):
        PENDING = "pending", _("送信待ち")
        SENDING = "sending", _("送信中")
        SENT = "sent", _("送信済み")
        DELIVERED = "delivered", _("配信済み")
        UNDELIVERED = "undelivered", _("未配信")
        FAILED = "failed", _("失敗")
        CANCELLED = "cancelled", _("取り消し")
        EXPIRED = "expired", _("期限切れ")
        SKIPPED = "skipped", _("送信不要")

    FINAL_STATES = (State.DELIVERED, State.UNDELIVERED, State.FAILED, State.CANCELLED,
                    State.EXPIRED, State.SKIPPED)
    # Order in which provider callbacks may move a sent message; a lower rank never wins.
    STATE_RANK = {State.PENDING: 0, State.SENDING: 1, State.SENT: 2, State.DELIVERED: 3,
                  State.UNDELIVERED: 3, State.FAILED: 3}

    municipality = models.ForeignKey(
        "places.Municipality", on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=40, choices=Kind.choices)
    to = models.CharField(max_length=254, help_text=_("E.164 の電話番号またはメールアドレス"))
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    # Extra material for the provider: an ICS attachment, TwiML parameters.
    payload = models.JSONField(default=dict, blank=True)
    learner = models.ForeignKey(
        "people.Learner", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    volunteer = models.ForeignKey(
        "people.Volunteer", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    booking = models.ForeignKey(
        "scheduling.Booking", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    lesson = models.ForeignKey(
        "scheduling.Lesson", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    offer = models.ForeignKey(
        "scheduling.Offer", null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    # The lesson's sequence when the message was written: a reminder for a lesson that has
    # changed since is stale and is skipped.
    lesson_sequence = models.PositiveIntegerField(null=True, blank=True)
    send_after = models.DateTimeField()
    not_after = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_until = models.DateTimeField(null=True, blank=True)
    leased_by = models.CharField(max_length=64, blank=True)
    provider_id = models.CharField(max_length=64, null=True, blank=True, unique=True)
    error_code = models.CharField(max_length=20, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=120, unique=True)
    fallback_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="fallbacks"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("送信メッセージ")
        verbose_name_plural = _("送信メッセージ")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["state", "send_after"]),
            models.Index(fields=["state", "lease_until"]),
            models.Index(fields=["municipality", "state", "created_at"]),
            models.Index(fields=["booking", "state"]),
            # Daily SMS caps (notifications.sending_limits) count today's sends per number and city.
            models.Index(fields=["to", "sent_at"], name="message_to_sent_at"),
            models.Index(fields=["municipality", "sent_at"], name="message_city_sent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.kind} → {self.to} ({self.state})"

    @property
    def is_final(self) -> bool:
        return self.state in self.FINAL_STATES

    @property
    def for_learner(self) -> bool:
        return self.learner_id is not None and self.channel in (self.Channel.SMS, self.Channel.VOICE)


class DeliveryEvent(models.Model):
    """A status callback from the provider. (message id, status) is unique: callbacks repeat."""

    message = models.ForeignKey(Message, null=True, on_delete=models.CASCADE, related_name="events")
    provider_id = models.CharField(max_length=64)
    status = models.CharField(max_length=20)
    error_code = models.CharField(max_length=20, blank=True)
    raw = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("配信状況")
        verbose_name_plural = _("配信状況")
        ordering = ["received_at"]
        constraints = [
            models.UniqueConstraint(fields=["provider_id", "status"], name="delivery_event_unique"),
        ]
        indexes = [
            # The few callbacks still waiting for their message (delivery_events_attach_late).
            models.Index(fields=["provider_id"], condition=models.Q(message__isnull=True),
                         name="delivery_event_unmatched"),
        ]


class InboundMessage(models.Model):
    """An SMS or keypress that came in, and what we did with it."""

    municipality = models.ForeignKey(
        "places.Municipality", null=True, on_delete=models.CASCADE, related_name="inbound_messages"
    )
    channel = models.CharField(max_length=8)
    provider_id = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=20)
    body = models.TextField(blank=True)
    learner = models.ForeignKey("people.Learner", null=True, on_delete=models.SET_NULL, related_name="+")
    booking = models.ForeignKey("scheduling.Booking", null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=30, blank=True)
    # The outbound message a keypress answered (a voice reminder), if any.
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="responses"
    )
    reply = models.TextField(blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("受信メッセージ")
        verbose_name_plural = _("受信メッセージ")
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["from_number", "received_at"])]
