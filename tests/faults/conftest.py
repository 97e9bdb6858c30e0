"""Fault fixtures: a daytime clock, learners with confirmed bookings, a memory outbox."""

import datetime as dt

import pytest

from tests import factories
from tests.conftest import TOKYO
from tests.notifications.conftest import DAYTIME, daytime, memory_outbox  # noqa: F401

LESSON_STARTS = dt.datetime(2026, 12, 9, 14, 0, tzinfo=TOKYO)


@pytest.fixture
def confirmed_bookings(municipality, venue, topic, volunteer, daytime):  # noqa: F811 (the fixture imported above)
    """Five learners booked into one class: each confirmation is an SMS due now."""
    from literacy.notifications import triggers

    lesson = factories.LessonFactory(
        municipality=municipality, venue=venue, topic=topic, volunteer=volunteer, seats=5,
        starts_at=LESSON_STARTS, ends_at=LESSON_STARTS + dt.timedelta(hours=1),
    )
    bookings = []
    for n in range(5):
        learner = factories.LearnerFactory(municipality=municipality, phone=f"+8190123400{n:02d}")
        booking = factories.BookingFactory(lesson=lesson, learner=learner, code=f"70000{n}")
        triggers.booking_confirmed(booking=booking)
        bookings.append(booking)
    return bookings


@pytest.fixture(autouse=True)
def outbox_mechanics_use_made_up_numbers(settings, request):
    """These tests exercise the outbox's mechanics (leases, batches, retries, quiet hours) with
    made-up numbers; the SMS brakes (known numbers, daily caps) are tested on their own in
    test_sms_brakes_in_dispatch.py, which opts back in with the `sms_brakes` marker."""
    if request.node.get_closest_marker("sms_brakes") is None:
        settings.SMS_LIMITS_ENABLED = False
