"""What a learner's reply does: inbound SMS commands and keypresses on a reminder call.

Each reply is recorded once (InboundMessage, unique on Twilio's id) with the action taken, so a
webhook that Twilio retries does not cancel or confirm twice. Cancelling goes through the
scheduling service, which frees the seat, moves the waitlist up and tells the volunteer.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from literacy.core.errors import DomainError
from literacy.notifications import texts, triggers
from literacy.notifications.models import InboundMessage, Message
from literacy.notifications.sending_limits import number_forms, sms_refusal, sms_sent_today, tokyo_day
from literacy.notifications.services import (
    learner_sms_opt_in,
    message_skip_told_in_person,
)
from literacy.people.models import Learner
from literacy.places.models import Municipality
from literacy.scheduling.models import Booking
from literacy.scheduling.services import booking_cancel, booking_confirm_by_learner
from literacy.telephony.voice_selectors import municipality_for_called_number

CONFIRM_WORDS = {"1", "はい", "yes", "ok", "了解", "りょうかい"}
CANCEL_WORDS = {"2", "キャンセル", "きゃんせる", "cancel", "取消", "取り消し"}
STOP_WORDS = {"停止", "ていし", "stop", "配信停止", "stopall", "unsubscribe"}
START_WORDS = {"開始", "かいし", "start", "再開", "unstop"}

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
OPTED_OUT = "opted_out"
OPTED_IN = "opted_in"
HELP = "help"
NO_BOOKING = "no_booking"
REPEAT = "repeat"


@dataclass(frozen=True)
class Reply:
    action: str
    text: str


def normalise(body: str) -> str:
    return unicodedata.normalize("NFKC", body or "").strip().lower()


def command_of(text: str) -> str | None:
    first = re.split(r"[\s、,。.]+", text, maxsplit=1)[0] if text else ""
    for words, command in ((STOP_WORDS, OPTED_OUT), (START_WORDS, OPTED_IN),
                           (CONFIRM_WORDS, CONFIRMED), (CANCEL_WORDS, CANCELLED)):
        if first in words or text in words:
            return command
    return None


def upcoming_bookings(learners) -> list[Booking]:
    return list(
        Booking.objects.filter(
            learner__in=learners, state=Booking.State.BOOKED, lesson__starts_at__gt=timezone.now(),
        ).select_related("lesson", "lesson__venue", "lesson__topic", "learner", "municipality")
        .order_by("lesson__starts_at")
    )


def booking_named_in(text: str, bookings: list[Booking]) -> Booking | None:
    """A learner with several bookings names one by its code ("2 123456")."""
    compact = re.sub(r"[\s\-ー]", "", text).upper()
    named = [b for b in bookings if b.code.upper() in compact[1:] or compact == b.code.upper()]
    return named[0] if len(named) == 1 else None


def reply_text(template: str, municipality: Municipality | None, *, booking: Booking | None = None,
               language: str = "ja") -> str:
    if municipality is None:
        return ""  # no program is set up yet: nothing to say on its behalf
    context = texts.booking_context(booking) if booking else {}
    context.update(program=municipality.program_name, phone=texts.display_phone(municipality.program_phone))
    return texts.render_sms(f"notifications/sms/{template}.txt", context, zone=municipality.zone, language=language)


@transaction.atomic
def sms_inbound_receive(*, provider_id: str, from_number: str, body: str, to_number: str = "") -> InboundMessage:
    """Handle one inbound SMS; a repeated delivery of the same SMS returns the first result.

    The number texted (To) says which city's program it is for: with several cities on one
    server, the same senior may be known to two of them, and a reply speaks for one."""
    existing = InboundMessage.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return existing
    program = municipality_for_called_number(to_number) if to_number else None
    known = Learner.objects.filter(phone=from_number).select_related("municipality")
    learners = list(known.filter(municipality=program) if program else known)
    municipality = program or (learners[0].municipality if learners else None)
    inbound = _claim(InboundMessage(
        municipality=municipality, channel=Message.Channel.SMS, provider_id=provider_id,
        from_number=from_number[:20], body=body, learner=learners[0] if learners else None,
    ))
    if inbound.action:
        return inbound
    language = learners[0].language if learners else "ja"
    text = normalise(body)
    command = command_of(text)
    booking = None
    if command == OPTED_OUT:
        for learner in learners:
            triggers.learner_stopped_texts(learner=learner)
        reply = Reply(OPTED_OUT, reply_text("reply_opted_out", municipality, language=language))
    elif command == OPTED_IN:
        for learner in learners:
            learner_sms_opt_in(learner=learner)
        reply = Reply(OPTED_IN, reply_text("reply_opted_in", municipality, language=language))
    elif command in (CONFIRMED, CANCELLED):
        bookings = upcoming_bookings(learners)
        booking = bookings[0] if len(bookings) == 1 else booking_named_in(text, bookings)
        if not bookings:
            reply = Reply(NO_BOOKING, reply_text("reply_no_booking", municipality, language=language))
        elif booking is None:
            reply = Reply(HELP, reply_text("reply_help", municipality, language=language))
        else:
            reply = _act_on_booking(command, booking)
    else:
        reply = Reply(HELP, reply_text("reply_help", municipality, language=language))
    if booking is not None:
        inbound.booking = booking
        inbound.learner = booking.learner
        inbound.municipality = booking.municipality
    inbound.action = reply.action
    # The reply is a text on the city's bill like any other: no SMS pumping through replies.
    inbound.reply = reply.text if may_reply(to=from_number, municipality=inbound.municipality) else ""
    inbound.save()
    return inbound


def may_reply(*, to: str, municipality: Municipality | None) -> bool:
    """Whether an inbound text may be answered: the number is one the municipality knows (a
    learner, a family proxy, a volunteer) and has not had its day's texts, replies included."""
    if municipality is None:
        return False
    if not settings.SMS_LIMITS_ENABLED:
        return True
    now = timezone.now()
    if sms_refusal(to=to, municipality=municipality, now=now) is not None:
        return False
    start, _end = tokyo_day(now)
    replied = (
        InboundMessage.objects.filter(channel=Message.Channel.SMS, from_number__in=number_forms(to),
                                      received_at__gte=start).exclude(reply="").count()
    )
    return sms_sent_today(now=now, to=to) + replied < settings.SMS_DAILY_CAP_PER_NUMBER


