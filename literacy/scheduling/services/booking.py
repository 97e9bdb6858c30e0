"""Booking: a learner takes a bookable time. Instant windows and class seats confirm at once;
other times become a help request that volunteers are offered. Also cancel, move, confirm."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy

from literacy.core.errors import (
    ConflictError,
    InvalidStateChange,
    LearnerAlreadyBooked,
    LessonAlreadyBegun,
    LessonFull,
    SlotTaken,
    VolunteerUnavailable,
)
from literacy.core.stored_text import in_program_language
from literacy.kiosk.limits import KioskLimitReached, kiosk_booking_allow, kiosk_limit_alert_open
from literacy.notifications import triggers
from literacy.notifications.models import Message
from literacy.notifications.services import message_skip_told_in_person, outbox_batch
from literacy.people.models import Learner, Volunteer
from literacy.people.services import learner_find_or_create, learner_phone_check
from literacy.scheduling.codes import new_booking_code
from literacy.scheduling.matching import rank_volunteers
from literacy.scheduling.models import Booking, HelpRequest, Lesson, Offer
from literacy.scheduling.services.lessons import lesson_cancel, lesson_reschedule
from literacy.scheduling.services.offers import help_request_create, help_request_withdraw, offers_send
from literacy.scheduling.services.overlap import insert_lesson
from literacy.scheduling.slots import Slot, find_slot


@dataclass(frozen=True)
class LearnerDetails:
    """Who is booking, as typed at the kiosk, keyed in on the phone or sent by the API."""

    phone: str
    name: str
    name_kana: str = ""
    reminder_channel: str | None = None
    proxy: dict | None = None


@dataclass(frozen=True)
class BookingResult:
    booking: Booking
    created: bool  # False when an idempotency key replayed an earlier booking

    @property
    def confirmed(self) -> bool:
        return self.booking.state == Booking.State.BOOKED

    def is_for(self, *, topic, venue, starts_at: dt.datetime) -> bool:
        """Whether the booking is for this topic, place and time: a replayed key answers the same
        request only, and one reused for another time is a mistake to refuse, not to paper over."""
        source = self.booking.lesson or self.booking.help_request
        start = self.booking.lesson.starts_at if self.booking.lesson else self.booking.help_request.wanted_starts_at
        return source.topic_id == topic.pk and source.venue_id == venue.pk and start == starts_at

    @property
    def confirm_by(self) -> dt.datetime | None:
        """When the learner will hear from us at the latest, while a volunteer is still asked."""
        if self.booking.state == Booking.State.PENDING and self.booking.help_request_id:
            return self.booking.help_request.deadline
        return None


class _IdempotentReplay(Exception):
    """Another request with the same idempotency key won the race: return its booking."""


def booking_create(
    *,
    municipality,
    topic,
    venue,
    starts_at: dt.datetime,
    channel: str,
    learner: Learner | None = None,
    learner_details: LearnerDetails | None = None,
    lesson_id: int | None = None,
    entered_by=None,
    idempotency_key: str | None = None,
    waitlist: bool = False,
    booked_by_proxy: bool = False,
    kiosk_device=None,
    now: dt.datetime | None = None,
) -> BookingResult:
    """Book the time starting at starts_at at venue (or a seat in class lesson_id).

    Raises SlotTaken (with nothing written) when the time is no longer free, LessonFull for a
    full class unless waitlist, LearnerAlreadyBooked, InvalidPhoneNumber / SmsNotPossible.
    A retry with the same idempotency key returns the first booking.
    With kiosk_device (a kiosk's pages, or the API called with its device key) the booking
    records the device, and KioskLimitReached (nothing written, the coordinators alerted once)
    refuses it when the device has booked its fill for the hour or the day.
    """
    now = now or timezone.now()
    if idempotency_key:
        earlier = _replay(municipality=municipality, idempotency_key=idempotency_key)
        if earlier:
            return earlier
    try:
        return _booking_create(
            municipality=municipality, topic=topic, venue=venue, starts_at=starts_at, channel=channel,
            learner=learner, learner_details=learner_details, lesson_id=lesson_id, entered_by=entered_by,
            idempotency_key=idempotency_key, waitlist=waitlist, booked_by_proxy=booked_by_proxy,
            kiosk_device=kiosk_device, now=now,
        )
    except KioskLimitReached:
        # The booking's transaction has rolled back; the alert is written on its own.
        kiosk_limit_alert_open(device=kiosk_device, now=now)
        raise
    except _IdempotentReplay:
        return _replay(municipality=municipality, idempotency_key=idempotency_key)
    except ConflictError:
        # A retry that lost the race to its own first attempt gets that result, not an error.
        earlier = idempotency_key and _replay(municipality=municipality, idempotency_key=idempotency_key)
        if earlier:
            return earlier
        raise


def _replay(*, municipality, idempotency_key: str) -> BookingResult | None:
    # Nearly every key is new: ask for the id alone (a small statement to build), and read the
    # booking with its lesson or request only when there is one.
    earlier = Booking.objects.filter(municipality=municipality, idempotency_key=idempotency_key)
    pk = earlier.order_by().values_list("pk", flat=True).first()
    if pk is None:
        return None
    booking = Booking.objects.select_related("help_request", "lesson").get(pk=pk)
    return BookingResult(booking=booking, created=False)


@transaction.atomic
def _booking_create(
    *, municipality, topic, venue, starts_at, channel, learner, learner_details, lesson_id, entered_by,
    idempotency_key, waitlist, booked_by_proxy, kiosk_device, now,
) -> BookingResult:
    if learner is None:
        # A number that cannot be dialled (or texted) is the caller's to fix, whatever the time.
        phone = learner_phone_check(phone=learner_details.phone, reminder_channel=learner_details.reminder_channel)
    if kiosk_device is not None:
        # Before anything is written, the learner included. Lock order: device, learner, lesson.
        kiosk_booking_allow(device=kiosk_device, now=now)
    # A time already gone is refused before the learner is found or written: when many ask for
    # one time at once, most of them lose, and a loser should cost a read, not most of a booking.
    # This is only a first look; what decides is the lesson row's lock below, or the database's
    # refusal of a volunteer's overlapping lessons.
    if lesson_id is None:
        slot = find_slot(municipality=municipality, topic=topic, venue=venue, starts_at=starts_at, now=now)
        if slot is None:
            raise SlotTaken()
    elif not waitlist:
        lesson = (
            Lesson.objects.filter(pk=lesson_id, municipality=municipality, topic=topic)
            .annotate(seats_taken=Count("bookings", filter=Q(bookings__state__in=Booking.SEAT_STATES)))
            .only("state", "starts_at", "ends_at", "seats")
            .get()
        )
        try:
            _refuse_if_class_gone(lesson=lesson, starts_at=starts_at)
        except LessonFull:
            # Someone already in the class (a second click without a key) hears that instead.
            known = learner or Learner.objects.identified_by(
                municipality=municipality, phone=phone, name=learner_details.name
            ).first()
            if known is not None:
                _refuse_if_learner_busy(learner=known, starts_at=lesson.starts_at, ends_at=lesson.ends_at)
            raise
    # Lock order everywhere: learner, then lesson. A double click waits here for the first click,
    # then finds its learner busy at that time (or, for another time, the key taken when it
    # inserts): booking_create answers either with the first click's booking.
    if learner is None:
        # Comes back locked, with its current values.
        learner = learner_find_or_create(
            municipality=municipality, phone=learner_details.phone, name=learner_details.name,
            name_kana=learner_details.name_kana, reminder_channel=learner_details.reminder_channel,
            channel=channel, consent_taken_by=entered_by, proxy=learner_details.proxy, now=now,
        )
    else:
        learner = Learner.objects.select_for_update().get(pk=learner.pk)
    booking = Booking(
        municipality=municipality, learner=learner, channel=channel, entered_by=entered_by,
        idempotency_key=idempotency_key or None, booked_by_proxy=booked_by_proxy, kiosk_device=kiosk_device,
    )

    if lesson_id is not None:
        lesson = Lesson.objects.select_for_update().get(pk=lesson_id, municipality=municipality, topic=topic)
        lesson.seats_taken = lesson.bookings.holding_seat().count()
        _refuse_if_class_gone(lesson=lesson, starts_at=starts_at, waitlist=waitlist)
        # The messages name the topic and the place: rows the caller already holds.
        lesson.topic = topic
        if lesson.venue_id == venue.pk:
            lesson.venue = venue
        _refuse_if_learner_busy(learner=learner, starts_at=lesson.starts_at, ends_at=lesson.ends_at)
        full = lesson.seats_taken >= lesson.seats
        booking.state = Booking.State.WAITLISTED if full else Booking.State.BOOKED
        booking.lesson = lesson
        _insert_booking(booking)
        if booking.state == Booking.State.BOOKED:
            triggers.booking_confirmed(booking=booking)
        return BookingResult(booking=booking, created=True)

    _refuse_if_learner_busy(learner=learner, starts_at=slot.starts_at, ends_at=slot.ends_at)

    if slot.instant_volunteer_ids:
        booking.lesson = _lesson_for_instant_slot(
            municipality=municipality, topic=topic, venue=venue, slot=slot, learner=learner,
            channel=channel, now=now,
        )
        booking.state = Booking.State.BOOKED
        _insert_booking(booking)
        with outbox_batch():  # the volunteer's and the learner's messages, one INSERT
            triggers.lesson_scheduled(lesson=booking.lesson)
            triggers.booking_confirmed(booking=booking)
        return BookingResult(booking=booking, created=True)

    # Not instant: a volunteer must accept. The learner gets their code now and hears by the deadline.
    help_request = help_request_create(
        municipality=municipality, learner=learner, topic=topic, venue=venue, starts_at=slot.starts_at,
        ends_at=slot.ends_at, channel=channel, entered_by=entered_by, send_offers=False, now=now,
    )
    booking.help_request = help_request
    booking.state = Booking.State.PENDING
    _insert_booking(booking)
    triggers.booking_pending(booking=booking)
    offers_send(help_request=help_request, now=now)
    booking.refresh_from_db()
    return BookingResult(booking=booking, created=True)


def _lesson_for_instant_slot(*, municipality, topic, venue, slot: Slot, learner, channel, now) -> Lesson:
    """Give the lesson to the best-ranked instant volunteer; if a racer took them a moment ago
    (the database refuses the overlap), try the next one."""
    # With the account (the invite goes to its email) and the municipality the caller holds.
    volunteers = list(Volunteer.objects.filter(pk__in=slot.instant_volunteer_ids).select_related("user"))
    for volunteer in volunteers:
        if volunteer.municipality_id == municipality.pk:
            volunteer.municipality = municipality
    for candidate in rank_volunteers(volunteers=volunteers, learner=learner, venue=venue, now=now):
        try:
            lesson = insert_lesson(
                Lesson(
                    municipality=municipality, volunteer=candidate.volunteer, venue=venue, topic=topic,
                    starts_at=slot.starts_at, ends_at=slot.ends_at,
                )
            )
        except VolunteerUnavailable:
            continue
        # An instant lesson still has an offer row, so the volunteer's history and the reasons
        # for the choice look the same as for an accepted offer.
        Offer.objects.create(
            help_request=help_request_for_instant(
                municipality=municipality, learner=learner, topic=topic, venue=venue, lesson=lesson,
                channel=channel, now=now,
            ),
            volunteer=candidate.volunteer, score=candidate.score, reasons=candidate.reasons,
            state=Offer.State.ACCEPTED, expires_at=now, responded_at=now,
        )
        return lesson
    raise SlotTaken()


def help_request_for_instant(*, municipality, learner, topic, venue, lesson: Lesson, channel, now) -> HelpRequest:
    """The request behind an instantly confirmed lesson: already scheduled, for the statistics."""
    help_request = HelpRequest(
        municipality=municipality, learner=learner, topic=topic, venue=venue, district_id=venue.district_id,
        wanted_starts_at=lesson.starts_at, wanted_ends_at=lesson.ends_at, channel=channel,
        deadline=now, state=HelpRequest.State.SCHEDULED, lesson=lesson, scheduled_at=now,
    )
    help_request.save()
    return help_request


def _refuse_if_class_gone(*, lesson: Lesson, starts_at: dt.datetime, waitlist: bool = False) -> None:
    """SlotTaken when the class was moved or called off, LessonFull when its seats are taken
    (unless the learner may wait). `lesson.seats_taken` is the count of bookings holding a seat."""
    if lesson.state != Lesson.State.SCHEDULED or lesson.starts_at != starts_at:
        raise SlotTaken()
    if lesson.seats_taken >= lesson.seats and not waitlist:
        raise LessonFull()


def _refuse_if_learner_busy(*, learner: Learner, starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    # The learner's bookings, each tested with EXISTS against its own lesson or request. Written as
    # an OR over the two outer joins instead, PostgreSQL took ~5 ms to plan what runs in 0.05 ms.
    overlapping_lesson = Lesson.objects.filter(pk=OuterRef("lesson_id"), starts_at__lt=ends_at, ends_at__gt=starts_at)
    overlapping_request = HelpRequest.objects.filter(
        pk=OuterRef("help_request_id"), wanted_starts_at__lt=ends_at, wanted_ends_at__gt=starts_at,
    )
    in_lesson = Q(Exists(overlapping_lesson), state__in=Booking.ACTIVE_STATES)
    waiting = Q(Exists(overlapping_request), state=Booking.State.PENDING)
    if Booking.objects.filter(in_lesson | waiting, learner=learner).exists():
        raise LearnerAlreadyBooked()


def _insert_booking(booking: Booking) -> None:
    """Insert with a fresh code; a code collision (rare) draws again, other conflicts are errors."""
    for _attempt in range(5):
        booking.code = new_booking_code(municipality_id=booking.municipality_id)
        booking.full_clean(exclude=["learner", "lesson", "help_request", "municipality", "kiosk_device"], validate_constraints=False)
        try:
            with transaction.atomic():
                booking.save()
            return
        except IntegrityError:
            if booking.idempotency_key and Booking.objects.filter(
                municipality_id=booking.municipality_id, idempotency_key=booking.idempotency_key
            ).exists():
                raise _IdempotentReplay() from None
            if booking.lesson_id and Booking.objects.active().filter(
                lesson_id=booking.lesson_id, learner_id=booking.learner_id
            ).exists():
                raise LearnerAlreadyBooked() from None
    raise SlotTaken()


@transaction.atomic
def booking_cancel(
    *, booking: Booking, reason: str = "", by_learner: bool = True, cancelled_by=None,
    now: dt.datetime | None = None,
) -> Booking:
    """Cancel a booking: frees the seat (the waitlist moves up), or ends the lesson when it was a
    one-to-one; a booking still waiting for a volunteer withdraws its request. Cancelling twice
    is harmless. A reason of the program's own (lazy text) is stored in the program's language."""
    now = now or timezone.now()
    with in_program_language():
        reason = str(reason)
    # Lock order: request, lesson, booking, as offer_accept takes them (it holds the request while
    # it gives the waiting booking its lesson). Taking the booking first deadlocked with it.
    if booking.help_request_id:
        HelpRequest.objects.select_for_update().filter(pk=booking.help_request_id).order_by().first()
        # Held now: no accept can give the booking a lesson any more; see whether one just did.
        booking.refresh_from_db(fields=["lesson"])
    if booking.lesson_id:
        Lesson.objects.select_for_update().filter(pk=booking.lesson_id).first()
    # of=("self",): PostgreSQL cannot lock the nullable side of the outer joins to lesson and request.
    booking = Booking.objects.select_for_update(of=("self",)).select_related("lesson", "help_request").get(pk=booking.pk)
    if booking.state == Booking.State.CANCELLED:
        return booking
    if booking.state not in Booking.ACTIVE_STATES:
        raise InvalidStateChange()
    if booking.lesson_has_begun(now):
        # Calling off a lesson already held would send "cancelled" to both sides and leave the
        # volunteer unable to report it (a no-show would then never be followed up).
        raise LessonAlreadyBegun()
    was_holding_seat = booking.state == Booking.State.BOOKED
    booking.state = Booking.State.CANCELLED
    booking.cancelled_at = now
    booking.cancel_reason = reason
    booking.save()
    triggers.booking_cancelled(booking=booking, by_learner=by_learner)

    if booking.help_request:
        help_request_withdraw(help_request=booking.help_request, now=now)

    lesson = booking.lesson
    if lesson and was_holding_seat and lesson.state == Lesson.State.SCHEDULED:
        if lesson.format == Lesson.Format.ONE_TO_ONE and not lesson.bookings.active().exists():
            lesson_cancel(lesson=lesson, reason=reason, rematch=False, now=now)
        else:
            _promote_waitlist(lesson=lesson)
    return booking


def _promote_waitlist(*, lesson: Lesson) -> None:
    free = lesson.seats - lesson.bookings.holding_seat().count()
    for waiting in lesson.bookings.filter(state=Booking.State.WAITLISTED).order_by("created_at")[: max(free, 0)]:
        waiting.state = Booking.State.BOOKED
        waiting.save()
        triggers.booking_confirmed(booking=waiting, after_waiting=True)


@transaction.atomic
def booking_move(
    *, booking: Booking, starts_at: dt.datetime, venue=None, lesson_id: int | None = None,
    moved_by=None, now: dt.datetime | None = None,
) -> Booking:
    """Move a booking to another bookable time. A one-to-one lesson whose volunteer is free at
    the new time is rescheduled (same calendar UID, higher SEQUENCE); otherwise the learner gets
    a new booking for the new time and the old one is cancelled, in one transaction."""
    now = now or timezone.now()
    booking = Booking.objects.select_related("lesson", "learner", "help_request").get(pk=booking.pk)
    if booking.state not in (Booking.State.BOOKED, Booking.State.PENDING):
        raise InvalidStateChange()
    if booking.lesson_has_begun(now):
        raise LessonAlreadyBegun()
    lesson = booking.lesson
    topic = lesson.topic if lesson else booking.help_request.topic
    venue = venue or (lesson.venue if lesson else booking.help_request.venue)
    if lesson is not None and lesson.starts_at == starts_at and lesson.venue_id == venue.pk and lesson_id in (
        None, lesson.pk,
    ):
        # Already there: the same move sent twice. Moving again would find the volunteer "busy"
        # with this very lesson and cancel it for a new booking under a new code.
        return booking
    if (
        lesson is not None and lesson_id is None and lesson.format == Lesson.Format.ONE_TO_ONE
        and lesson.bookings.active().count() == 1
    ):
        slot = find_slot(municipality=booking.municipality, topic=topic, venue=venue, starts_at=starts_at, now=now)
        if slot is not None and lesson.volunteer_id in slot.volunteer_ids:
            lesson_reschedule(lesson=lesson, starts_at=slot.starts_at, ends_at=slot.ends_at, venue=venue)
            booking.refresh_from_db()
            return booking
    # Cancel first so the learner's own old booking does not count as a clash with the new one.
    booking_cancel(booking=booking, reason=gettext_lazy("日時の変更のため"), by_learner=False, cancelled_by=moved_by,
                   now=now)
    result = booking_create(
        municipality=booking.municipality, topic=topic, venue=venue, starts_at=starts_at, lesson_id=lesson_id,
        channel=booking.channel, learner=booking.learner, entered_by=moved_by, now=now,
    )
    # The learner hears about the new time (its confirmation, with the new code), not that their
    # lesson was called off: for someone reminded by phone that would be two calls, the first wrong.
    with in_program_language():
        message_skip_told_in_person(booking=booking, kind=Message.Kind.LEARNER_CANCELLED,
                                    reason=str(gettext_lazy("日時の変更で新しい予約になりました")))
    return result.booking


@transaction.atomic
def booking_confirm_by_learner(*, booking: Booking, now: dt.datetime | None = None) -> Booking:
    """The learner said they will come (keypad 1 on a reminder call, or at the desk)."""
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.state not in Booking.ACTIVE_STATES:
        raise InvalidStateChange()
    if booking.learner_confirmed_at is None:
        booking.learner_confirmed_at = now or timezone.now()
        booking.save(update_fields=["learner_confirmed_at", "updated_at"])
    return booking
