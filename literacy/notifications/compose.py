"""Builds outbox rows from domain objects: who gets what, by which channel, saying what, when."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.notifications import ical, texts
from literacy.notifications.models import Message
from literacy.notifications.services import message_enqueue
from literacy.people.models import Learner
from literacy.portal.offer_links import offer_link_url as offer_link

# The day-before reminder goes out at this local time: early enough to retry an unanswered
# call and still leave a coordinator the afternoon to phone.
DAY_BEFORE_AT = dt.time(10, 0)
# A reminder closer than this to the confirmation (or to now) would only repeat it.
MIN_REMINDER_GAP = dt.timedelta(hours=6)
# No morning reminder when the lesson starts this soon after the allowed hours begin.
MORNING_MIN_LEAD = dt.timedelta(minutes=60)


def booking_key(booking) -> str:
    """Idempotency keys name the lesson too: a booking re-matched to a new lesson is new news."""
    return f"booking:{booking.pk}:lesson:{booking.lesson_id or 0}"


def learner_channel(learner: Learner, *, news: bool = False) -> str | None:
    """How the learner hears from us: SMS to a mobile that takes texts, otherwise a call.

    Reminders follow their choice, so "no reminders" means none. News they cannot know otherwise
    (a time confirmed after a wait, a lesson moved or called off by someone else) reaches them all
    the same, by a call: they must know whether to come. A learner who stopped texts (停止) is
    called instead; stopping texts is not leaving the program."""
    if not learner.phone:
        return None
    if learner.reminder_channel == Learner.ReminderChannel.NONE:
        return Message.Channel.VOICE if news else None
    if learner.reminder_channel == Learner.ReminderChannel.SMS and learner.can_receive_sms:
        return Message.Channel.SMS
    return Message.Channel.VOICE


def spoken_code(code: str) -> str:
    # Polly reads "123456" as a number (十二万…); separated digits are read one by one.
    return "、".join(code)


def learner_text(*, kind: str, booking, channel: str, extra: dict | None = None) -> str:
    municipality = booking.municipality
    context = {**texts.booking_context(booking), **(extra or {})}
    if context["starts_at"] is None and booking.help_request_id:
        context["starts_at"] = booking.help_request.wanted_starts_at
    language = booking.learner.language or "ja"
    if channel == Message.Channel.SMS:
        return texts.render_sms(f"notifications/sms/{kind}.txt", context, zone=municipality.zone, language=language)
    context["code_spoken"] = spoken_code(booking.code)
    return texts.render_line(f"notifications/voice/{kind}.txt", context, zone=municipality.zone, language=language)


def learner_message(
    *, kind: str, booking, key: str, send_after: dt.datetime | None = None,
    not_after: dt.datetime | None = None, extra: dict | None = None, channel: str | None = None,
    with_sequence: bool = True, fallback_of: Message | None = None, news: bool = False,
) -> Message | None:
    learner = booking.learner
    channel = channel or learner_channel(learner, news=news)
    if channel is None:
        return None
    lesson = booking.lesson
    return message_enqueue(
        municipality=booking.municipality, channel=channel, kind=kind, to=learner.phone,
        body=learner_text(kind=kind, booking=booking, channel=channel, extra=extra),
        idempotency_key=f"{key}:{channel}", send_after=send_after, not_after=not_after,
        payload={"extra": extra or {}}, learner=learner, booking=booking, lesson=lesson,
        lesson_sequence=lesson.sequence if (lesson and with_sequence) else None, fallback_of=fallback_of,
    )


def voice_fallback(message: Message) -> Message | None:
    """The same learner message as a call (Twilio said the number cannot take SMS)."""
    if message.booking is None:
        return None
    return learner_message(
        kind=message.kind, booking=message.booking, key=message.idempotency_key, channel=Message.Channel.VOICE,
        send_after=timezone.now(), not_after=message.not_after, extra=message.payload.get("extra"),
        with_sequence=message.lesson_sequence is not None, fallback_of=message,
    )


def reminder_times(booking, *, now: dt.datetime) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(kind, send time, not_after) for the day-before and morning reminders still worth sending.

    The day-before reminder says 明日 (tomorrow), so it is over when the lesson's day begins,
    however late a quiet-hours deferral or a retry would otherwise carry it; the morning one
    lasts until the lesson starts."""
    lesson = booking.lesson
    municipality = booking.municipality
    zone = municipality.zone
    lesson_day = lesson.starts_at.astimezone(zone).date()
    day_before = dt.datetime.combine(lesson_day - dt.timedelta(days=1), DAY_BEFORE_AT, tzinfo=zone)
    lesson_day_begins = dt.datetime.combine(lesson_day, dt.time.min, tzinfo=zone)
    morning = dt.datetime.combine(lesson_day, municipality.quiet_hours_end, tzinfo=zone)
    wanted = [(Message.Kind.LEARNER_REMINDER_DAY_BEFORE, day_before, lesson_day_begins)]
    if lesson.starts_at - morning >= MORNING_MIN_LEAD:
        wanted.append((Message.Kind.LEARNER_REMINDER_MORNING, morning, lesson.starts_at))
    return [(kind, at, not_after) for kind, at, not_after in wanted if at - now >= MIN_REMINDER_GAP]


