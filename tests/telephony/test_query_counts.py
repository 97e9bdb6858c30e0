"""Every Twilio webhook (inbound SMS, status callbacks, the reminder call and every step of the
voice line) runs a fixed number of queries, whether the city has 2 or 8 topics, areas and
volunteers free on Tuesday, and the caller 2 or 8 bookings with messages sent about them."""

import datetime as dt
from types import SimpleNamespace

import pytest

from literacy.notifications.models import Message
from literacy.scheduling.models import HelpRequest
from tests import factories
from tests.conftest import NOW, TOKYO
from tests.query_counts import SIZES, Case, assert_pinned, keys_of
from tests.telephony.test_voice_line import TOKEN, Call

CALLER = "+819012345678"


def sent_message(booking, *, channel, kind, sid):
    return Message.objects.create(
        municipality=booking.municipality, channel=channel, kind=kind, to=booking.learner.phone, body="あした10時です",
        send_after=NOW, idempotency_key=sid, learner=booking.learner, booking=booking, lesson=booking.lesson,
        state=Message.State.SENT, provider_id=sid)


def busy_line(m, district, venue, topic, volunteer, size):
    hanako = factories.LearnerFactory(municipality=m, phone=CALLER, name="八女 花子", name_kana="やめ はなこ")
    # Her husband shares the number: the line asks whose booking it is.
    factories.LearnerFactory(municipality=m, phone=CALLER, name="八女 一郎", name_kana="やめ いちろう")
    chiyoko = factories.LearnerFactory(municipality=m, phone="+81943225555", phone_kind="landline",
                                       reminder_channel="voice")
    volunteers = [volunteer] + [factories.VolunteerFactory(municipality=m, topics=[topic]) for _ in range(size - 1)]
    messages = []
    for n, person in enumerate(volunteers):
        factories.AvailabilityFactory(volunteer=person, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12),
                                      is_instant=True)
        factories.VenueFactory(municipality=m, district=factories.DistrictFactory(municipality=m, order=n + 1))
        other_topic = factories.TopicFactory(municipality=m, order=n + 1)
        # Topics are read out most asked-for first: LINE stays key 1 at every size.
        for asked in (other_topic, topic, topic):
            HelpRequest.objects.create(municipality=m, learner=chiyoko, topic=asked, channel="kiosk", deadline=NOW)
        lesson = factories.LessonFactory(municipality=m, volunteer=person, venue=venue, topic=topic,
                                         starts_at=dt.datetime(2026, 12, 9, 14, tzinfo=TOKYO) + dt.timedelta(days=7 * n))
        booking = factories.BookingFactory(lesson=lesson, learner=hanako)
        messages.append(sent_message(booking, channel="sms", kind=Message.Kind.LEARNER_CONFIRMATION,
                                     sid=f"SM{n:032d}"))
        voice_booking = factories.BookingFactory(lesson=lesson, learner=chiyoko)
        messages.append(sent_message(voice_booking, channel="voice", kind=Message.Kind.LEARNER_REMINDER_DAY_BEFORE,
                                     sid=f"CA{n:032d}"))
    return messages


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def line(request, client, clock, settings, municipality, district, venue, topic, volunteer):
    settings.TWILIO_AUTH_TOKEN = TOKEN
    messages = busy_line(municipality, district, venue, topic, volunteer, request.param)
    return SimpleNamespace(call=Call(client, caller=CALLER), sms=messages[0], voice=messages[1], twiml=None,
                           settings=settings)


def answered(*keys):
    """Call, and press `keys` one menu after another; the last menu is kept for the counted press."""
    def before(w):
        w.twiml = w.call.start()
        for key in keys:
            w.twiml = w.call.press(w.twiml, key)
    return before


def over_the_limit(*, reported: bool):
    """The caller has called their fill for the hour; with reported, the coordinators already have
    the case about the number (a flood's every later call), else this call opens it."""
    def before(w):
        w.call.start()
        w.settings.VOICE_MAX_CALLS_PER_HOUR = 1
        if reported:
            Call(w.call.client, sid="CA" + "7" * 32, caller=CALLER).start()
    return before


def refused_call(w):
    return Call(w.call.client, sid="CA" + "8" * 32, caller=CALLER).post("/twilio/voice/")


