"""Writes for the voice line: a call's server-side state, and booking, cancelling and voicemail
on the caller's behalf."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from literacy.core.errors import InvalidPhoneNumber, InvalidStateChange, NotFoundError
from literacy.core.phones import parse_phone
from literacy.core.stored_text import in_program_language
from literacy.curriculum.models import Topic
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_open
from literacy.people.models import Channel, Learner
from literacy.people.services import learner_find_or_create
from literacy.places.models import Municipality, Venue
from literacy.scheduling.models import Booking
from literacy.scheduling.services import BookingResult, booking_cancel, booking_create
from literacy.telephony.models import CallSession
from literacy.telephony.voice_selectors import learners_for_caller


def caller_e164(raw: str) -> str | None:
    """The caller's number in E.164, or None for a withheld or foreign-looking number."""
    try:
        return parse_phone(raw).e164
    except InvalidPhoneNumber:
        return None


# The one bucket of every call without a usable number (see call_limits).
WITHHELD = "withheld"


def caller_key_of(from_number: str) -> str:
    """What a call is counted under by the call limits: the E.164 number, or WITHHELD."""
    return caller_e164(from_number) or WITHHELD


@transaction.atomic
def call_session_start(*, call_sid: str, municipality: Municipality, from_number: str) -> CallSession:
    """The session for this call, created on the first webhook. Twilio may repeat a request."""
    session, created = CallSession.objects.get_or_create(
        call_sid=call_sid, defaults={"municipality": municipality, "from_number": from_number[:32],
                                     "caller_key": caller_key_of(from_number)},
    )
    if created:
        phone = caller_e164(from_number)
        if phone:
            session.learner = learners_for_caller(municipality=municipality, phone_e164=phone).first()
            if session.learner:
                session.save(update_fields=["learner", "updated_at"])
    return session


@transaction.atomic
def call_session_move(*, session: CallSession, step: str, **data) -> CallSession:
    """The caller reached a new menu: remember it and what was read, and start counting afresh."""
    session.step = step
    session.tries = 0
    session.data = {**session.data, **data}
    session.save(update_fields=["step", "tries", "data", "updated_at"])
    return session


@transaction.atomic
def call_session_set_learner(*, session: CallSession, learner: Learner | None) -> CallSession:
    """The caller said who they are (a landline may serve a couple); None: someone not yet known."""
    if learner is not None and (learner.municipality_id != session.municipality_id
                                or learner.phone != caller_e164(session.from_number)):
        raise NotFoundError()
    session.learner = learner
    session.save(update_fields=["learner", "updated_at"])
    return session


@transaction.atomic
def call_session_miss(*, session: CallSession) -> int:
    """A silence or a wrong key at the current menu; returns how many in a row."""
    session.tries += 1
    session.save(update_fields=["tries", "updated_at"])
    return session.tries


@transaction.atomic
def call_session_end(*, session: CallSession, now: dt.datetime | None = None) -> CallSession:
    session.ended_at = session.ended_at or now or timezone.now()
    session.save(update_fields=["ended_at", "updated_at"])
    return session


@transaction.atomic
def voice_booking_create(
    *, session: CallSession, topic: Topic, venue: Venue, starts_at: dt.datetime, lesson_id: int | None,
    now: dt.datetime | None = None,
) -> BookingResult:
    """Book for the caller. A caller we do not know yet becomes a learner with no name, flagged
    for a coordinator to call back and complete their details.

    Reminders follow the phone: SMS to a mobile, a voice call to a landline (the outbox sends
    the confirmation through triggers.booking_confirmed / booking_pending).
    Raises InvalidPhoneNumber for a withheld number, and booking_create's conflicts.
    """
    now = now or timezone.now()
    learner = session.learner
    if learner is None:
        learner = learner_find_or_create(
            municipality=session.municipality, phone=session.from_number, name="",
            channel=Channel.VOICE, needs_callback=True, now=now,
        )
        session.learner = learner
        session.save(update_fields=["learner", "updated_at"])
    if learner.needs_callback:
        with in_program_language():
            detail = gettext("自動音声で予約された方です。お名前・地区・お知らせの方法をお電話で確認してください。")
        followup_open(
            municipality=session.municipality, kind=FollowUp.Kind.CALL_BACK, learner=learner, now=now, detail=detail,
        )
    if learner.reminder_channel == Learner.ReminderChannel.SMS and not learner.can_receive_sms:
        learner.reminder_channel = Learner.ReminderChannel.VOICE
        learner.save(update_fields=["reminder_channel", "updated_at"])
    slot_key = f"{venue.pk}:{int(starts_at.timestamp())}:{lesson_id or 0}"
    return booking_create(
        municipality=session.municipality, topic=topic, venue=venue, starts_at=starts_at,
        lesson_id=lesson_id, channel=Channel.VOICE, learner=learner,
        idempotency_key=f"{session.call_sid}:book:{slot_key}"[:80], now=now,
    )


@transaction.atomic
def voice_booking_cancel(*, session: CallSession, booking_id: int, now: dt.datetime | None = None) -> Booking:
    """Cancel one of the caller's own bookings (by the number they call from, nothing else)."""
    phone = caller_e164(session.from_number)
    booking = Booking.objects.filter(
        pk=booking_id, municipality=session.municipality, learner__phone=phone
    ).first() if phone else None
    if booking is None:
        raise NotFoundError()
    if not booking.is_active:
        raise InvalidStateChange()
    return booking_cancel(booking=booking, reason=gettext_lazy("自動音声でキャンセル"), by_learner=True, now=now)


@transaction.atomic
def voicemail_record(
    *, session: CallSession, recording_url: str, duration_seconds: int | None = None,
    now: dt.datetime | None = None,
) -> FollowUp:
    """A message left on the voice line lands in the coordinators' queue with the caller's number.
    Twilio may report the same recording twice: the URL makes it one case."""
    figures = {"number": session.from_number, "name": session.learner.name if session.learner else "",
               "seconds": duration_seconds or 0}
    with in_program_language():
        if figures["name"] and figures["seconds"]:
            detail = gettext("%(number)s（%(name)s様）から%(seconds)d秒の伝言があります。") % figures
        elif figures["name"]:
            detail = gettext("%(number)s（%(name)s様）から伝言があります。") % figures
        elif figures["seconds"]:
            detail = gettext("%(number)sから%(seconds)d秒の伝言があります。") % figures
        else:
            detail = gettext("%(number)sから伝言があります。") % figures
    return followup_open(
        municipality=session.municipality, kind=FollowUp.Kind.VOICEMAIL, now=now,
        # Linked when the call knows who is calling: the case is then theirs to see and to erase.
        learner=session.learner,
        caller_phone=(caller_e164(session.from_number) or session.from_number)[:20],
        recording_url=recording_url,
        detail=detail,
    )


def call_sessions_purge(*, older_than: dt.timedelta, now: dt.datetime | None = None, dry_run: bool = False) -> int:
    """Forget finished calls: a session holds the caller's number and choices, and is needed only
    while the call lasts (bookings, learners and voicemail cases keep what matters). Returns the count."""
    old = CallSession.objects.filter(updated_at__lt=(now or timezone.now()) - older_than)
    if dry_run:
        return old.count()
    deleted, _by_model = old.delete()
    return deleted
