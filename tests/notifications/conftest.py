"""Outbox fixtures: a daytime clock, a booked learner, a memory outbox, a Twilio-configured site."""

import datetime as dt

import pytest

from literacy.notifications.providers import memory
from tests import factories
from tests.conftest import TOKYO
from tests.notifications import fake_twilio

# 10:00 on the Monday of tests.conftest.NOW: inside the default allowed hours (9:00–20:00).
DAYTIME = dt.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)


@pytest.fixture(autouse=True)
def memory_outbox():
    memory.clear()
    yield memory.outbox
    memory.clear()


@pytest.fixture
def daytime(clock):
    clock.move_to(DAYTIME)
    return clock


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_ACCOUNT_SID = fake_twilio.ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = fake_twilio.AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = fake_twilio.FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.SITE_URL = "https://oshieai.example.jp"
    return settings


@pytest.fixture
def lesson(municipality, venue, topic, volunteer, daytime):
    # Wednesday 2026-12-09 14:00–15:00 in Tokyo, two days after "now".
    starts = dt.datetime(2026, 12, 9, 14, 0, tzinfo=TOKYO)
    return factories.LessonFactory(
        municipality=municipality, venue=venue, topic=topic, volunteer=volunteer,
        starts_at=starts, ends_at=starts + dt.timedelta(hours=1),
    )


@pytest.fixture
def learner(municipality):
    return factories.LearnerFactory(municipality=municipality, name="長谷川 美智子", name_kana="はせがわ みちこ",
                                    phone="+819012345678")


@pytest.fixture
def booking(lesson, learner):
    return factories.BookingFactory(lesson=lesson, learner=learner, code="482913")


@pytest.fixture(autouse=True)
def outbox_mechanics_use_made_up_numbers(settings, request):
    """These tests exercise the outbox's mechanics (leases, batches, retries, quiet hours) with
    made-up numbers; the SMS brakes (known numbers, daily caps) are tested on their own in
    test_sms_brakes_in_dispatch.py, which opts back in with the `sms_brakes` marker."""
    if request.node.get_closest_marker("sms_brakes") is None:
        settings.SMS_LIMITS_ENABLED = False