def _claim(inbound: InboundMessage) -> InboundMessage:
    """Insert the record first: a retried webhook waits on the unique id, then finds it done."""
    try:
        with transaction.atomic():
            inbound.save()
    except IntegrityError:
        return InboundMessage.objects.get(provider_id=inbound.provider_id)
    return inbound


def _act_on_booking(command: str, booking: Booking) -> Reply:
    language = booking.learner.language or "ja"
    municipality = booking.municipality
    try:
        if command == CONFIRMED:
            booking_confirm_by_learner(booking=booking)
            return Reply(CONFIRMED, reply_text("reply_confirmed", municipality, booking=booking, language=language))
        booking_cancel(booking=booking, reason=gettext_lazy("ショートメールの返信でキャンセル"), by_learner=True)
    except DomainError:
        return Reply(NO_BOOKING, reply_text("reply_no_booking", municipality, language=language))
    # The reply itself tells them; the queued "cancelled" notice would say it twice.
    message_skip_told_in_person(booking=booking, kind=Message.Kind.LEARNER_CANCELLED,
                                reason=_("返信でお伝えしました"))
    return Reply(CANCELLED, reply_text("reply_cancelled", municipality, booking=booking, language=language))


@transaction.atomic
def voice_reminder_keypress(*, message: Message, call_sid: str, digits: str) -> str:
    """1 confirms, 2 cancels (through the scheduling service), 3 or anything else repeats."""
    booking = message.booking
    inbound = _claim(InboundMessage(
        municipality=message.municipality, channel=Message.Channel.VOICE, provider_id=f"{call_sid}:{digits}"[:64],
        from_number=message.to[:20], body=digits, learner=message.learner, booking=booking, message=message,
    ))
    if inbound.action:
        return inbound.action
    action = REPEAT
    if booking is not None and booking.state == Booking.State.BOOKED and digits in ("1", "2"):
        try:
            if digits == "1":
                booking_confirm_by_learner(booking=booking)
                action = CONFIRMED
            else:
                booking_cancel(booking=booking, reason=gettext_lazy("お知らせの電話でキャンセル"), by_learner=True)
                message_skip_told_in_person(booking=booking, kind=Message.Kind.LEARNER_CANCELLED,
                                            reason=_("電話でお伝えしました"))
                action = CANCELLED
        except DomainError:
            action = NO_BOOKING
    elif digits in ("1", "2"):
        action = NO_BOOKING
    inbound.action = action
    inbound.save(update_fields=["action"])
    return action
