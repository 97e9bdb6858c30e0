"""Writes to the outbox: enqueue, cancel, resend, record what the provider reports, opt-out.

Every function here is a short transaction and never talks to the network; sending is the
dispatcher's job (dispatcher.py), outside any transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import secrets
from contextvars import ContextVar

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from literacy.core.errors import InvalidStateChange
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_open
from literacy.notifications.models import DeliveryEvent, Message
from literacy.notifications.policy import allowed_from

logger = logging.getLogger(__name__)

# Twilio statuses → our states. SMS: queued/accepted/sending/sent/delivered/undelivered/failed/
# read; calls: queued/initiated/ringing/in-progress/completed/busy/no-answer/canceled/failed.
PROVIDER_STATUS = {
    "accepted": Message.State.SENT,
    "scheduled": Message.State.SENT,
    "queued": Message.State.SENT,
    "sending": Message.State.SENT,
    "sent": Message.State.SENT,
    "initiated": Message.State.SENT,
    "ringing": Message.State.SENT,
    "in-progress": Message.State.SENT,
    "delivered": Message.State.DELIVERED,
    "read": Message.State.DELIVERED,
    "completed": Message.State.DELIVERED,
    "undelivered": Message.State.UNDELIVERED,
    "busy": Message.State.UNDELIVERED,
    "no-answer": Message.State.UNDELIVERED,
    "canceled": Message.State.FAILED,
    "failed": Message.State.FAILED,
}
CALL_NOT_ANSWERED = {"busy", "no-answer", "failed", "canceled"}
RELATIONS = ("municipality", "learner", "volunteer", "booking", "lesson", "offer", "fallback_of")


# The rows a trigger is writing (see outbox_batch), or None outside one.
_batch: ContextVar[dict[str, Message] | None] = ContextVar("outbox_batch", default=None)


@contextlib.contextmanager
def outbox_batch():
    """Write the messages enqueued inside the block with one INSERT when it ends.

    A change that tells several people (a booking: the learner's confirmation and reminders, the
    volunteer's text and invite) then costs one statement instead of a look-up, an insert and two
    savepoints per message. Idempotency stays with the database: a key that is already there is
    skipped (ON CONFLICT DO NOTHING), as message_enqueue returns the row already written, and the
    first of two rows with the same key in one batch wins. Inside the block message_enqueue
    returns the unsaved row. Nested blocks write with the outermost; an error discards the rows
    (the transaction they belong to is rolling back).
    """
    if _batch.get() is not None:
        yield
        return
    rows: dict[str, Message] = {}
    token = _batch.set(rows)
    try:
        yield
    finally:
        _batch.reset(token)
    if rows:
        Message.objects.bulk_create(rows.values(), ignore_conflicts=True)


def message_enqueue(
    *,
    municipality,
    channel: str,
    kind: str,
    to: str,
    body: str,
    idempotency_key: str,
    send_after: dt.datetime | None = None,
    not_after: dt.datetime | None = None,
    subject: str = "",
    payload: dict | None = None,
    learner=None,
    volunteer=None,
    booking=None,
    lesson=None,
    offer=None,
    lesson_sequence: int | None = None,
    fallback_of: Message | None = None,
) -> Message:
    """Write one outbox row. The same idempotency key returns the row already written.
    Inside outbox_batch the row is written when the batch ends (and returned unsaved)."""
    batch = _batch.get()
    if batch is None:
        existing = Message.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
    message = Message(
        municipality=municipality, channel=channel, kind=kind, to=to, body=body,
        idempotency_key=idempotency_key, send_after=send_after or timezone.now(), not_after=not_after,
        subject=subject, payload=payload or {}, learner=learner, volunteer=volunteer, booking=booking,
        lesson=lesson, offer=offer, lesson_sequence=lesson_sequence, fallback_of=fallback_of,
    )
    # The related rows were handed in as loaded instances and the key was looked up just above:
    # full_clean checks the values, and the database (foreign keys, the unique key, handled
    # below) has the last word, so no query per relation and none for the key again.
    message.full_clean(exclude=["provider_id", *RELATIONS], validate_unique=False, validate_constraints=False)
    if batch is not None:
        return batch.setdefault(idempotency_key, message)
    return _message_insert(message)


def _message_insert(message: Message) -> Message:
    # Its own savepoint (or transaction): a duplicate key must not undo the caller's work.
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        # A concurrent writer used the same key first: theirs is the message.
        return Message.objects.get(idempotency_key=message.idempotency_key)
    return message


@transaction.atomic
def messages_cancel(*, messages, reason: str) -> int:
    """Cancel rows that have not gone yet, those a worker holds included: a worker sending a batch
    looks again every second and leaves them out. Rows already with a provider stay."""
    return messages.filter(state__in=(Message.State.PENDING, Message.State.SENDING)).update(
        state=Message.State.CANCELLED, error_message=reason[:500], lease_until=None, updated_at=timezone.now(),
    )


@transaction.atomic
def message_cancel_for_booking(*, booking, reason: str, keep_kinds=(Message.Kind.LEARNER_CANCELLED,)) -> int:
    """The booking is gone or changed: its pending reminders and confirmations never leave."""
    return messages_cancel(
        messages=Message.objects.filter(booking=booking).exclude(kind__in=keep_kinds), reason=reason
    )


@transaction.atomic
def message_skip_told_in_person(*, booking, kind: str, reason: str) -> int:
    """The learner was just told (on the call, in the SMS reply): the queued notice is redundant."""
    return Message.objects.filter(booking=booking, kind=kind, state=Message.State.PENDING).update(
        state=Message.State.SKIPPED, error_code="told_live", error_message=reason[:500],
        updated_at=timezone.now(),
    )


@transaction.atomic
def message_resend(*, message: Message, requested_by=None) -> Message:
    """A coordinator sends a failed or expired message again, as a new row (history stays)."""
    if not message.is_final and message.state != Message.State.SENT:
        raise InvalidStateChange()
    now = timezone.now()
    if message.not_after and message.not_after <= now:
        raise InvalidStateChange(_("このお知らせは期限を過ぎているため、再送できません。"))
    copy = message_enqueue(
        municipality=message.municipality, channel=message.channel, kind=message.kind, to=message.to,
        body=message.body, subject=message.subject, payload={
            **message.payload, "resend_of": message.pk,
            "resent_by": getattr(requested_by, "pk", None),
        },
        idempotency_key=f"{message.idempotency_key}:resend:{secrets.token_hex(4)}",
        send_after=now, not_after=message.not_after, learner=message.learner,
        volunteer=message.volunteer, booking=message.booking, lesson=message.lesson, offer=message.offer,
        lesson_sequence=message.lesson_sequence,
    )
    logger.info("message %s resent as %s by %s", message.pk, copy.pk, requested_by)
    return copy


@transaction.atomic
def message_status_record(*, provider_id: str, status: str, error_code: str = "", raw: dict) -> bool:
    """Apply one provider callback. Duplicates are ignored; a final state never moves back.

    Returns False for a duplicate. A callback that arrives before the worker recorded the
    provider id is kept (message=None) and applied when the id is recorded.
    """
    status = (status or "").lower()
    message = Message.objects.select_for_update().filter(provider_id=provider_id).first()
    try:
        with transaction.atomic():
            event = DeliveryEvent.objects.create(
                message=message, provider_id=provider_id, status=status, error_code=error_code or "", raw=raw,
            )
    except IntegrityError:
        return False
    if message is not None:
        _apply_event(message, event)
    return True


def _apply_event(message: Message, event: DeliveryEvent) -> None:
    new_state = PROVIDER_STATUS.get(event.status)
    if new_state is None:
        return
    current_rank = Message.STATE_RANK.get(message.state)
    # Cancelled, expired and skipped rows never reach a provider; a stray callback changes nothing.
    if current_rank is None or Message.STATE_RANK[new_state] <= current_rank:
        return
    message.state = new_state
    if event.error_code:
        message.error_code = event.error_code
    message.save(update_fields=["state", "error_code", "updated_at"])
    if message.channel == Message.Channel.VOICE and event.status in CALL_NOT_ANSWERED:
        _call_not_answered(message)
    elif new_state in (Message.State.UNDELIVERED, Message.State.FAILED) and message.for_learner:
        followup_reminders_failed(message=message, detail=_("配信されませんでした（%(code)s）") % {
            "code": event.error_code or event.status,
        })


def apply_early_events(message: Message) -> None:
    """Callbacks that beat the worker's own record of the provider id (they do arrive first)."""
    for event in DeliveryEvent.objects.filter(provider_id=message.provider_id, message__isnull=True).order_by("id"):
        event.message = message
        event.save(update_fields=["message"])
        _apply_event(message, event)


def delivery_events_attach_late() -> int:
    """Apply callbacks still stored without their message although a worker has since recorded its
    provider id. The worker applies early callbacks itself when it records the id; but one that
    committed between its own look-up and the worker's record is seen by neither side (READ
    COMMITTED), and would leave a failed text or an unanswered call looking sent. Returns how many
    messages were brought up to date."""
    waiting = Message.objects.filter(
        provider_id__in=DeliveryEvent.objects.filter(message__isnull=True).values("provider_id")
    ).values_list("pk", flat=True)
    updated = 0
    for message_id in list(waiting):
        with transaction.atomic():
            apply_early_events(Message.objects.select_for_update().get(pk=message_id))
        updated += 1
    return updated


# A reminder call nobody answered is tried once more, this long after.
CALL_RETRY_AFTER = dt.timedelta(hours=2)
CALL_ROUNDS = 2


def _call_not_answered(message: Message) -> None:
    round_ = int(message.payload.get("round", 1))
    # Never a call in quiet hours; one that could only come after `not_after` is a person's job now.
    retry_at = allowed_from(message, timezone.now() + CALL_RETRY_AFTER)
    still_useful = message.not_after is None or retry_at < message.not_after
    booking_stands = message.booking is None or message.booking.is_active
    if round_ < CALL_ROUNDS and still_useful and booking_stands:
        message_enqueue(
            municipality=message.municipality, channel=message.channel, kind=message.kind, to=message.to,
            body=message.body, payload={**message.payload, "round": round_ + 1},
            idempotency_key=f"{message.idempotency_key}:round{round_ + 1}", send_after=retry_at,
            not_after=message.not_after, learner=message.learner, booking=message.booking,
            lesson=message.lesson, lesson_sequence=message.lesson_sequence, fallback_of=message,
        )
    elif booking_stands and message.learner_id:
        followup_reminders_failed(message=message, detail=_("お知らせの電話に%(rounds)s回とも出られませんでした。") % {
            "rounds": round_,
        })


def followup_reminders_failed(*, message: Message, detail: str):
    """Put the learner in the coordinators' queue: nobody is left behind by a failed reminder."""
    if message.learner_id is None:
        return None
    subject = {"booking_id": message.booking_id} if message.booking_id else {}
    return followup_open(
        municipality=message.municipality, kind=FollowUp.Kind.REMINDERS_FAILED, learner_id=message.learner_id,
        detail=f"{message.get_kind_display()} → {message.to}: {detail}", **subject,
    )


@transaction.atomic
def learner_sms_opt_out(*, learner) -> None:
    """Opt-out lives in our database, not only at the carrier (two-way SMS is unreliable in Japan)."""
    type(learner).objects.filter(pk=learner.pk, sms_opted_out_at__isnull=True).update(
        sms_opted_out_at=timezone.now()
    )
    learner.refresh_from_db(fields=["sms_opted_out_at"])
    messages_cancel(
        # Their own number's texts: a family member's reminder about them is the family member's to stop.
        messages=Message.objects.filter(learner=learner, to=learner.phone, channel=Message.Channel.SMS),
        reason=_("ショートメールの停止を希望されました"),
    )


@transaction.atomic
def learner_sms_opt_in(*, learner) -> None:
    type(learner).objects.filter(pk=learner.pk).update(sms_opted_out_at=None)
    learner.refresh_from_db(fields=["sms_opted_out_at"])