def press(key, *, after):
    return Case(send=lambda w: w.call.post(w.twiml.gather.get("action"), Digits=key), before=answered(*after))


def posted(path, **params):
    return lambda w: w.call.post(path(w) if callable(path) else path,
                                 **{k: v(w) if callable(v) else v for k, v in params.items()})


CASES = {
    "POST telephony:sms": Case(send=posted("/twilio/sms/", MessageSid="SM" + "9" * 32, Body="1")),
    "POST telephony:status": Case(send=posted("/twilio/status/", MessageSid=lambda w: w.sms.provider_id,
                                              MessageStatus="delivered"), status=204),
    "POST telephony:voice-reminder": Case(send=posted(lambda w: f"/twilio/voice/reminder/{w.voice.pk}/",
                                                      CallSid=lambda w: w.voice.provider_id)),
    "POST telephony:voice-reminder-answer": Case(send=posted(
        lambda w: f"/twilio/voice/reminder/{w.voice.pk}/answer/", CallSid=lambda w: w.voice.provider_id, Digits="1")),
    "POST voice_line:incoming": Case(send=lambda w: w.call.post("/twilio/voice/")),
    "POST voice_line:incoming refused": Case(send=refused_call, before=over_the_limit(reported=True)),
    "POST voice_line:incoming refused and reported": Case(send=refused_call, before=over_the_limit(reported=False)),
    "POST voice_line:step menu": press("1", after=[]),
    "POST voice_line:step who": press("1", after=["1"]),
    "POST voice_line:step topic": press("1", after=["1", "1"]),
    "POST voice_line:step area": press("1", after=["1", "1", "1"]),
    "POST voice_line:step time": press("1", after=["1", "1", "1", "1"]),
    "POST voice_line:step confirm": press("1", after=["1", "1", "1", "1", "1"]),
    "POST voice_line:step check": press("2", after=["2"]),
    "POST voice_line:step cancel": press("1", after=["2", "1"]),
    "POST voice_line:step silence": Case(send=lambda w: w.call.post(w.twiml.find("Redirect").text),
                                         before=answered()),
    "POST voice_line:person_after": Case(send=posted("/twilio/voice/person/after/", DialCallStatus="no-answer"),
                                         before=answered("0")),
    "POST voice_line:voicemail": Case(send=posted("/twilio/voice/voicemail/", RecordingStatus="completed",
                                                  RecordingUrl="https://api.twilio.com/rec/RE1", RecordingDuration="12"),
                                      before=answered("0"), status=204),
    "POST voice_line:voicemail_done": Case(send=posted("/twilio/voice/voicemail/done/"), before=answered("0")),
}
PINNED = {
    "POST telephony:sms": 15,
    "POST telephony:status": 7,
    "POST telephony:voice-reminder": 1,
    "POST telephony:voice-reminder-answer": 11,
    "POST voice_line:incoming": 13,
    "POST voice_line:incoming refused": 3,
    "POST voice_line:incoming refused and reported": 10,
    "POST voice_line:step menu": 5,
    "POST voice_line:step who": 9,
    "POST voice_line:step topic": 8,
    "POST voice_line:step area": 17,
    "POST voice_line:step time": 6,
    "POST voice_line:step confirm": {"sqlite": 38, "postgresql": 37},
    "POST voice_line:step check": 5,
    "POST voice_line:step cancel": 28,
    "POST voice_line:step silence": 4,
    "POST voice_line:person_after": 4,
    "POST voice_line:voicemail": 11,
    "POST voice_line:voicemail_done": 4,
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(line, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=line)


def test_the_keys_above_walk_the_menus_they_name(line):
    """Whose booking → topic → area → the first free time → confirm: if the menus change, the
    cases above must follow, or they would count a different step."""
    steps = {(): "/menu/", ("1",): "/who/", ("1", "1"): "/topic/", ("1", "1", "1"): "/area/",
             ("1", "1", "1", "1"): "/time/", ("1", "1", "1", "1", "1"): "/confirm/", ("2",): "/check/",
             ("2", "1"): "/cancel/"}
    for keys, step in steps.items():
        answered(*keys)(line)
        assert line.twiml.gather.get("action").endswith(step), (keys, line.twiml.text)
