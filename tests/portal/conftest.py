"""A small world for the volunteer pages: two approved volunteers free on Tuesday morning at the
same venue, a learner, and a request offered to both."""

import datetime as dt

import pytest

from literacy.people.models import Learner
from literacy.scheduling.services import help_request_create
from tests import factories
from tests.conftest import NOW, TOKYO

TUESDAY = NOW.date() + dt.timedelta(days=1)


def at(hour, day=TUESDAY):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


def login(client, volunteer):
    client.force_login(volunteer.user)
    return client


@pytest.fixture
def other_volunteer(municipality, topic, venue, district):
    other = factories.VolunteerFactory(municipality=municipality, topics=[topic], name="別府 次郎")
    other.venues.add(venue)
    return other


@pytest.fixture
def windows(volunteer, other_volunteer, venue):
    for person in (volunteer, other_volunteer):
        factories.AvailabilityFactory(volunteer=person, venue=venue, weekday=1, starts=dt.time(10),
                                      ends=dt.time(12))


@pytest.fixture
def learner(municipality):
    return factories.LearnerFactory(
        municipality=municipality, name="八女 花子", name_kana="やめ はなこ", phone="+819012345678",
        needs_large_print=True, notes="iPhone を使っています",
    )


@pytest.fixture
def help_request(municipality, learner, topic, venue, windows, clock):
    return help_request_create(municipality=municipality, learner=learner, topic=topic, venue=venue,
                               starts_at=at(10), ends_at=at(11), channel="kiosk")


@pytest.fixture
def offer(help_request, volunteer):
    return help_request.offers.get(volunteer=volunteer)


@pytest.fixture
def other_offer(help_request, other_volunteer):
    return help_request.offers.get(volunteer=other_volunteer)


@pytest.fixture
def booked_lesson(municipality, volunteer, venue, topic, learner, clock):
    """A lesson of `volunteer` two days ahead with the learner booked."""
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     starts_at=at(14, NOW.date() + dt.timedelta(days=2)))
    factories.BookingFactory(lesson=lesson, learner=learner)
    return lesson


__all__ = ["Learner", "at", "login"]
