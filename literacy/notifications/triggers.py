"""What scheduling tells the outbox. Called inside the service's transaction, so the messages
are written atomically with the change that causes them (and vanish with it on rollback).

Each function writes Message rows only, all of one call with one INSERT (outbox_batch); nothing
here talks to the network. Call them after the change is saved (a rescheduled lesson's new
`sequence` included): they read the current state. Calling one twice is harmless: every message
has an idempotency key.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from literacy.notifications import compose, ical
from literacy.notifications.compose import booking_key
from literacy.notifications.models import Message
from literacy.notifications.services import (
    learner_sms_opt_out,
    message_cancel_for_booking,
    message_enqueue,
    messages_cancel,
    outbox_batch,
)

if TYPE_CHECKING:
    from literacy.scheduling.models import Booking, HelpRequest, Lesson, Offer

# Bookings cancelled this close before their lesson was cancelled went down with it.
CANCELLED_WITH_LESSON = dt.timedelta(minutes=5)
NOTICE_KINDS = (Message.Kind.LEARNER_CANCELLED, Message.Kind.VOLUNTEER_CANCELLED,
                Message.Kind.VOLUNTEER_INVITE_CANCEL)


@outbox_batch()
def booking_confirmed(*, booking: Booking, after_waiting: bool = False) -> None:
    """A learner's place in a lesson is fixed: confirm to them, schedule their reminders.
    after_waiting: they were waiting for a volunteer or a seat, so this is news they must hear
    even if they asked for no reminders."""
    lesson = booking.lesson
    compose.learner_message(
        kind=Message.Kind.LEARNER_CONFIRMATION, booking=booking,
        key=f"{booking_key(booking)}:confirmation:{lesson.sequence}", not_after=lesson.starts_at,
        news=after_waiting,
    )
    compose.learner_reminders(booking, now=timezone.now())


@outbox_batch()
def booking_pending(*, booking: Booking) -> None:
    """A learner chose a time that a volunteer must still accept: tell them who will call."""
    wish = booking.help_request
    compose.learner_message(
        kind=Message.Kind.LEARNER_PENDING, booking=booking, key=f"booking:{booking.pk}:request:{booking.help_request_id}:pending",
        not_after=wish.wanted_starts_at if wish else None, with_sequence=False,
    )


@outbox_batch()
def booking_cancelled(*, booking: Booking, by_learner: bool) -> None:
    """A booking was cancelled: cancel its pending reminders, tell the learner (and volunteer)."""
    message_cancel_for_booking(booking=booking, reason=_("予約がキャンセルされました"))
    compose.learner_message(
        kind=Message.Kind.LEARNER_CANCELLED, booking=booking, key=f"{booking_key(booking)}:cancelled",
        extra={"by_learner": by_learner}, with_sequence=False, news=not by_learner,
    )
    lesson = booking.lesson
    if lesson is not None and lesson.is_active:
        compose.volunteer_sms(
            kind=Message.Kind.VOLUNTEER_BOOKING_CANCELLED, lesson=lesson,
            key=f"{booking_key(booking)}:volunteer_cancelled", extra={"learner": booking.learner.given_name},
            with_sequence=False,
        )


@outbox_batch()
def learner_stopped_texts(*, learner) -> None:
    """The learner texted 停止: no more texts to their number, and those still to go become calls
    (stopping texts is not leaving the program: they still hear about their lessons)."""
    still_to_go = list(
        Message.objects.filter(learner=learner, to=learner.phone, channel=Message.Channel.SMS,
                               state=Message.State.PENDING, booking__isnull=False)
        .select_related("booking__learner", "booking__lesson", "booking__municipality")
    )
    learner_sms_opt_out(learner=learner)
    for message in still_to_go:
        message.booking.learner = learner  # as it is now: texts stopped
        compose.voice_fallback(message)


@outbox_batch()
def lesson_scheduled(*, lesson: Lesson) -> None:
    """A lesson was fixed: the volunteer gets a calendar invite and an SMS."""
    compose.volunteer_sms(
        kind=Message.Kind.VOLUNTEER_CONFIRMATION, lesson=lesson,
        key=f"lesson:{lesson.pk}:volunteer_confirmation:{lesson.sequence}", not_after=lesson.starts_at,
    )
    compose.volunteer_invite(lesson=lesson, method=ical.REQUEST, key=f"lesson:{lesson.pk}:invite:{lesson.sequence}")


@outbox_batch()
def lesson_changed(*, lesson: Lesson) -> None:
    """A lesson moved: an updated invite (same UID, higher SEQUENCE), notices, fresh reminders."""
    messages_cancel(
        messages=Message.objects.filter(Q(lesson=lesson) | Q(booking__lesson=lesson))
        .exclude(lesson_sequence=lesson.sequence).exclude(lesson_sequence__isnull=True),
        reason=_("日時・会場が変更されました"),
    )
    now = timezone.now()
    for booking in lesson.bookings.filter(state="booked").select_related("learner", "municipality"):
        booking.lesson = lesson
        compose.learner_message(
            kind=Message.Kind.LEARNER_CHANGED, booking=booking,
            key=f"{booking_key(booking)}:changed:{lesson.sequence}", not_after=lesson.starts_at, news=True,
        )
        compose.learner_reminders(booking, now=now)
    compose.volunteer_sms(
        kind=Message.Kind.VOLUNTEER_CHANGED, lesson=lesson,
        key=f"lesson:{lesson.pk}:volunteer_changed:{lesson.sequence}", not_after=lesson.starts_at,
    )
    compose.volunteer_invite(
        lesson=lesson, method=ical.REQUEST, key=f"lesson:{lesson.pk}:invite:{lesson.sequence}", changed=True,
    )


@outbox_batch()
def lesson_cancelled(*, lesson: Lesson) -> None:
    """A lesson was cancelled: METHOD:CANCEL to the volunteer, notices to its learners."""
    messages_cancel(
        messages=Message.objects.filter(Q(lesson=lesson) | Q(booking__lesson=lesson)).exclude(kind__in=NOTICE_KINDS),
        reason=_("レッスンが中止になりました"),
    )
    cutoff = (lesson.cancelled_at or timezone.now()) - CANCELLED_WITH_LESSON
    for booking in lesson.bookings.select_related("learner", "municipality"):
        went_with_lesson = booking.state == "cancelled" and (booking.cancelled_at is None or booking.cancelled_at >= cutoff)
        if booking.is_active or went_with_lesson:
            booking.lesson = lesson
            compose.learner_message(
                kind=Message.Kind.LEARNER_CANCELLED, booking=booking, key=f"{booking_key(booking)}:cancelled",
                extra={"by_learner": False}, with_sequence=False, news=True,
            )
    compose.volunteer_sms(
        kind=Message.Kind.VOLUNTEER_CANCELLED, lesson=lesson, key=f"lesson:{lesson.pk}:volunteer_cancelled",
        with_sequence=False,
    )
    compose.volunteer_invite(lesson=lesson, method=ical.CANCEL, key=f"lesson:{lesson.pk}:invite_cancel")


@outbox_batch()
def offer_created(*, offer: Offer) -> None:
    """A volunteer is offered a request: SMS/email with a signed link."""
    compose.offer_messages(offer)


@outbox_batch()
def request_escalated(*, help_request: HelpRequest) -> None:
    """No volunteer accepted in time: alert the coordinators."""
    learner = help_request.learner
    compose.coordinator_alert(
        municipality=help_request.municipality, key=f"request:{help_request.pk}:escalated",
        headline=_("期限までにボランティアが決まらない依頼があります"),
        detail=_("%(learner)s様（%(phone)s）／%(topic)s／希望: %(when)s") % {
            "learner": learner.name, "phone": learner.phone, "topic": help_request.topic.name,
            "when": timezone.localtime(help_request.wanted_starts_at, help_request.municipality.zone)
            .strftime("%Y-%m-%d %H:%M") if help_request.wanted_starts_at else help_request.preference_note,
        },
    )


def phone_verification_requested(*, volunteer, code: str) -> None:
    """A volunteer asked to confirm the phone number on their profile (volunteer.phone, not yet
    verified): SMS them the code. Apart from this message the database keeps only its hash."""
    check = volunteer.phone_checks.order_by("-created_at").first()
    municipality = volunteer.municipality
    message_enqueue(
        municipality=municipality, channel=Message.Channel.SMS, kind=Message.Kind.VOLUNTEER_PHONE_CHECK,
        to=volunteer.phone, volunteer=volunteer,
        body=_("%(program)sです。電話番号の確認コードは %(code)s です。10分以内に入力してください。") % {
            "program": municipality.program_name, "code": code},
        idempotency_key=f"volunteer:{volunteer.pk}:phone-check:{check.pk if check else code}",
        not_after=check.expires_at if check else None,
    )
