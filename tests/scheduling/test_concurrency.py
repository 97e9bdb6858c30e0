"""Races with real threads: the database keeps one booking per seat and one lesson per volunteer
per time, and every loser gets a clean domain error (HTTP 409 later), never an IntegrityError or
"database is locked". Runs on PostgreSQL (row locks + exclusion constraint) and on SQLite
(IMMEDIATE transactions make writers queue)."""

import datetime as dt
from collections import Counter

import pytest
from django.db import IntegrityError, connection, transaction

from literacy.core.errors import ConflictError
from literacy.scheduling.models import Booking, Lesson
from literacy.scheduling.services import LearnerDetails, booking_create, offer_accept
from tests import factories
from tests.conftest import NOW, TOKYO, requires_postgres
from tests.threads import run_together

pytestmark = pytest.mark.django_db(transaction=True)
TUESDAY = NOW.date() + dt.timedelta(days=1)


def at(hour):
    return dt.datetime.combine(TUESDAY, dt.time(hour), tzinfo=TOKYO)


def race(count, action):
    """Run action(i) in `count` threads released at the same moment; collect outcomes."""

    def outcome(i):
        try:
            return ("ok", action(i))
        except ConflictError as exc:
            return ("conflict", exc.code)
        except Exception as exc:  # anything else is the bug these tests exist to catch
            return ("error", repr(exc))

    return run_together(count, outcome)


@pytest.fixture
def world(clock):
    municipality = factories.MunicipalityFactory(jis_code="402109", slug="yame")
    district = factories.DistrictFactory(municipality=municipality)
    venue = factories.VenueFactory(municipality=municipality, district=district)
    topic = factories.TopicFactory(municipality=municipality)
    return municipality, venue, topic


def test_twenty_racers_for_the_last_seat(world):
    municipality, venue, topic = world
    volunteer = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     format=Lesson.Format.GROUP, seats=3, starts_at=at(13), ends_at=at(15))
    factories.BookingFactory(lesson=lesson)
    factories.BookingFactory(lesson=lesson)

    outcomes = race(20, lambda i: booking_create(
        municipality=municipality, topic=topic, venue=venue, starts_at=at(13), lesson_id=lesson.pk, channel="kiosk",
        learner_details=LearnerDetails(phone=f"090-5555-{i:04d}", name=f"競争 {i}"), now=NOW,
    ).booking.pk)

    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds == {"ok": 1, "conflict": 19}, outcomes
    assert {code for kind, code in outcomes if kind == "conflict"} == {"lesson_full"}
    assert lesson.bookings.holding_seat().count() == 3


def test_twenty_racers_for_one_instant_time(world):
    municipality, venue, topic = world
    volunteer = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(11),
                                  is_instant=True)

    outcomes = race(20, lambda i: booking_create(
        municipality=municipality, topic=topic, venue=venue, starts_at=at(10), channel="kiosk",
        learner_details=LearnerDetails(phone=f"090-6666-{i:04d}", name=f"競争 {i}"), now=NOW,
    ).booking.pk)

    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds == {"ok": 1, "conflict": 19}, outcomes
    assert Lesson.objects.active().filter(volunteer=volunteer).count() == 1
    assert Booking.objects.count() == 1


def test_double_click_with_one_idempotency_key_books_once(world):
    municipality, venue, topic = world
    volunteer = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(11),
                                  is_instant=True)
    outcomes = race(5, lambda i: booking_create(
        municipality=municipality, topic=topic, venue=venue, starts_at=at(10), channel="kiosk",
        idempotency_key="same-click", learner_details=LearnerDetails(phone="090-7777-0000", name="二度 押し"), now=NOW,
    ).booking.pk)
    assert {kind for kind, _ in outcomes} == {"ok"}, outcomes
    assert len({pk for _, pk in outcomes}) == 1 and Booking.objects.count() == 1


def test_two_volunteers_accept_the_same_request_at_once(world):
    municipality, venue, topic = world
    volunteers = []
    for _ in range(2):
        v = factories.VolunteerFactory(municipality=municipality, topics=[topic])
        factories.AvailabilityFactory(volunteer=v, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))
        volunteers.append(v)
    booking = booking_create(municipality=municipality, topic=topic, venue=venue, starts_at=at(11), channel="kiosk",
                             learner_details=LearnerDetails(phone="090-8888-0000", name="依頼 花子"), now=NOW).booking
    offers = list(booking.help_request.offers.all())
    assert len(offers) == 2

    outcomes = race(2, lambda i: offer_accept(offer=offers[i], volunteer=offers[i].volunteer, now=NOW).pk)
    kinds = Counter(kind for kind, _ in outcomes)
    assert kinds == {"ok": 1, "conflict": 1}, outcomes
    assert Lesson.objects.count() == 1
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED


@requires_postgres
def test_database_refuses_overlapping_lessons_even_without_the_service(world):
    municipality, venue, topic = world
    volunteer = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                            starts_at=at(10), ends_at=at(11))
    # Half-open ranges: back to back is fine.
    factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                            starts_at=at(11), ends_at=at(12))
    with pytest.raises(IntegrityError), transaction.atomic():
        Lesson.objects.create(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                              starts_at=at(10) + dt.timedelta(minutes=30), ends_at=at(11) + dt.timedelta(minutes=30))
    # A cancelled lesson does not hold the time.
    Lesson.objects.filter(starts_at=at(10)).update(state=Lesson.State.CANCELLED)
    Lesson.objects.create(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                          starts_at=at(10), ends_at=at(11))
    assert connection.vendor == "postgresql"


@requires_postgres
def test_a_learner_cancelling_while_the_volunteer_accepts_never_deadlocks(municipality, topic, venue, volunteer,
                                                                           monkeypatch):
    """The cancel holds the booking's request before anything else, as the accept does: one waits
    for the other. Taking the booking first deadlocked with the accept (a 500 for one of them)."""
    import threading

    from literacy.scheduling.services import booking as booking_module
    from literacy.scheduling.services import booking_cancel

    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))
    result = booking_create(
        municipality=municipality, topic=topic, venue=venue, starts_at=at(10), channel="phone_desk",
        learner_details=LearnerDetails(phone="090-1234-5678", name="八女 花子", reminder_channel="voice"), now=NOW,
    )
    booking = result.booking
    offer = booking.help_request.offers.get(volunteer=volunteer)
    cancel_is_inside = threading.Event()
    withdraw = booking_module.help_request_withdraw

    def slow_withdraw(**kwargs):
        # The cancel holds its locks here long enough for the accept to take whatever is free.
        cancel_is_inside.set()
        threading.Event().wait(0.5)
        return withdraw(**kwargs)

    monkeypatch.setattr(booking_module, "help_request_withdraw", slow_withdraw)

    def act(n):
        if n == 0:
            return booking_cancel(booking=booking, now=NOW).state
        cancel_is_inside.wait(10)
        return offer_accept(offer=offer, volunteer=volunteer, now=NOW)

    outcomes = race(2, act)
    assert outcomes[0] == ("ok", "cancelled")
    assert outcomes[1] == ("conflict", "offer_taken")
    assert not Lesson.objects.filter(volunteer=volunteer).exists()