def learner_reminders(booking, *, now: dt.datetime) -> list[Message]:
    written = []
    for kind, at, not_after in reminder_times(booking, now=now):
        message = learner_message(
            kind=kind, booking=booking, key=f"{booking_key(booking)}:{kind}:{booking.lesson.sequence}",
            send_after=at, not_after=not_after,
        )
        if message:
            written.append(message)
        if kind == Message.Kind.LEARNER_REMINDER_DAY_BEFORE:
            proxy = proxy_reminder(booking, kind=kind, at=at, not_after=not_after)
            if proxy:
                written.append(proxy)
    return written


def proxy_reminder(booking, *, kind: str, at: dt.datetime, not_after: dt.datetime) -> Message | None:
    """A family member who asked to be told gets the day-before reminder too (by SMS to a mobile,
    otherwise a call), so they can remind or bring the learner. One reminder, not every notice."""
    learner = booking.learner
    if not (learner.proxy_gets_reminders and learner.proxy_phone):
        return None
    try:
        number = parse_phone(learner.proxy_phone)
    except InvalidPhoneNumber:
        return None
    channel = Message.Channel.SMS if number.can_receive_sms else Message.Channel.VOICE
    lesson = booking.lesson
    return message_enqueue(
        municipality=booking.municipality, channel=channel, kind=kind, to=number.e164,
        body=learner_text(kind=kind, booking=booking, channel=channel),
        idempotency_key=f"{booking_key(booking)}:{kind}:{lesson.sequence}:proxy:{channel}", send_after=at,
        not_after=not_after, payload={"extra": {}, "to_proxy": True}, learner=learner, booking=booking,
        lesson=lesson, lesson_sequence=lesson.sequence,
    )


def lesson_context(lesson) -> dict:
    municipality = lesson.municipality
    return {
        "name": lesson.volunteer.name,
        "starts_at": lesson.starts_at,
        "ends_at": lesson.ends_at,
        "venue": lesson.venue.name,
        "address": lesson.venue.address,
        "topic": lesson.title or lesson.topic.name,
        "program": municipality.program_name,
        "phone": texts.display_phone(municipality.program_phone),
    }


def volunteer_sms(*, kind: str, lesson, key: str, extra: dict | None = None, with_sequence: bool = True,
                  offer=None, not_after: dt.datetime | None = None) -> Message | None:
    volunteer = lesson.volunteer if lesson is not None else offer.volunteer
    if not volunteer.phone:
        return None
    context = {**(extra or {})}
    if lesson is not None:
        context = {**lesson_context(lesson), **context}
    municipality = volunteer.municipality
    body = texts.render_line(f"notifications/sms/{kind}.txt", context, zone=municipality.zone)
    return message_enqueue(
        municipality=municipality, channel=Message.Channel.SMS, kind=kind, to=volunteer.phone, body=body,
        idempotency_key=f"{key}:sms", volunteer=volunteer, lesson=lesson, offer=offer, not_after=not_after,
        lesson_sequence=lesson.sequence if (lesson is not None and with_sequence) else None,
    )


