"""The dispatcher: claim due outbox rows, re-check them, send outside any transaction, record.

Claiming uses SELECT … FOR UPDATE SKIP LOCKED and a lease: concurrent workers never take the
same row, and a worker that dies after claiming leaves its rows to be taken again once the lease
runs out. Before sending, a row is re-checked under its lock: a cancelled booking, a changed
lesson, an opted-out learner or a closed offer means it is skipped; quiet hours defer it; a
passed `not_after` expires it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import uuid
from collections import Counter
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from literacy.notifications import compose, quiet_hours
from literacy.notifications.models import DeliveryEvent, Message
from literacy.notifications.providers import (
    PermanentSendError,
    Provider,
    SendResult,
    TransientSendError,
    sms_voice_provider,
)
from literacy.notifications.providers.email import send_email
from literacy.notifications.services import apply_early_events, followup_reminders_failed
from literacy.people.models import Learner

logger = logging.getLogger(__name__)

# Long enough for a slow provider call (10 s timeout) many times over; short enough that a
# crashed worker's reminders still leave within minutes.
LEASE = dt.timedelta(minutes=2)
MAX_ATTEMPTS = 6
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_CAP = dt.timedelta(minutes=30)
# Twilio error codes that say "this number cannot take SMS": try a call instead.
SMS_TO_VOICE_FALLBACK = {"21614", "21612", "21408"}
# The recipient unsubscribed at the carrier: record it, as if they had sent 停止 to us.
CARRIER_OPT_OUT = {"21610"}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min, … capped at 30 min."""
    return min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(0, attempts - 1)))


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))
        return f"claimed {self.claimed}" + (f": {parts}" if parts else "")


@transaction.atomic
def claim_due(*, worker: str, batch: int = 100, lease: dt.timedelta = LEASE) -> list[int]:
    """Take up to `batch` due rows for this worker; rows locked by another worker are skipped."""
    now = timezone.now()
    ids = list(
        Message.objects.due(now).order_by("send_after", "id")
        .select_for_update(skip_locked=True).values_list("id", flat=True)[:batch]
    )
    if ids:
        Message.objects.filter(id__in=ids).update(
            state=Message.State.SENDING, lease_until=now + lease, leased_by=worker, updated_at=now,
        )
    return ids


def dispatch_due(
    *, batch: int = 100, worker: str | None = None, provider: Provider | None = None,
    lease: dt.timedelta = LEASE,
) -> DispatchReport:
    """Claim what is due and deliver it. Safe to run on many workers at once."""
    worker = worker or worker_name()
    report = DispatchReport()
    ids = claim_due(worker=worker, batch=batch, lease=lease)
    report.claimed = len(ids)
    lazy = _LazyProvider(provider)
    for message_id in ids:
        report.outcomes[deliver(message_id=message_id, worker=worker, provider=lazy, lease=lease)] += 1
    return report


class _LazyProvider:
    """Build the SMS/voice provider only when a row needs it (an email-only batch never does)."""

    def __init__(self, provider: Provider | None):
        self._provider = provider

    def get(self) -> Provider:
        if self._provider is None:
            self._provider = sms_voice_provider()
        return self._provider


def deliver(*, message_id: int, worker: str, provider, lease: dt.timedelta = LEASE) -> str:
    """Re-check, send and record one claimed row. Returns what happened, for the report."""
    message, outcome = _prepare(message_id=message_id, worker=worker, lease=lease)
    if message is None:
        return outcome
    # The network call: deliberately outside any transaction, so no lock is held while waiting.
    try:
        result = _send(message, provider)
    except TransientSendError as exc:
        return _record_transient(message, worker, exc)
    except PermanentSendError as exc:
        return _record_permanent(message, worker, exc)
    except Exception as exc:  # a bug must not lose the row: it is retried, then fails visibly
        logger.exception("sending message %s failed unexpectedly", message.pk)
        return _record_transient(message, worker, TransientSendError("internal", repr(exc)))
    return _record_sent(message, worker, result)


def _send(message: Message, provider) -> SendResult:
    if message.channel == Message.Channel.EMAIL:
        return send_email(message)
    if message.channel == Message.Channel.SMS:
        return provider.get().send_sms(message)
    return provider.get().start_call(message)


@transaction.atomic
def _prepare(*, message_id: int, worker: str, lease: dt.timedelta) -> tuple[Message | None, str]:
    now = timezone.now()
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("municipality", "learner", "booking", "lesson", "offer")
        .filter(pk=message_id).first()
    )
    if message is None or message.state != Message.State.SENDING or message.leased_by != worker:
        # Our lease ran out and another worker has it (or it was cancelled meanwhile).
        return None, "lost"
    if message.not_after and now >= message.not_after:
        return _finish(message, Message.State.EXPIRED, "expired", _("期限を過ぎました")), "expired"
    reason = still_applies(message)
    if reason:
        return _finish(message, Message.State.SKIPPED, reason[0], reason[1]), "skipped"
    if message.channel in (Message.Channel.SMS, Message.Channel.VOICE):
        later = quiet_hours.next_allowed(now, message.municipality)
        if later is not None:
            if message.not_after and later >= message.not_after:
                return _finish(message, Message.State.EXPIRED, "quiet_hours", _("連絡できる時間帯までに間に合いません")), "expired"
            message.state = Message.State.PENDING
            message.send_after = later
            message.lease_until = None
            message.leased_by = ""
            message.save(update_fields=["state", "send_after", "lease_until", "leased_by", "updated_at"])
            return None, "deferred"
    message.attempts += 1
    message.lease_until = now + lease
    message.save(update_fields=["attempts", "lease_until", "updated_at"])
    return message, "sending"


