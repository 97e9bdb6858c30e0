"""The real twilio library, driven through a fake HTTP client with Twilio's own answers."""

import datetime as dt

import pytest
import requests

from literacy.followups.models import FollowUp
from literacy.notifications import triggers
from literacy.notifications.dispatcher import dispatch_due
from literacy.notifications.models import Message
from literacy.notifications.policy import backoff
from literacy.notifications.providers.twilio import TwilioProvider
from tests import factories
from tests.conftest import TOKYO
from tests.notifications.conftest import DAYTIME
from tests.notifications.fake_twilio import FakeTwilioHttp, created, error

K = Message.Kind


def dispatch_until_quiet(provider, clock, rounds=10):
    """Run the dispatcher, moving the clock past each backoff, until nothing is due."""
    for _ in range(rounds):
        retry = Message.objects.filter(state="pending", attempts__gt=0).order_by("send_after").first()
        if retry is not None and retry.send_after > dt.datetime.now(dt.UTC):
            clock.move_to(retry.send_after)
        if not dispatch_due(provider=provider).claimed:
            return


@pytest.fixture
def confirmation(booking, twilio_settings):
    triggers.booking_confirmed(booking=booking)
    return Message.objects.get(kind=K.LEARNER_CONFIRMATION)


@pytest.mark.django_db
def test_a_500_a_429_and_a_timeout_are_retried_and_the_sms_is_sent_exactly_once(confirmation, daytime):
    http = FakeTwilioHttp(error(500, 20500, "Internal Server Error"), error(429, 20429, "Too Many Requests"),
                          requests.exceptions.ReadTimeout("read timed out"), created("SM"))
    provider = TwilioProvider(http_client=http)

    report = dispatch_due(provider=provider)
    confirmation.refresh_from_db()
    assert report.outcomes == {"retry": 1}
    assert confirmation.state == "pending" and confirmation.error_code == "20500"
    assert confirmation.send_after == dt.datetime.now(dt.UTC) + backoff(1)

    dispatch_until_quiet(provider, daytime)
    confirmation.refresh_from_db()
    assert confirmation.state == "sent" and confirmation.attempts == 4
    assert confirmation.provider_id.startswith("SM") and confirmation.error_code == ""
    assert len(http.seen) == 4 and len(http.accepted) == 1
    sent = http.accepted[0]
    assert sent.url.endswith(f"/Accounts/{provider.client.username}/Messages.json")
    assert sent.data["To"] == "+819012345678" and sent.data["From"] == "+81943231111"
    assert sent.data["StatusCallback"] == "https://oshieai.example.jp/twilio/status/"
    # Nothing more goes out, however often the worker runs.
    daytime.shift(dt.timedelta(hours=1))
    dispatch_due(provider=provider)
    assert len(http.seen) == 4


@pytest.mark.django_db
@pytest.mark.parametrize("code", [21211, 21610, 21606])
def test_permanent_errors_are_not_retried_and_reach_the_coordinators(confirmation, daytime, code):
    http = FakeTwilioHttp(error(400, code, "refused"))
    dispatch_until_quiet(TwilioProvider(http_client=http), daytime)
    confirmation.refresh_from_db()
    assert confirmation.state == "failed" and confirmation.error_code == str(code)
    assert confirmation.attempts == 1 and len(http.seen) == 1
    case = FollowUp.objects.get(kind=FollowUp.Kind.REMINDERS_FAILED)
    assert case.booking_id == confirmation.booking_id and str(code) in case.detail


@pytest.mark.django_db
def test_21610_records_the_opt_out(confirmation, daytime):
    dispatch_due(provider=TwilioProvider(http_client=FakeTwilioHttp(error(400, 21610, "unsubscribed"))))
    confirmation.learner.refresh_from_db()
    assert confirmation.learner.sms_opted_out_at is not None


