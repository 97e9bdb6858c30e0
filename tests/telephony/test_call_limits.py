"""Calls per caller number on the voice line, through signed webhook requests: over the limit a
caller hears a polite goodbye, and nothing is booked, texted, recorded or even stored."""

import datetime as dt

import pytest
from django.utils import timezone

from literacy.followups.models import FollowUp
from literacy.notifications.models import Message
from literacy.scheduling.models import Booking
from literacy.telephony.call_sessions import call_session_start
from literacy.telephony.models import CallSession
from tests import factories
from tests.telephony.test_voice_line import Call, Twiml

TOKEN = "test-twilio-auth-token"


@pytest.fixture(autouse=True)
def twilio_token(settings):
    settings.TWILIO_AUTH_TOKEN = TOKEN


@pytest.fixture
def limits(settings):
    settings.VOICE_MAX_CALLS_PER_HOUR = 2
    settings.VOICE_MAX_CALLS_PER_DAY = 4
    settings.VOICE_MAX_WITHHELD_CALLS_PER_HOUR = 3
    settings.VOICE_MAX_WITHHELD_CALLS_PER_DAY = 6
    return settings


@pytest.fixture
def tuesday_window(volunteer, venue):
    return factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                         ends=dt.time(12), is_instant=True)


def call(client, n: int, caller="+819012345678") -> Call:
    return Call(client, sid=f"CA{n:032d}", caller=caller)


def calls_made(client, count: int, *, caller="+819012345678"):
    for n in range(1, count + 1):
        assert call(client, n, caller).start().gather is not None


def earlier_calls(municipality, count: int, *, ago: dt.timedelta, caller="+819012345678"):
    """Calls made `ago` before now, as the voice line records them."""
    for n in range(count):
        session = call_session_start(call_sid=f"CA-earlier-{n}", municipality=municipality, from_number=caller)
        CallSession.objects.filter(pk=session.pk).update(created_at=timezone.now() - ago)


def assert_refused(twiml: Twiml):
    assert "お電話が続いているため、しばらくのあいだ自動の受付をお休みしています" in twiml.text
    assert "時間をおいて、もう一度おかけ直しください。" in twiml.text
    says = list(twiml.root.iter("Say"))
    assert says and all(say.get("language") == "ja-JP" for say in says)
    assert twiml.find("Hangup") is not None
    for verb in ("Gather", "Record", "Dial", "Redirect"):
        assert twiml.root.find(f".//{verb}") is None, verb


def test_over_the_hours_limit_a_caller_hears_a_polite_goodbye(client, municipality, district, venue, topic,
                                                               tuesday_window, clock, limits, memory_outbox):
    calls_made(client, 2)
    refused = call(client, 3).start()
    assert_refused(refused)
    assert "186" not in refused.text  # that advice is for withheld numbers
    # The refused call left nothing: no session, so pressing keys finds no call and goes back to the
    # greeting, which refuses again. Nothing booked, no text, no voicemail case.
    assert CallSession.objects.count() == 2
    back = Twiml(call(client, 3).post("/twilio/voice/keys/menu/", Digits="1"))
    assert back.find("Redirect").text == "/twilio/voice/" and back.gather is None
    assert_refused(Twiml(call(client, 3).post(back.find("Redirect").text)))
    assert not Booking.objects.exists() and not FollowUp.objects.exists()
    assert not Message.objects.exists() and memory_outbox == []


def test_other_numbers_still_get_through(client, municipality, district, venue, topic, clock, limits):
    calls_made(client, 2)
    assert call(client, 3, caller="+819087654321").start().gather is not None


def test_twilio_repeating_the_first_webhook_of_an_allowed_call_is_not_refused(client, municipality, district,
                                                                            venue, topic, clock, limits):
    calls_made(client, 2)
    assert call(client, 2).start().gather is not None  # the second call, retried by Twilio


def test_calls_an_hour_ago_count_toward_the_day(client, municipality, district, venue, topic, clock, limits):
    earlier_calls(municipality, 3, ago=dt.timedelta(hours=2))
    assert call(client, 4).start().gather is not None  # 0 in the hour, 3 in the day
    assert_refused(call(client, 5).start())  # 4 in the day


def test_calls_more_than_a_day_ago_do_not_count(client, municipality, district, venue, topic, clock, limits):
    earlier_calls(municipality, 4, ago=dt.timedelta(hours=25))
    assert call(client, 5).start().gather is not None


@pytest.mark.parametrize("withheld", ["anonymous", "Anonymous", "+266696687", "", "0120"])
def test_withheld_callers_share_one_bucket_with_a_higher_limit(client, municipality, district, venue, topic, clock,
                                                              limits, withheld):
    # Three calls without a usable number, each shown differently: one bucket, above the per-number limit.
    for n, shown in enumerate(["anonymous", "+266696687", ""], 1):
        assert call(client, n, caller=shown).start().gather is not None
    refused = call(client, 4, caller=withheld).start()
    assert_refused(refused)
    assert "電話番号の前に186をつけて" in refused.text
    # A caller who shows their number is not held up by the withheld flood.
    assert call(client, 5).start().gather is not None


def test_the_withheld_bucket_is_per_municipality(client, municipality, district, venue, topic, clock, limits):
    other_city = factories.MunicipalityFactory(program_phone="0942-11-2222")
    for n in range(1, 4):
        call(client, n, caller="anonymous").start()
    other = Call(client, sid="CA9", caller="anonymous", to="+81942112222")
    assert other.start().gather is not None
    assert CallSession.objects.get(call_sid="CA9").municipality == other_city


def test_the_signature_is_checked_before_the_limit(client, municipality, district, venue, topic, clock, limits):
    calls_made(client, 2)
    response = call(client, 3).post("/twilio/voice/", signature="forged")
    assert response.status_code == 403 and b"Say" not in response.content