def still_applies(message: Message) -> tuple[str, str] | None:
    """(code, reason) when the message should no longer go; None when it still should."""
    kind = message.kind
    booking = message.booking
    lesson = message.lesson or (booking.lesson if booking else None)
    if kind in Message.NEEDS_ACTIVE_BOOKING:
        wanted = ("pending",) if kind == Message.Kind.LEARNER_PENDING else ("booked",)
        if booking is None or booking.state not in wanted:
            return "booking_inactive", _("予約がもう有効ではありません")
    if message.lesson_sequence is not None and lesson is not None:
        if not lesson.is_active:
            return "lesson_cancelled", _("レッスンが中止されました")
        if lesson.sequence != message.lesson_sequence:
            return "lesson_changed", _("レッスンの日時・会場が変わりました")
    if kind == Message.Kind.VOLUNTEER_BOOKING_CANCELLED and lesson is not None and not lesson.is_active:
        return "lesson_cancelled", _("レッスン自体が中止されました")
    if kind == Message.Kind.VOLUNTEER_OFFER and (message.offer is None or message.offer.state != "pending"):
        return "offer_closed", _("依頼はすでに締め切られました")
    learner = message.learner
    if learner is not None and message.channel == Message.Channel.SMS and learner.sms_opted_out_at:
        return "opted_out", _("ショートメールの停止を希望されています")
    return None


def _finish(message: Message, state: str, code: str, reason: str) -> None:
    message.state = state
    message.error_code = code
    message.error_message = str(reason)[:500]
    message.lease_until = None
    message.save(update_fields=["state", "error_code", "error_message", "lease_until", "updated_at"])
    return None


def _locked(message: Message, worker: str) -> Message | None:
    """The row again, locked, if this worker still holds it."""
    current = Message.objects.select_for_update().filter(pk=message.pk).first()
    if current is None or current.state != Message.State.SENDING or current.leased_by != worker:
        logger.warning("message %s changed hands while sending (worker %s)", message.pk, worker)
        return None
    return current


@transaction.atomic
def _record_sent(message: Message, worker: str, result: SendResult) -> str:
    now = timezone.now()
    # One conditional UPDATE: it only lands if this worker still holds the row (the hot path).
    updated = Message.objects.filter(pk=message.pk, state=Message.State.SENDING, leased_by=worker).update(
        state=Message.State.SENT, provider_id=result.provider_id, sent_at=now, lease_until=None,
        error_code="", error_message="", updated_at=now,
    )
    if not updated:
        logger.warning("message %s changed hands while sending (worker %s)", message.pk, worker)
        return "lost"
    if result.provider_id and DeliveryEvent.objects.filter(provider_id=result.provider_id, message__isnull=True).exists():
        apply_early_events(Message.objects.select_for_update().get(pk=message.pk))
    return "sent"


@transaction.atomic
def _record_transient(message: Message, worker: str, exc: TransientSendError) -> str:
    current = _locked(message, worker)
    if current is None:
        return "lost"
    retry_at = timezone.now() + backoff(current.attempts)
    current.error_code = exc.code[:20]
    current.error_message = exc.detail
    current.lease_until = None
    if current.attempts >= MAX_ATTEMPTS or (current.not_after and retry_at >= current.not_after):
        current.state = Message.State.FAILED
        current.save(update_fields=["state", "error_code", "error_message", "lease_until", "updated_at"])
        if current.for_learner:
            followup_reminders_failed(message=current, detail=_("%(attempts)s回試みましたが届きませんでした（%(code)s）") % {
                "attempts": current.attempts, "code": exc.code,
            })
        return "failed"
    current.state = Message.State.PENDING
    current.send_after = retry_at
    current.save(update_fields=["state", "send_after", "error_code", "error_message", "lease_until", "updated_at"])
    logger.info("message %s: transient %s, retry at %s", current.pk, exc.code, retry_at)
    return "retry"


@transaction.atomic
def _record_permanent(message: Message, worker: str, exc: PermanentSendError) -> str:
    current = _locked(message, worker)
    if current is None:
        return "lost"
    current.state = Message.State.FAILED
    current.error_code = exc.code[:20]
    current.error_message = exc.detail
    current.lease_until = None
    current.save(update_fields=["state", "error_code", "error_message", "lease_until", "updated_at"])
    learner = current.learner
    if exc.code in CARRIER_OPT_OUT and learner is not None:
        Learner.objects.filter(pk=learner.pk, sms_opted_out_at__isnull=True).update(sms_opted_out_at=timezone.now())
    if exc.code in SMS_TO_VOICE_FALLBACK and current.channel == Message.Channel.SMS and learner is not None:
        # The number is a landline after all: call this time, and call from now on.
        Learner.objects.filter(pk=learner.pk).update(reminder_channel=Learner.ReminderChannel.VOICE)
        if compose.voice_fallback(current) is not None:
            return "fallback"
    if current.for_learner:
        followup_reminders_failed(message=current, detail=_("送信できませんでした（%(code)s: %(detail)s）") % {
            "code": exc.code, "detail": exc.detail,
        })
    return "failed"