@pytest.mark.django_db
def test_21614_falls_back_to_a_voice_call(confirmation, daytime):
    http = FakeTwilioHttp(error(400, 21614, "'To' number is not a valid mobile number"), created("CA"))
    provider = TwilioProvider(http_client=http)
    assert dispatch_due(provider=provider).outcomes == {"fallback": 1}
    confirmation.refresh_from_db()
    assert confirmation.state == "failed" and confirmation.error_code == "21614"
    call = confirmation.fallbacks.get()
    assert call.channel == "voice" and call.state == "pending" and "予約番号は" in call.body

    dispatch_due(provider=provider)
    call.refresh_from_db()
    assert call.state == "sent" and call.provider_id.startswith("CA")
    placed = http.seen[-1]
    assert placed.url.endswith("/Calls.json") and placed.data["To"] == "+819012345678"
    assert placed.data["Url"] == f"https://oshieai.example.jp/twilio/voice/reminder/{call.pk}/"
    confirmation.learner.refresh_from_db()
    assert confirmation.learner.reminder_channel == "voice"  # and so on from now
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_a_provider_that_never_recovers_is_tried_until_the_lesson_then_fails_visibly(
    municipality, venue, topic, volunteer, learner, daytime, twilio_settings,
):
    # A lesson at 13:00 today, booked at 10:00: only the confirmation is written, due now.
    starts = dt.datetime(2026, 12, 7, 13, 0, tzinfo=TOKYO)
    lesson = factories.LessonFactory(municipality=municipality, venue=venue, topic=topic, volunteer=volunteer,
                                     starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    booking = factories.BookingFactory(lesson=lesson, learner=learner)
    triggers.booking_confirmed(booking=booking)
    http = FakeTwilioHttp(*[error(503, 20503, "unavailable")] * 50)
    dispatch_until_quiet(TwilioProvider(http_client=http), daytime, rounds=50)

    confirmation = Message.objects.get(kind=K.LEARNER_CONFIRMATION)
    minutes = [(seen.at - DAYTIME).total_seconds() / 60 for seen in http.seen]
    # 30 s, 1, 2, 4, 8, 16 min, then every 30 min while a try can still come before 13:00.
    assert minutes == [0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5, 61.5, 91.5, 121.5, 151.5]
    assert confirmation.state == "failed" and confirmation.attempts == len(minutes) == 11
    assert confirmation.error_code == "20503"
    case = FollowUp.objects.get(kind=FollowUp.Kind.REMINDERS_FAILED)
    assert case.booking == booking and "11回" in case.detail
    assert case.opened_at == dt.datetime(2026, 12, 7, 12, 31, 30, tzinfo=TOKYO)  # before the lesson, not after


@pytest.mark.django_db
def test_messaging_service_sets_a_validity_period(confirmation, daytime, settings):
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    http = FakeTwilioHttp(created("SM"))
    dispatch_due(provider=TwilioProvider(http_client=http))
    data = http.seen[0].data
    assert data["MessagingServiceSid"] == settings.TWILIO_MESSAGING_SERVICE_SID and "From" not in data
    assert data["ValidityPeriod"] == 36000  # capped: the lesson is two days away


@pytest.mark.django_db
def test_twilio_needs_credentials(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(ImproperlyConfigured):
        TwilioProvider(http_client=FakeTwilioHttp())


@pytest.mark.django_db
@pytest.mark.parametrize("code", [21610, 21614])
def test_a_family_members_number_refusing_changes_nothing_about_the_learner(booking, learner, twilio_settings,
                                                                            daytime, code):
    learner.proxy_phone, learner.proxy_gets_reminders = "+818011112222", True
    learner.save()
    triggers.booking_confirmed(booking=booking)
    proxy_reminder = Message.objects.get(to="+818011112222")
    Message.objects.exclude(pk=proxy_reminder.pk).update(state="cancelled")
    Message.objects.filter(pk=proxy_reminder.pk).update(send_after=dt.datetime.now(dt.UTC))
    http = FakeTwilioHttp(error(400, code, "refused"), created("CA"))
    assert dispatch_due(provider=TwilioProvider(http_client=http)).outcomes == {"failed": 1}
    learner.refresh_from_db()
    assert learner.sms_opted_out_at is None and learner.reminder_channel == "sms"
    assert len(http.seen) == 1  # nobody was called in the family member's place
    assert FollowUp.objects.filter(kind=FollowUp.Kind.REMINDERS_FAILED, booking=booking).exists()
