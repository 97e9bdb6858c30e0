"""Inbound SMS: 1 confirms, 2 cancels the right booking, 停止/開始 opt out and in, else help."""

import datetime as dt

import pytest

from literacy.notifications import triggers
from literacy.notifications.models import InboundMessage, Message
from literacy.scheduling.models import Booking
from tests import factories
from tests.conftest import TOKYO


def send(twilio_post, body, *, sid="SM" + "1" * 32, sender="+819012345678"):
    response = twilio_post("/twilio/sms/", {"MessageSid": sid, "From": sender, "To": "+81943231111", "Body": body})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    return response.content.decode()


@pytest.mark.django_db
def test_2_cancels_the_booking_and_tells_the_volunteer(twilio_post, booking):
    triggers.booking_confirmed(booking=booking)
    reply = send(twilio_post, "２")  # full-width, as a Japanese keyboard types it
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED
    assert "キャンセルしました" in reply and "スマホ相談" in reply
    # A one-to-one lesson ends with its only booking: the volunteer hears that, and gets a CANCEL.
    assert Message.objects.get(kind=Message.Kind.VOLUNTEER_CANCELLED).state == "pending"
    assert Message.objects.get(kind=Message.Kind.VOLUNTEER_INVITE_CANCEL).state == "pending"
    # The reply said it already; the queued notice is not sent as well.
    notice = Message.objects.get(booking=booking, kind=Message.Kind.LEARNER_CANCELLED)
    assert notice.state == "skipped"
    assert not Message.objects.filter(booking=booking, state="pending").exists()
    inbound = InboundMessage.objects.get()
    assert inbound.action == "cancelled" and inbound.booking == booking


@pytest.mark.django_db
def test_several_bookings_are_told_apart_by_code(twilio_post, booking, lesson, learner, municipality, venue, topic):
    later_start = lesson.starts_at + dt.timedelta(days=7)
    later = factories.BookingFactory(
        learner=learner, code="775511",
        lesson=factories.LessonFactory(municipality=municipality, venue=venue, topic=topic,
                                       starts_at=later_start, ends_at=later_start + dt.timedelta(hours=1)),
    )
    reply = send(twilio_post, "2", sid="SM" + "2" * 32)
    assert "予約番号" in reply
    booking.refresh_from_db()
    later.refresh_from_db()
    assert booking.state == later.state == "booked"

    send(twilio_post, "キャンセル 775511", sid="SM" + "3" * 32)
    booking.refresh_from_db()
    later.refresh_from_db()
    assert later.state == "cancelled" and booking.state == "booked"


@pytest.mark.django_db
def test_1_confirms(twilio_post, booking):
    reply = send(twilio_post, "はい")
    booking.refresh_from_db()
    assert booking.learner_confirmed_at is not None and "ありがとう" in reply


@pytest.mark.django_db
def test_a_repeated_webhook_acts_once(twilio_post, booking):
    first = send(twilio_post, "2")
    second = send(twilio_post, "2")
    assert first == second and InboundMessage.objects.count() == 1


@pytest.mark.django_db
def test_stop_and_start(twilio_post, booking):
    triggers.booking_confirmed(booking=booking)
    reply = send(twilio_post, "停止", sid="SM" + "4" * 32)
    booking.learner.refresh_from_db()
    assert booking.learner.sms_opted_out_at is not None and "開始" in reply
    assert not Message.objects.filter(learner=booking.learner, channel="sms", state="pending").exists()
    # Stopping texts is not leaving the program: what was still to go comes as calls, and so does
    # what a new booking writes.
    calls = Message.objects.filter(learner=booking.learner, channel="voice", state="pending")
    assert set(calls.values_list("kind", flat=True)) == {
        Message.Kind.LEARNER_CONFIRMATION, Message.Kind.LEARNER_REMINDER_DAY_BEFORE,
        Message.Kind.LEARNER_REMINDER_MORNING}
    later = factories.BookingFactory(learner=booking.learner, municipality=booking.municipality,
                                     lesson=factories.LessonFactory(municipality=booking.municipality,
                                                                    starts_at=booking.lesson.starts_at
                                                                    + dt.timedelta(days=7)))
    triggers.booking_confirmed(booking=later)
    assert set(Message.objects.filter(booking=later).values_list("channel", flat=True)) == {"voice"}
    send(twilio_post, "START", sid="SM" + "5" * 32)
    booking.learner.refresh_from_db()
    assert booking.learner.sms_opted_out_at is None


