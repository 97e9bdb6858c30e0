"""Twilio times out, answers slowly or returns 500s for minutes or hours: the dispatcher backs
off (capped at 30 minutes), never calls or texts in quiet hours, sends every message exactly once
when Twilio recovers, and when it does not recover while a message still matters, the message
fails and its learner lands in the coordinators' queue in time for a person to call. The real
twilio library runs against a fake HTTP client."""

import datetime as dt
import json
import logging
from collections import Counter, defaultdict

import pytest
import requests
from django.utils import timezone
from twilio.http import HttpClient
from twilio.http.response import Response

from literacy.followups.models import FollowUp
from literacy.notifications.dispatcher import dispatch_due
from literacy.notifications.models import Message
from literacy.notifications.policy import BACKOFF_CAP
from literacy.notifications.providers.twilio import TwilioProvider
from tests.conftest import TOKYO
from tests.faults.conftest import LESSON_STARTS
from tests.notifications.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, created, error


@pytest.fixture
def twilio_settings(settings):
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.SITE_URL = "https://oshieai.example.jp"
    return settings


class TwilioOutage(HttpClient):
    """Twilio down until `until`: timeouts, slow timeouts and 500s in turn; then healthy."""

    FAILURES = (
        lambda: requests.exceptions.ConnectTimeout("connect timed out"),
        lambda: error(500, 20500, "Internal Server Error"),
        lambda: requests.exceptions.ReadTimeout("read timed out after 10 s"),  # slow: gave up waiting
        lambda: error(503, 20503, "Service Unavailable"),
    )

    def __init__(self, *, until: dt.datetime | None):
        super().__init__(logging.getLogger("fake-twilio"), is_async=False)
        self.until = until
        self.tries: dict[str, list[dt.datetime]] = defaultdict(list)
        self.accepted: Counter = Counter()
        self.n = 0

    def request(self, method, url, params=None, data=None, headers=None, auth=None, timeout=None,
                allow_redirects=False):
        now = timezone.now()
        to = (data or {}).get("To")
        self.tries[to].append(now)
        if self.until is None or now < self.until:
            failure = self.FAILURES[self.n % len(self.FAILURES)]()
            self.n += 1
            if isinstance(failure, Exception):
                raise failure
            status, body = failure
            return Response(status, json.dumps(body), headers={})
        self.accepted[to] += 1
        status, body = created("SM")
        return Response(status, json.dumps(body), headers={})


def run_for(provider, clock, *, minutes: int, step=dt.timedelta(seconds=30)):
    """The worker's loop over `minutes` of (fake) time."""
    end = timezone.now() + dt.timedelta(minutes=minutes)
    while timezone.now() < end:
        dispatch_due(provider=provider)
        clock.shift(step)


def run_until(provider, clock, end: dt.datetime):
    """The worker's loop until `end`, skipping the idle time between due messages (a worker
    polling every few seconds claims each at its due time, which is when this one does)."""
    while True:
        dispatch_due(provider=provider)
        upcoming = Message.objects.filter(state="pending").order_by("send_after").first()
        if upcoming is None or upcoming.send_after > end:
            return
        clock.move_to(max(upcoming.send_after, timezone.now() + dt.timedelta(seconds=1)))


@pytest.mark.django_db
def test_two_hours_of_outage_back_off_and_then_send_each_message_once(
    confirmed_bookings, daytime, twilio_settings,
):
    # Hours, not minutes: an outage is waited out, not handed to the coordinators' queue.
    http = TwilioOutage(until=timezone.now() + dt.timedelta(hours=2))
    provider = TwilioProvider(http_client=http)
    run_for(provider, daytime, minutes=180, step=dt.timedelta(minutes=1))

    confirmations = Message.objects.filter(kind=Message.Kind.LEARNER_CONFIRMATION)
    assert set(confirmations.values_list("state", flat=True)) == {"sent"}
    assert set(http.accepted.values()) == {1} and len(http.accepted) == 5  # each exactly once
    for to, tries in http.tries.items():
        gaps = [later - earlier for earlier, later in zip(tries, tries[1:], strict=False)]
        # Backoff: each wait at least as long as the one before, none longer than the cap (and
        # the worker's one-minute round); ten tries in two hours, not 120.
        assert gaps == sorted(gaps), to
        assert max(gaps) <= BACKOFF_CAP + dt.timedelta(minutes=1), to
        assert len(tries) == 10, to
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_an_outage_until_the_lesson_fails_every_message_and_reaches_the_coordinators_in_time(
    confirmed_bookings, daytime, twilio_settings,
):
    """Twilio down from Monday 10:00, when five learners book Wednesday's 14:00 class, until
    after the class. Nothing is lost: each confirmation and reminder is tried while it can
    still arrive in time, then fails; every learner is in the queue by Tuesday evening."""
    http = TwilioOutage(until=None)
    provider = TwilioProvider(http_client=http)
    run_until(provider, daytime, end=LESSON_STARTS + dt.timedelta(hours=1))

    messages = Message.objects.filter(booking__in=confirmed_bookings)
    assert set(messages.values_list("kind", "state")) == {
        (kind, "failed") for kind in (Message.Kind.LEARNER_CONFIRMATION, Message.Kind.LEARNER_REMINDER_DAY_BEFORE,
                                      Message.Kind.LEARNER_REMINDER_MORNING)
    }
    assert messages.count() == 15 and not http.accepted
    for message in messages:
        # Given up only when the next try would have come too late: the last one was within a
        # capped backoff (or a night of quiet hours) of the message's end.
        assert message.updated_at < message.not_after
        assert message.attempts > 6, message.kind  # tried all along, not a handful of times
    for to, tries in http.tries.items():
        local = [t.astimezone(TOKYO) for t in tries]
        assert all(dt.time(9) <= t.time() < dt.time(20) for t in local), to  # never in quiet hours
        assert max(local) < LESSON_STARTS, to
        same_day = [later - earlier for earlier, later in zip(local, local[1:], strict=False)
                    if earlier.date() == later.date()]
        assert max(same_day) <= BACKOFF_CAP, to
    # The day-before reminder says 明日: it was never tried on the lesson's own day.
    day_before = messages.filter(kind=Message.Kind.LEARNER_REMINDER_DAY_BEFORE)
    assert all(m.updated_at.astimezone(TOKYO).date() == dt.date(2026, 12, 8) for m in day_before)
    cases = FollowUp.objects.filter(kind=FollowUp.Kind.REMINDERS_FAILED, state=FollowUp.State.OPEN)
    assert sorted(cases.values_list("booking_id", flat=True)) == sorted(b.pk for b in confirmed_bookings)
    # Opened when the day-before reminder gave up, the evening before: a coordinator can call.
    assert all(case.opened_at < dt.datetime(2026, 12, 8, 20, 0, tzinfo=TOKYO) for case in cases)
    assert all("回試みましたが届きませんでした" in case.detail for case in cases)
