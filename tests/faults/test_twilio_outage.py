"""Twilio times out, answers slowly or returns 500s for many minutes: the dispatcher backs off,
sends every message exactly once when Twilio recovers, and when it never does, each learner
lands in the coordinators' queue. The real twilio library runs against a fake HTTP client."""

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
from literacy.notifications.dispatcher import BACKOFF_CAP, MAX_ATTEMPTS, dispatch_due
from literacy.notifications.models import Message
from literacy.notifications.providers.twilio import TwilioProvider
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


@pytest.mark.django_db
def test_twelve_minutes_of_outage_backs_off_and_then_sends_each_message_once(
    confirmed_bookings, daytime, twilio_settings,
):
    # The retry budget (MAX_ATTEMPTS with doubling backoff from 30 s) spans about 15 minutes;
    # an outage longer than that ends in the coordinators' queue (the next test).
    http = TwilioOutage(until=timezone.now() + dt.timedelta(minutes=12))
    provider = TwilioProvider(http_client=http)
    run_for(provider, daytime, minutes=60)

    confirmations = Message.objects.filter(kind=Message.Kind.LEARNER_CONFIRMATION)
    assert set(confirmations.values_list("state", flat=True)) == {"sent"}
    assert set(http.accepted.values()) == {1} and len(http.accepted) == 5  # each exactly once
    for to, tries in http.tries.items():
        gaps = [later - earlier for earlier, later in zip(tries, tries[1:], strict=False)]
        # Backoff: each wait at least as long as the one before; far fewer tries than the
        # 120 half-minute rounds the worker ran.
        assert gaps == sorted(gaps), to
        assert len(tries) <= MAX_ATTEMPTS
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_an_outage_that_never_ends_fails_visibly_and_every_learner_reaches_the_coordinators(
    confirmed_bookings, daytime, twilio_settings,
):
    http = TwilioOutage(until=None)
    provider = TwilioProvider(http_client=http)
    # Long enough for every backoff up to the cap: 30 s + 1 + 2 + 4 + 8 min, well under 3 hours.
    run_for(provider, daytime, minutes=180, step=dt.timedelta(minutes=1))

    confirmations = Message.objects.filter(kind=Message.Kind.LEARNER_CONFIRMATION)
    assert set(confirmations.values_list("state", flat=True)) == {"failed"}
    assert set(confirmations.values_list("attempts", flat=True)) == {MAX_ATTEMPTS}
    assert all(len(tries) == MAX_ATTEMPTS for tries in http.tries.values())
    assert all(later - earlier <= BACKOFF_CAP + dt.timedelta(minutes=1)
               for tries in http.tries.values() for earlier, later in zip(tries, tries[1:], strict=False))
    cases = FollowUp.objects.filter(kind=FollowUp.Kind.REMINDERS_FAILED, state=FollowUp.State.OPEN)
    assert sorted(cases.values_list("booking_id", flat=True)) == sorted(b.pk for b in confirmed_bookings)
    # The reason is there for the coordinator to read.
    assert all(str(MAX_ATTEMPTS) in case.detail for case in cases)
    # The day-before reminders were not lost either: still pending, for their own time.
    assert Message.objects.filter(kind=Message.Kind.LEARNER_REMINDER_DAY_BEFORE, state="pending").count() == 5