@pytest.mark.django_db
def test_anything_else_gets_short_help_without_a_link(twilio_post, booking):
    reply = send(twilio_post, "明日は何時でしたか？")
    assert "1" in reply and "2" in reply and "http" not in reply
    booking.refresh_from_db()
    assert booking.state == "booked"


@pytest.mark.django_db
def test_an_unknown_number_changes_nothing_and_gets_no_reply(twilio_post, booking):
    """A reply is a text on the city's bill: never to a number the city does not know."""
    reply = send(twilio_post, "2", sender="+819099998888")
    booking.refresh_from_db()
    assert booking.state == "booked" and "<Message" not in reply
    inbound = InboundMessage.objects.get()
    assert inbound.action == "no_booking" and inbound.reply == ""


@pytest.mark.django_db
def test_a_family_proxys_number_is_answered(twilio_post, booking):
    booking.learner.proxy_phone = "+819055556666"
    booking.learner.save()
    assert "<Message" in send(twilio_post, "こんにちは", sender="+819055556666")


@pytest.mark.django_db
def test_replies_to_one_number_stop_at_the_daily_cap(twilio_post, booking, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 2
    replies = [send(twilio_post, "こんにちは", sid=f"SM{n:032d}") for n in range(4)]
    assert ["<Message" in reply for reply in replies] == [True, True, False, False]


@pytest.mark.django_db
def test_a_past_booking_is_not_cancelled(twilio_post, booking, daytime):
    daytime.move_to(dt.datetime(2026, 12, 10, 10, 0, tzinfo=TOKYO))
    send(twilio_post, "2")
    booking.refresh_from_db()
    assert booking.state == "booked"


@pytest.mark.django_db
def test_2_in_a_group_class_frees_the_seat_and_tells_the_volunteer(twilio_post, booking, lesson):
    lesson.format = "group"
    lesson.seats = 1
    lesson.save()
    waiting = factories.BookingFactory(lesson=lesson, state="waitlisted")
    send(twilio_post, "2")
    booking.refresh_from_db()
    waiting.refresh_from_db()
    assert booking.state == "cancelled" and waiting.state == "booked"  # the waitlist moves up
    notice = Message.objects.get(kind=Message.Kind.VOLUNTEER_BOOKING_CANCELLED)
    assert notice.state == "pending" and "美智子様" in notice.body
    assert Message.objects.filter(booking=waiting, kind=Message.Kind.LEARNER_CONFIRMATION).exists()


@pytest.mark.django_db
def test_the_number_texted_says_which_citys_program_the_reply_is_for(twilio_post, booking, municipality):
    """Two cities on one server, one senior known to both: a 2 sent to the second city's number
    cancels nothing of the first's, and the reply speaks for the second city."""
    other = factories.MunicipalityFactory(jis_code="402036", name="久留米市", slug="kurume",
                                          program_name="くるめスマホ相談", program_phone="0942-30-0000")
    factories.LearnerFactory(municipality=other, phone=booking.learner.phone, name=booking.learner.name)
    response = twilio_post("/twilio/sms/", {"MessageSid": "SM" + "6" * 32, "From": booking.learner.phone,
                                            "To": "+81942300000", "Body": "2"})
    assert response.status_code == 200
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED
    inbound = InboundMessage.objects.get()
    assert inbound.municipality == other and inbound.learner.municipality == other
    assert "くるめスマホ相談" in response.content.decode()
