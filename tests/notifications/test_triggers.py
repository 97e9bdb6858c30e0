"""Triggers write the right rows, in the caller's transaction, once."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from literacy.notifications import triggers
from literacy.notifications.models import Message
from literacy.notifications.services import message_enqueue, outbox_batch
from literacy.scheduling.models import Booking
from literacy.scheduling.services import booking_cancel, lesson_cancel, lesson_reschedule
from tests import factories
from tests.conftest import NOW, TOKYO

K = Message.Kind


def kinds(**filters):
    return sorted(Message.objects.filter(**filters).values_list("kind", "channel", "state"))


@pytest.mark.django_db
def test_a_confirmed_booking_gets_a_confirmation_and_two_reminders(booking):
    triggers.booking_confirmed(booking=booking)
    rows = {m.kind: m for m in Message.objects.filter(booking=booking)}
    assert set(rows) == {K.LEARNER_CONFIRMATION, K.LEARNER_REMINDER_DAY_BEFORE, K.LEARNER_REMINDER_MORNING}
    assert all(m.channel == "sms" and m.to == "+819012345678" for m in rows.values())
    day_before = rows[K.LEARNER_REMINDER_DAY_BEFORE]
    # Lesson Wed 14:00, now Mon 10:00: Tue 10:00 and Wed 9:00 (the start of the allowed hours).
    assert day_before.send_after == dt.datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO)
    assert rows[K.LEARNER_REMINDER_MORNING].send_after == dt.datetime(2026, 12, 9, 9, 0, tzinfo=TOKYO)
    assert rows[K.LEARNER_CONFIRMATION].send_after == dt.datetime(2026, 12, 7, 10, 0, tzinfo=TOKYO)
    assert rows[K.LEARNER_CONFIRMATION].not_after == booking.lesson.starts_at
    assert rows[K.LEARNER_REMINDER_MORNING].not_after == booking.lesson.starts_at
    # The day-before reminder says 明日: it is over when the lesson's day begins.
    assert day_before.not_after == dt.datetime(2026, 12, 9, 0, 0, tzinfo=TOKYO)
    assert all(m.lesson_sequence == booking.lesson.sequence for m in rows.values())


@pytest.mark.django_db
def test_reminders_too_close_to_the_booking_are_not_written(municipality, venue, topic, volunteer, learner, daytime):
    starts = dt.datetime(2026, 12, 7, 15, 0, tzinfo=TOKYO)  # this afternoon
    lesson = factories.LessonFactory(municipality=municipality, venue=venue, topic=topic, volunteer=volunteer,
                                     starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
    booking = factories.BookingFactory(lesson=lesson, learner=learner)
    triggers.booking_confirmed(booking=booking)
    assert [k for k, _c, _s in kinds(booking=booking)] == [K.LEARNER_CONFIRMATION]


@pytest.mark.django_db
def test_a_landline_learner_gets_calls(lesson, municipality):
    learner = factories.LearnerFactory(municipality=municipality, phone="+81943225555", phone_kind="landline",
                                       reminder_channel="sms")
    booking = factories.BookingFactory(lesson=lesson, learner=learner)
    triggers.booking_confirmed(booking=booking)
    assert {c for _k, c, _s in kinds(booking=booking)} == {"voice"}
    spoken = Message.objects.get(booking=booking, kind=K.LEARNER_CONFIRMATION).body
    assert "予約番号は" in spoken and "、" in spoken  # digits read one by one


@pytest.mark.django_db
def test_no_reminder_channel_means_no_messages(booking):
    booking.learner.reminder_channel = "none"
    booking.learner.save()
    triggers.booking_confirmed(booking=booking)
    assert not Message.objects.filter(booking=booking).exists()


@pytest.mark.django_db
def test_calling_a_trigger_twice_writes_once(booking):
    triggers.booking_confirmed(booking=booking)
    triggers.booking_confirmed(booking=booking)
    assert Message.objects.filter(booking=booking).count() == 3


@pytest.mark.django_db(transaction=True)
def test_messages_vanish_with_a_rolled_back_change(booking):
    with pytest.raises(RuntimeError), transaction.atomic():
        triggers.booking_confirmed(booking=booking)
        raise RuntimeError("the booking failed after all")
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_learner_cancelling_cancels_reminders_and_tells_the_volunteer(booking, lesson):
    factories.BookingFactory(lesson=lesson)  # someone else keeps the lesson going
    lesson.format = "group"
    lesson.seats = 5
    lesson.save()
    triggers.booking_confirmed(booking=booking)
    booking_cancel(booking=booking, reason="都合が悪くなった", by_learner=True)
    assert kinds(booking=booking, state="pending") == [(K.LEARNER_CANCELLED, "sms", "pending")]
    assert Message.objects.filter(booking=booking, kind=K.LEARNER_REMINDER_MORNING, state="cancelled").exists()
    notice = Message.objects.get(kind=K.VOLUNTEER_BOOKING_CANCELLED)
    assert notice.to == lesson.volunteer.phone and "美智子様" in notice.body
    assert "キャンセルしました" in Message.objects.get(booking=booking, kind=K.LEARNER_CANCELLED).body


@pytest.mark.django_db
def test_lesson_scheduled_sends_the_volunteer_an_sms_and_an_invite(lesson):
    triggers.lesson_scheduled(lesson=lesson)
    sms = Message.objects.get(kind=K.VOLUNTEER_CONFIRMATION)
    invite = Message.objects.get(kind=K.VOLUNTEER_INVITE)
    assert sms.to == lesson.volunteer.phone
    assert invite.channel == "email" and invite.to == lesson.volunteer.user.email
    assert invite.payload["ics_method"] == "REQUEST" and lesson.calendar_uid in invite.payload["ics"]


@pytest.mark.django_db
def test_reschedule_sends_a_new_invite_and_fresh_reminders(booking, lesson):
    triggers.lesson_scheduled(lesson=lesson)
    triggers.booking_confirmed(booking=booking)
    moved = lesson_reschedule(lesson=lesson, starts_at=lesson.starts_at + dt.timedelta(days=1))
    assert moved.sequence == 1
    old = Message.objects.filter(booking=booking, lesson_sequence=0, kind=K.LEARNER_REMINDER_MORNING).get()
    assert old.state == "cancelled"
    assert Message.objects.filter(booking=booking, lesson_sequence=1, kind=K.LEARNER_REMINDER_MORNING).exists()
    assert Message.objects.filter(booking=booking, kind=K.LEARNER_CHANGED).exists()
    invites = Message.objects.filter(kind=K.VOLUNTEER_INVITE).order_by("id")
    assert [i.lesson_sequence for i in invites] == [0, 1]
    assert "SEQUENCE:1" in invites[1].payload["ics"]


@pytest.mark.django_db
def test_lesson_cancel_sends_cancel_and_tells_learners_once(booking, lesson):
    triggers.lesson_scheduled(lesson=lesson)
    triggers.booking_confirmed(booking=booking)
    lesson_cancel(lesson=lesson, reason="講師の体調不良", rematch=False)
    assert Message.objects.filter(kind=K.VOLUNTEER_INVITE_CANCEL).get().payload["ics_method"] == "CANCEL"
    notices = Message.objects.filter(booking=booking, kind=K.LEARNER_CANCELLED)
    assert notices.count() == 1 and "中止" in notices.get().body
    assert not Message.objects.filter(booking=booking, state="pending").exclude(kind=K.LEARNER_CANCELLED).exists()


@pytest.mark.django_db
def test_offer_created_sends_a_signed_link_to_the_volunteer(municipality, venue, topic, volunteer, learner, daytime,
                                                           client):
    from urllib.parse import urlsplit

    from literacy.portal.offer_links import offer_from_link
    from literacy.scheduling.models import HelpRequest, Offer

    starts = dt.datetime(2026, 12, 9, 10, 0, tzinfo=TOKYO)
    request = HelpRequest.objects.create(
        municipality=municipality, learner=learner, topic=topic, venue=venue, wanted_starts_at=starts,
        wanted_ends_at=starts + dt.timedelta(hours=1), channel="kiosk", deadline=starts,
    )
    offer = Offer.objects.create(help_request=request, volunteer=volunteer, score=1.0,
                                 expires_at=starts - dt.timedelta(hours=12))
    triggers.offer_created(offer=offer)
    sms = Message.objects.get(kind=K.VOLUNTEER_OFFER, channel="sms")
    link = next(word for word in sms.body.split() if word.startswith(("http://", "https://")))
    path = urlsplit(link).path
    assert offer_from_link(path.rstrip("/").split("/")[-1]).pk == offer.pk
    # The link the volunteer receives opens the portal's confirm page without logging in.
    page = client.get(path)
    assert page.status_code == 200 and topic.name in page.content.decode()
    assert Message.objects.filter(kind=K.VOLUNTEER_OFFER, channel="email").exists()


@pytest.mark.django_db
def test_escalation_alerts_every_coordinator(municipality, topic, venue, learner, coordinator, daytime):
    from literacy.scheduling.models import HelpRequest

    request = HelpRequest.objects.create(municipality=municipality, learner=learner, topic=topic, venue=venue,
                                         channel="voice", deadline=dt.datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO),
                                         preference_note="平日の午前")
    triggers.request_escalated(help_request=request)
    alert = Message.objects.get(kind=K.COORDINATOR_ALERT)
    assert alert.to == coordinator.email and "長谷川" in alert.body


@pytest.mark.django_db
def test_a_trigger_writes_its_rows_with_one_insert_and_twice_is_harmless(booking):
    with CaptureQueriesContext(connection) as captured:
        triggers.booking_confirmed(booking=booking)
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and "notifications_message" in inserts[0]
    first = kinds(booking=booking)
    assert len(first) == 3
    triggers.booking_confirmed(booking=booking)
    assert kinds(booking=booking) == first


@pytest.mark.django_db
def test_a_batch_keeps_the_row_already_written_under_a_key(booking):
    triggers.booking_confirmed(booking=booking)
    confirmation = Message.objects.get(booking=booking, kind=K.LEARNER_CONFIRMATION)
    Message.objects.filter(pk=confirmation.pk).update(body="already sent", state=Message.State.SENT)
    triggers.booking_confirmed(booking=booking)
    confirmation.refresh_from_db()
    assert (confirmation.body, confirmation.state) == ("already sent", Message.State.SENT)
    assert Message.objects.filter(booking=booking).count() == 3


@pytest.mark.django_db
def test_in_a_batch_the_first_row_under_a_key_wins_and_an_error_writes_nothing(booking, municipality):
    def enqueue(body):
        return message_enqueue(municipality=municipality, channel="sms", kind=K.LEARNER_PENDING, to="+819012345678",
                               body=body, idempotency_key="batch-test")

    with outbox_batch():
        enqueue("first")
        enqueue("second")
        assert not Message.objects.filter(idempotency_key="batch-test").exists()  # written when the batch ends
    assert list(Message.objects.filter(idempotency_key="batch-test").values_list("body", flat=True)) == ["first"]

    with pytest.raises(RuntimeError), outbox_batch():
        message_enqueue(municipality=municipality, channel="sms", kind=K.LEARNER_PENDING, to="+819012345678",
                        body="lost", idempotency_key="batch-test-2")
        raise RuntimeError
    assert not Message.objects.filter(idempotency_key="batch-test-2").exists()


def test_a_learner_who_wants_no_reminders_still_hears_news_by_a_call(municipality, topic, venue, volunteer, clock):
    """No reminders means none; but a time confirmed after a wait, or a lesson called off by
    someone else, is news they must hear to know whether to come."""
    from literacy.scheduling.services import help_request_create, offer_accept

    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))
    learner = factories.LearnerFactory(municipality=municipality, reminder_channel="none")
    starts = dt.datetime.combine(NOW.date() + dt.timedelta(days=1), dt.time(10), tzinfo=TOKYO)
    request = help_request_create(municipality=municipality, learner=learner, topic=topic, venue=venue,
                                  starts_at=starts, ends_at=starts + dt.timedelta(hours=1), channel="kiosk")
    factories.BookingFactory(municipality=municipality, learner=learner, lesson=None, help_request=request,
                             state=Booking.State.PENDING)
    lesson = offer_accept(offer=request.offers.get(), volunteer=volunteer)
    to_learner = Message.objects.filter(learner=learner)
    assert list(to_learner.values_list("kind", "channel")) == [(Message.Kind.LEARNER_CONFIRMATION, "voice")]
    lesson_cancel(lesson=lesson, reason="体調不良", rematch=False)
    assert to_learner.filter(kind=Message.Kind.LEARNER_CANCELLED, channel="voice").exists()
    # Told at the screen, no reminders wanted: an instant booking writes them nothing.
    other = factories.BookingFactory(municipality=municipality, learner=factories.LearnerFactory(
        municipality=municipality, reminder_channel="none", phone="+819087654321"))
    triggers.booking_confirmed(booking=other)
    assert not Message.objects.filter(learner=other.learner).exists()
