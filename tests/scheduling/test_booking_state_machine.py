"""Property: any sequence of create / cancel / move / confirm on random classes and learners
never reaches an impossible state. Refusals (full, already booked, invalid change) are fine;
what must never happen is a cancelled booking holding a seat, more seats held than a class has,
a free seat while someone waits, or a learner in two overlapping lessons at once."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from literacy.core.errors import DomainError
from literacy.scheduling.models import Booking, Lesson
from literacy.scheduling.services import (
    booking_cancel,
    booking_confirm_by_learner,
    booking_create,
    booking_move,
)
from tests import factories

LEARNERS = 3
LESSONS = 4

create = st.tuples(st.just("create"), st.integers(0, LEARNERS - 1), st.integers(0, LESSONS - 1), st.booleans())
cancel = st.tuples(st.just("cancel"), st.integers(0, 20))
move = st.tuples(st.just("move"), st.integers(0, 20), st.integers(0, LESSONS - 1))
confirm = st.tuples(st.just("confirm"), st.integers(0, 20))
operations = st.lists(st.one_of(create, cancel, move, confirm), min_size=1, max_size=14)
# Lesson starts in hours from a base; some overlap (0 and 0.5), some touch (1 and 2), seats 1–3.
layouts = st.lists(st.tuples(st.sampled_from([0, 0.5, 1, 2, 24]), st.integers(1, 3)),
                   min_size=LESSONS, max_size=LESSONS)


def build_world(municipality, layout):
    base = (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    topic = factories.TopicFactory(municipality=municipality)
    venue = factories.VenueFactory(municipality=municipality)
    lessons = []
    for hours, seats in layout:
        starts = base + dt.timedelta(hours=hours)
        lessons.append(factories.LessonFactory(
            municipality=municipality, topic=topic, venue=venue, seats=seats, format=Lesson.Format.GROUP,
            starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
        ))
    learners = [factories.LearnerFactory(municipality=municipality) for _ in range(LEARNERS)]
    return lessons, learners


def apply(operation, *, lessons, learners, bookings):
    kind = operation[0]
    if kind == "create":
        _, who, which, waitlist = operation
        lesson = lessons[which]
        result = booking_create(
            municipality=lesson.municipality, topic=lesson.topic, venue=lesson.venue, starts_at=lesson.starts_at,
            lesson_id=lesson.pk, channel="kiosk", learner=learners[who], waitlist=waitlist,
        )
        bookings.append(result.booking)
        return
    if not bookings:
        return
    booking = bookings[operation[1] % len(bookings)]
    if kind == "cancel":
        booking_cancel(booking=booking)
    elif kind == "confirm":
        booking_confirm_by_learner(booking=booking)
    else:
        before = Booking.objects.get(pk=booking.pk).state
        lesson = lessons[operation[2]]
        try:
            moved = booking_move(booking=booking, starts_at=lesson.starts_at, lesson_id=lesson.pk)
        except DomainError:
            # A refused move leaves the booking as it was: never cancelled without a replacement.
            assert Booking.objects.get(pk=booking.pk).state == before
            raise
        bookings.append(moved)


def assert_possible(lessons, learners):
    for lesson in Lesson.objects.filter(pk__in=[lesson.pk for lesson in lessons]):
        held = lesson.bookings.holding_seat().count()
        assert held <= lesson.seats, f"{held} seats held in a lesson of {lesson.seats}"
        if lesson.bookings.filter(state=Booking.State.WAITLISTED).exists():
            assert held == lesson.seats, "someone waits while a seat is free"
    for booking in Booking.objects.filter(state=Booking.State.CANCELLED):
        assert booking.cancelled_at is not None
        assert booking.state not in Booking.SEAT_STATES
    for learner in learners:
        active = list(Booking.objects.active().filter(learner=learner).select_related("lesson"))
        for i, first in enumerate(active):
            for second in active[i + 1:]:
                overlap = first.lesson.starts_at < second.lesson.ends_at and second.lesson.starts_at < first.lesson.ends_at
                assert not overlap, f"learner {learner.pk} holds two overlapping bookings"
    codes = list(Booking.objects.active().values_list("code", flat=True))
    assert len(codes) == len(set(codes))


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(layout=layouts, steps=operations)
def test_no_sequence_of_booking_operations_reaches_an_impossible_state(municipality, layout, steps):
    with transaction.atomic():
        lessons, learners = build_world(municipality, layout)
        bookings: list[Booking] = []
        for operation in steps:
            try:
                with transaction.atomic():
                    apply(operation, lessons=lessons, learners=learners, bookings=bookings)
            except DomainError:
                pass
            assert_possible(lessons, learners)
        transaction.set_rollback(True)
