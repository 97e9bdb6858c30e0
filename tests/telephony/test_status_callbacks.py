"""Status callbacks: deduplicated, never move a final state back, order does not matter."""

import datetime as dt

import pytest
from django.utils import timezone

from literacy.followups.models import FollowUp
from literacy.notifications import triggers
from literacy.notifications.dispatcher import dispatch_due
from literacy.notifications.models import DeliveryEvent, Message
from tests.conftest import TOKYO


@pytest.fixture
def sent(booking, daytime):
    triggers.booking_confirmed(booking=booking)
    dispatch_due()
    message = Message.objects.get(kind=Message.Kind.LEARNER_CONFIRMATION)
    assert message.state == "sent"
    return message


def callback(twilio_post, message, status, **extra):
    data = {"MessageSid": message.provider_id, "MessageStatus": status, "AccountSid": "AC" + "0" * 32, **extra}
    return twilio_post("/twilio/status/", data)


@pytest.mark.django_db
def test_delivered_is_recorded_once_however_often_it_arrives(twilio_post, sent):
    for _ in range(3):
        assert callback(twilio_post, sent, "delivered").status_code == 204
    sent.refresh_from_db()
    assert sent.state == "delivered"
    assert DeliveryEvent.objects.filter(message=sent).count() == 1


@pytest.mark.django_db
def test_out_of_order_callbacks_end_in_the_final_state(twilio_post, sent):
    for status in ("delivered", "sent", "queued", "sending"):
        callback(twilio_post, sent, status)
    sent.refresh_from_db()
    assert sent.state == "delivered"
    assert list(DeliveryEvent.objects.filter(message=sent).values_list("status", flat=True)) == [
        "delivered", "sent", "queued", "sending"]


@pytest.mark.django_db
def test_a_final_state_is_not_replaced_by_another(twilio_post, sent):
    callback(twilio_post, sent, "undelivered", ErrorCode="30003")
    callback(twilio_post, sent, "delivered")
    sent.refresh_from_db()
    assert sent.state == "undelivered" and sent.error_code == "30003"
    assert FollowUp.objects.filter(kind=FollowUp.Kind.REMINDERS_FAILED, booking=sent.booking).count() == 1


@pytest.mark.django_db
def test_a_callback_before_the_worker_recorded_the_sid_is_applied_later(twilio_post, booking, daytime):
    from literacy.notifications.dispatcher import _record_sent, claim_due
    from literacy.notifications.providers import SendResult

    triggers.booking_confirmed(booking=booking)
    (message_id,) = claim_due(worker="w")
    message = Message.objects.get(pk=message_id)
    sid = "SM" + "f" * 32
    twilio_post("/twilio/status/", {"MessageSid": sid, "MessageStatus": "delivered"})
    _record_sent(message, "w", SendResult(provider_id=sid))
    message.refresh_from_db()
    assert message.state == "delivered"


@pytest.mark.django_db
def test_a_callback_that_crossed_the_workers_record_is_applied_by_the_periodic_job(booking, daytime):
    """The callback looked for its message just before the worker recorded the id, and committed
    just after the worker looked for early callbacks: each missed the other. What is left is an
    event with no message, for a message recorded as sent. The job applies it."""
    from literacy.notifications.periodic import run_job

    triggers.booking_confirmed(booking=booking)
    dispatch_due()
    message = Message.objects.get(kind=Message.Kind.LEARNER_CONFIRMATION)
    DeliveryEvent.objects.create(message=None, provider_id=message.provider_id, status="undelivered",
                                 error_code="30003", raw={})
    assert run_job("delivery_events_attach_late") == 1
    message.refresh_from_db()
    assert message.state == "undelivered" and message.error_code == "30003"
    assert DeliveryEvent.objects.get(provider_id=message.provider_id).message == message
    assert FollowUp.objects.filter(kind=FollowUp.Kind.REMINDERS_FAILED, booking=booking).count() == 1
    assert run_job("delivery_events_attach_late") == 0  # nothing left; a callback nobody sent stays put


@pytest.mark.django_db
def test_an_unanswered_reminder_call_is_tried_once_more_then_queued_for_a_person(twilio_post, lesson, municipality, daytime):
    from tests import factories

    learner = factories.LearnerFactory(municipality=municipality, phone="+81943225555", phone_kind="landline",
                                       reminder_channel="voice")
    booking = factories.BookingFactory(lesson=lesson, learner=learner)
    triggers.booking_confirmed(booking=booking)
    dispatch_due()
    call = Message.objects.get(kind=Message.Kind.LEARNER_CONFIRMATION)
    twilio_post("/twilio/status/", {"CallSid": call.provider_id, "CallStatus": "no-answer"})
    call.refresh_from_db()
    assert call.state == "undelivered"
    retry = call.fallbacks.get()
    assert retry.channel == "voice" and retry.payload["round"] == 2 and retry.state == "pending"
    assert not FollowUp.objects.exists()

    daytime.move_to(retry.send_after)
    dispatch_due()
    retry.refresh_from_db()
    twilio_post("/twilio/status/", {"CallSid": retry.provider_id, "CallStatus": "busy"})
    assert not retry.fallbacks.exists()
    case = FollowUp.objects.get(kind=FollowUp.Kind.REMINDERS_FAILED)
    assert case.booking == booking and case.learner == learner


@pytest.mark.django_db
def test_a_callback_for_an_unknown_sid_is_kept_and_harmless(twilio_post):
    assert twilio_post("/twilio/status/", {"MessageSid": "SMunknown", "MessageStatus": "failed"}).status_code == 204
    assert DeliveryEvent.objects.get().message is None


@pytest.fixture
def landline_booking(lesson, municipality):
    from tests import factories

    learner = factories.LearnerFactory(municipality=municipality, phone="+81943225555", phone_kind="landline",
                                       reminder_channel="voice")
    return factories.BookingFactory(lesson=lesson, learner=learner)


@pytest.mark.django_db
def test_the_second_call_waits_for_the_allowed_hours(twilio_post, landline_booking, clock):
    clock.move_to(dt.datetime(2026, 12, 7, 19, 0, tzinfo=TOKYO))  # two hours later would be 21:00
    triggers.booking_confirmed(booking=landline_booking)
    dispatch_due()
    call = Message.objects.get(kind=Message.Kind.LEARNER_CONFIRMATION)
    twilio_post("/twilio/status/", {"CallSid": call.provider_id, "CallStatus": "no-answer"})
    retry = call.fallbacks.get()
    assert retry.send_after == dt.datetime(2026, 12, 8, 9, 0, tzinfo=TOKYO)
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_a_day_before_call_unanswered_in_the_evening_goes_to_a_person_at_once(
    twilio_post, landline_booking, clock,
):
    """Its second call could only come on the lesson's day, when 明日 is wrong: a coordinator
    gets the case now instead of the call expiring unseen in the morning."""
    clock.move_to(dt.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO))
    triggers.booking_confirmed(booking=landline_booking)
    dispatch_due()
    clock.move_to(dt.datetime(2026, 12, 8, 19, 0, tzinfo=TOKYO))  # the worker was away since 10:00
    dispatch_due()
    call = Message.objects.get(kind=Message.Kind.LEARNER_REMINDER_DAY_BEFORE)
    assert call.state == "sent"
    twilio_post("/twilio/status/", {"CallSid": call.provider_id, "CallStatus": "no-answer"})
    assert not call.fallbacks.exists()
    case = FollowUp.objects.get(kind=FollowUp.Kind.REMINDERS_FAILED)
    assert case.booking == landline_booking and case.opened_at == timezone.now()