def volunteer_invite(*, lesson, method: str, key: str, changed: bool = False) -> Message | None:
    """An email with the ICS attached, Content-Type text/calendar; method=REQUEST or CANCEL."""
    email = lesson.volunteer.user.email
    if not email:
        return None
    cancel = method == ical.CANCEL
    kind = Message.Kind.VOLUNTEER_INVITE_CANCEL if cancel else Message.Kind.VOLUNTEER_INVITE
    description = ical.description_text(lesson)
    context = {**lesson_context(lesson), "changed": changed, "reason": lesson.cancel_reason,
               "description": description}
    text = texts.render_email(f"notifications/email/{kind}", context, zone=lesson.municipality.zone)
    return message_enqueue(
        municipality=lesson.municipality, channel=Message.Channel.EMAIL, kind=kind, to=email,
        subject=text.subject, body=text.body, idempotency_key=f"{key}:email",
        payload={"ics": ical.lesson_invite(lesson=lesson, method=method, description=description),
                 "ics_method": method},
        volunteer=lesson.volunteer, lesson=lesson, lesson_sequence=None if cancel else lesson.sequence,
    )


def offer_messages(offer) -> list[Message]:
    help_request = offer.help_request
    volunteer = offer.volunteer
    municipality = volunteer.municipality
    starts_at = help_request.wanted_starts_at
    link = offer_link(offer)
    venue = help_request.venue.name if help_request.venue else (
        help_request.district.name if help_request.district else "")
    context = {
        "name": volunteer.name, "starts_at": starts_at, "ends_at": help_request.wanted_ends_at,
        "venue": venue, "address": help_request.venue.address if help_request.venue else "",
        "topic": help_request.topic.name, "expires_at": offer.expires_at, "link": link,
        "program": municipality.program_name, "phone": texts.display_phone(municipality.program_phone),
        "reasons": "",
    }
    written = []
    if volunteer.phone:
        body = texts.render_line("notifications/sms/volunteer_offer.txt", context, zone=municipality.zone)
        written.append(message_enqueue(
            municipality=municipality, channel=Message.Channel.SMS, kind=Message.Kind.VOLUNTEER_OFFER,
            to=volunteer.phone, body=body, idempotency_key=f"offer:{offer.pk}:sms", volunteer=volunteer,
            offer=offer, not_after=offer.expires_at,
        ))
    if volunteer.user.email:
        text = texts.render_email("notifications/email/volunteer_offer", context, zone=municipality.zone)
        written.append(message_enqueue(
            municipality=municipality, channel=Message.Channel.EMAIL, kind=Message.Kind.VOLUNTEER_OFFER,
            to=volunteer.user.email, subject=text.subject, body=text.body,
            idempotency_key=f"offer:{offer.pk}:email", volunteer=volunteer, offer=offer, not_after=offer.expires_at,
        ))
    return written


def coordinator_alert(*, municipality, key: str, headline: str, detail: str) -> list[Message]:
    from literacy.accounts.models import User

    context = {
        "program": municipality.program_name, "headline": headline, "detail": detail,
        "queue_link": f"{settings.SITE_URL.rstrip('/')}/city/",
    }
    text = texts.render_email("notifications/email/coordinator_alert", context, zone=municipality.zone)
    coordinators = User.objects.filter(coordinator_roles__municipality=municipality, is_active=True).distinct()
    return [
        message_enqueue(
            municipality=municipality, channel=Message.Channel.EMAIL, kind=Message.Kind.COORDINATOR_ALERT,
            to=user.email, subject=text.subject, body=text.body, idempotency_key=f"{key}:user{user.pk}",
        )
        for user in coordinators
    ]
