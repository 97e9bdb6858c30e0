"""Calls per caller number on the voice line, through signed webhook requests: over the limit a
caller hears a polite goodbye, and nothing is booked, texted, recorded or even stored, except the
coordinators' one case for the number, however long the flood goes on."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from literacy.followups.models import FollowUp
from literacy.followups.services import followup_close
from literacy.notifications.models import Message
from literacy.places.models import Municipality
from literacy.scheduling.models import Booking
from literacy.telephony.call_limits import call_limit_alert_open, calls_from_caller
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
    # greeting, which refuses again. Nothing booked, no text, no voicemail case: only the one case
    # that tells the coordinators about the number.
    assert CallSession.objects.count() == 2
    back = Twiml(call(client, 3).post("/twilio/voice/keys/menu/", Digits="1"))
    assert back.find("Redirect").text == "/twilio/voice/" and back.gather is None
    assert_refused(Twiml(call(client, 3).post(back.find("Redirect").text)))
    assert not Booking.objects.exists()
    assert list(FollowUp.objects.values_list("kind", flat=True)) == [FollowUp.Kind.CALL_LIMIT]
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


def call_limit_cases():
    return FollowUp.objects.filter(kind=FollowUp.Kind.CALL_LIMIT)


def test_a_flood_from_one_number_opens_one_case_naming_the_number_and_the_counts(
        client, municipality, district, venue, topic, clock, limits, memory_outbox):
    earlier_calls(municipality, 1, ago=dt.timedelta(hours=3))
    calls_made(client, 2)
    for n in range(3, 23):
        assert_refused(call(client, n).start())  # every caller in the flood still hears the goodbye
    case = call_limit_cases().get()
    assert case.municipality == municipality and case.state == FollowUp.State.OPEN
    assert case.caller_phone == "+819012345678" and case.opened_at == timezone.now()
    # Calls taken in the last hour and day, and the limits: the refused ones are not stored anywhere.
    assert "直近1時間に2件、24時間に3件" in case.detail and "上限は1時間に2件、1日に4件" in case.detail
    assert "非通知" not in case.detail
    # Nothing else was written for twenty refused calls: no session, no text, no other case.
    assert CallSession.objects.count() == 3 and FollowUp.objects.count() == 1
    assert not Message.objects.exists() and memory_outbox == []


def test_the_case_does_not_come_back_within_a_day_but_does_after(client, municipality, district, venue, topic,
                                                                clock, limits, coordinator):
    calls_made(client, 2)
    assert_refused(call(client, 3).start())
    followup_close(followup=call_limit_cases().get(), outcome="お電話して用件を伺いました", closed_by=coordinator)
    # Closed by a coordinator, the case is not opened again the same day however often the number calls.
    clock.shift(dt.timedelta(hours=23))
    for n in (10, 11):  # a new hour: two more calls get through, four in the day with the first two
        assert call(client, n).start().gather is not None
    assert_refused(call(client, 12).start())
    assert call_limit_cases().count() == 1
    # A day after the case was opened, a number still over its limit is reported again.
    clock.shift(dt.timedelta(hours=1, minutes=1))
    for n in (13, 14):
        assert call(client, n).start().gather is not None
    assert_refused(call(client, 15).start())
    assert call_limit_cases().count() == 2 and call_limit_cases().filter(state=FollowUp.State.OPEN).count() == 1


def test_an_open_case_older_than_a_day_is_not_doubled(municipality, clock, limits):
    count = calls_from_caller(municipality=municipality, from_number="090-1234-5678", call_sid="CA1")
    assert call_limit_alert_open(municipality=municipality, count=count) is not None
    clock.shift(dt.timedelta(days=3))
    assert call_limit_alert_open(municipality=municipality, count=count) is None
    assert call_limit_cases().count() == 1


def test_each_number_and_each_city_has_its_own_case(client, municipality, district, venue, topic, clock, limits):
    other_number = "+819087654321"
    other_city = factories.MunicipalityFactory(program_phone="0942-11-2222")
    calls_made(client, 2)
    assert_refused(call(client, 3).start())
    for n in range(11, 14):
        call(client, n, caller=other_number).start()
    for n in range(21, 24):
        Call(client, sid=f"CA{n:032d}", to="+81942112222").start()
    assert call_limit_cases().count() == 3
    assert set(call_limit_cases().values_list("municipality", "caller_phone")) == {
        (municipality.pk, "+819012345678"), (municipality.pk, other_number), (other_city.pk, "+819012345678"),
    }


def test_a_withheld_flood_opens_one_case_for_the_bucket(client, municipality, district, venue, topic, clock,
                                                       limits):
    for n, shown in enumerate(["anonymous", "+266696687", ""], 1):
        assert call(client, n, caller=shown).start().gather is not None
    for n, shown in enumerate(["anonymous", "Anonymous", "0120", "", "+266696687"], 4):
        refused = call(client, n, caller=shown).start()
        assert_refused(refused)
        assert "電話番号の前に186をつけて" in refused.text
    case = call_limit_cases().get()
    # No number to name or to call back: the case says it is the withheld calls, with their counts.
    assert case.caller_phone == "" and "非通知" in case.detail and "直近1時間に3件" in case.detail
    assert "上限は1時間に3件、1日に6件" in case.detail
    # A caller who shows their number is neither refused nor reported.
    assert call(client, 9).start().gather is not None
    assert call_limit_cases().count() == 1


def test_a_forged_request_opens_no_case(client, municipality, district, venue, topic, clock, limits):
    calls_made(client, 2)
    for n in range(3, 6):
        response = call(client, n).post("/twilio/voice/", signature="forged")
        assert response.status_code == 403
    assert not FollowUp.objects.exists() and CallSession.objects.count() == 2


def test_the_case_is_written_in_the_programs_language(municipality, clock, limits):
    """The case is stored text a coordinator reads later, whatever language the request ran in:
    the program's (Japanese unless a deployment says otherwise). The kind's label follows the reader."""
    count = calls_from_caller(municipality=municipality, from_number="anonymous", call_sid="CA1")
    with translation.override("en"):
        case = call_limit_alert_open(municipality=municipality, count=count)
        assert case.get_kind_display() == "Number calling the voice line too often"
    assert "非通知" in case.detail
    limits.LANGUAGE_CODE = "en"
    count = calls_from_caller(municipality=municipality, from_number="090-1234-5678", call_sid="CA2")
    case = call_limit_alert_open(municipality=municipality, count=count)
    assert case.detail.startswith("This number kept calling the voice line") and "the limits are 2 an hour" in case.detail


def test_the_case_is_per_municipality_for_the_same_number(municipality, clock, limits):
    other_city = factories.MunicipalityFactory(program_phone="0942-11-2222")
    for city in (municipality, other_city):
        count = calls_from_caller(municipality=city, from_number="090-1234-5678", call_sid="CA1")
        assert call_limit_alert_open(municipality=city, count=count) is not None
    assert set(Municipality.objects.filter(follow_ups__kind="call_limit").values_list("pk", flat=True)) == {
        municipality.pk, other_city.pk}
