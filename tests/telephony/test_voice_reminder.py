"""The reminder call: Japanese speech inside a Gather; 1 confirms, 2 cancels, 3 repeats."""

import xml.etree.ElementTree as ET

import pytest

from literacy.notifications import triggers
from literacy.notifications.dispatcher import dispatch_due
from literacy.notifications.models import InboundMessage, Message
from tests import factories


@pytest.fixture
def call(lesson, municipality, daytime):
    learner = factories.LearnerFactory(municipality=municipality, name="勅使河原 千代子", name_kana="てしがわら ちよこ",
                                       phone="+81943225555", phone_kind="landline", reminder_channel="voice")
    booking = factories.BookingFactory(lesson=lesson, learner=learner, code="305127")
    triggers.booking_confirmed(booking=booking)
    dispatch_due()
    return Message.objects.get(booking=booking, kind=Message.Kind.LEARNER_CONFIRMATION)


def twiml(response):
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    return ET.fromstring(response.content)


@pytest.mark.django_db
def test_the_call_speaks_japanese_inside_a_gather(twilio_post, call):
    root = twiml(twilio_post(f"/twilio/voice/reminder/{call.pk}/", {"CallSid": call.provider_id}))
    gather = root.find("Gather")
    assert gather.get("numDigits") == "1" and gather.get("action").endswith(f"/reminder/{call.pk}/answer/")
    says = gather.findall("Say")
    assert all(s.get("language") == "ja-JP" and s.get("voice").startswith("Polly.") for s in says)
    spoken = " ".join(s.text for s in says)
    assert "てしがわら ちよこ様" in spoken and "3、0、5、1、2、7" in spoken
    assert "1を" in spoken and "2を" in spoken and "3を" in spoken
    assert root.find("Redirect").text.endswith("?again=1")  # no key: say it once more


@pytest.mark.django_db
def test_1_confirms(twilio_post, call):
    root = twiml(twilio_post(f"/twilio/voice/reminder/{call.pk}/answer/", {"CallSid": call.provider_id, "Digits": "1"}))
    call.booking.refresh_from_db()
    assert call.booking.learner_confirmed_at is not None
    assert "お待ちしております" in root.find("Say").text and root.find("Hangup") is not None


@pytest.mark.django_db
def test_2_cancels_frees_the_seat_and_tells_the_volunteer(twilio_post, call):
    root = twiml(twilio_post(f"/twilio/voice/reminder/{call.pk}/answer/", {"CallSid": call.provider_id, "Digits": "2"}))
    booking = call.booking
    booking.refresh_from_db()
    assert booking.state == "cancelled"
    assert "キャンセルしました" in root.find("Say").text
    assert Message.objects.get(volunteer=booking.lesson.volunteer, kind=Message.Kind.VOLUNTEER_CANCELLED).state == "pending"
    assert Message.objects.get(booking=booking, kind=Message.Kind.LEARNER_CANCELLED).state == "skipped"
    # Twilio retrying the same keypress does not cancel twice.
    twilio_post(f"/twilio/voice/reminder/{call.pk}/answer/", {"CallSid": call.provider_id, "Digits": "2"})
    assert InboundMessage.objects.filter(action="cancelled").count() == 1


@pytest.mark.django_db
def test_3_repeats(twilio_post, call):
    root = twiml(twilio_post(f"/twilio/voice/reminder/{call.pk}/answer/", {"CallSid": call.provider_id, "Digits": "3"}))
    assert root.find("Redirect").text.endswith(f"/twilio/voice/reminder/{call.pk}/")
    call.booking.refresh_from_db()
    assert call.booking.state == "booked"


@pytest.mark.django_db
def test_a_call_for_a_booking_cancelled_meanwhile_says_so(twilio_post, call):
    from literacy.scheduling.services import booking_cancel

    booking_cancel(booking=call.booking, reason="窓口で取消", by_learner=True)
    root = twiml(twilio_post(f"/twilio/voice/reminder/{call.pk}/", {"CallSid": call.provider_id}))
    assert root.find("Gather") is None and "有効ではありません" in root.find("Say").text
