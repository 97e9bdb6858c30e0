"""Booking: instant and pending bookings, class seats and waitlist, idempotency, cancel, move."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from literacy.core.errors import (
    InvalidPhoneNumber,
    LearnerAlreadyBooked,
    LessonAlreadyBegun,
    LessonFull,
    SlotTaken,
    SmsNotPossible,
)
from literacy.notifications.models import Message
from literacy.people.models import Learner
from literacy.scheduling.models import Booking, HelpRequest, Lesson, Offer
from literacy.scheduling.services import (
    LearnerDetails,
    booking_cancel,
    booking_confirm_by_learner,
    booking_create,
    booking_move,
    lesson_reschedule,
)
from tests import factories
from tests.conftest import NOW, TOKYO

TUESDAY = NOW.date() + dt.timedelta(days=1)


def at(hour, day=TUESDAY):
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)


@pytest.fixture
def instant_window(volunteer, venue):
    return factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                         ends=dt.time(12), is_instant=True)


@pytest.fixture
def ask_window(volunteer, venue):
    return factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                         ends=dt.time(12), is_instant=False)


def book(municipality, topic, venue, start, phone="090-1234-5678", name="八女 花子", **kwargs):
    kwargs.setdefault("learner_details", LearnerDetails(phone=phone, name=name, name_kana="やめ はなこ"))
    return booking_create(municipality=municipality, topic=topic, venue=venue, starts_at=start, channel="kiosk",
                          now=NOW, **kwargs)


def test_instant_booking_confirms_at_once(municipality, topic, venue, instant_window, clock):
    result = book(municipality, topic, venue, at(10))
    booking = result.booking
    assert result.created and result.confirmed and result.confirm_by is None
    assert booking.state == Booking.State.BOOKED and len(booking.code) == 6 and booking.code.isdigit()
    lesson = booking.lesson
    assert (lesson.volunteer, lesson.venue, lesson.starts_at, lesson.ends_at) == (
        instant_window.volunteer, venue, at(10), at(11))
    learner = booking.learner
    assert learner.phone == "+819012345678" and learner.phone_kind == Learner.PhoneKind.MOBILE
    assert learner.consent_at == NOW and learner.consent_channel == "kiosk"
    # The lesson's reasons are kept on an accepted offer, as for any match.
    offer = Offer.objects.get(volunteer=instant_window.volunteer)
    assert offer.state == Offer.State.ACCEPTED and offer.help_request.state == HelpRequest.State.SCHEDULED


def test_booked_time_is_no_longer_offered(municipality, topic, venue, instant_window, clock):
    book(municipality, topic, venue, at(10))
    with pytest.raises(SlotTaken):
        book(municipality, topic, venue, at(10), phone="090-2222-3333", name="黒木 次郎")


def test_pending_booking_creates_request_and_offers(municipality, topic, venue, ask_window, clock):
    result = book(municipality, topic, venue, at(11))
    booking = result.booking
    assert not result.confirmed and booking.state == Booking.State.PENDING and booking.lesson is None
    request = booking.help_request
    assert request.state == HelpRequest.State.OFFERED
    assert result.confirm_by == request.deadline and request.deadline <= at(11) - dt.timedelta(hours=2)
    offer = request.offers.get()
    assert offer.volunteer == ask_window.volunteer and offer.state == Offer.State.PENDING
    assert offer.reasons and {r["code"] for r in offer.reasons} >= {"same_venue"}


def test_unknown_time_is_refused(municipality, topic, venue, instant_window, clock):
    with pytest.raises(SlotTaken):
        book(municipality, topic, venue, at(15))
    assert not Booking.objects.exists() and not Learner.objects.exists()


def test_invalid_phone_and_sms_to_landline(municipality, topic, venue, instant_window, clock):
    with pytest.raises(InvalidPhoneNumber):
        book(municipality, topic, venue, at(10), phone="12345")
    with pytest.raises(SmsNotPossible):
        book(municipality, topic, venue, at(10), learner_details=LearnerDetails(
            phone="0943-22-1234", name="星野 一郎", reminder_channel="sms"))
    assert not Booking.objects.exists()


def test_landline_defaults_to_voice_reminders(municipality, topic, venue, instant_window, clock):
    booking = book(municipality, topic, venue, at(10), phone="0943-22-1234", name="星野 一郎").booking
    assert booking.learner.phone_kind == Learner.PhoneKind.LANDLINE
    assert booking.learner.reminder_channel == Learner.ReminderChannel.VOICE


def test_same_phone_different_name_is_another_learner(municipality, topic, venue, instant_window, clock):
    first = book(municipality, topic, venue, at(10), phone="0943-22-1234", name="星野 一郎").booking
    second = book(municipality, topic, venue, at(11), phone="0943-22-1234", name="星野 和子").booking
    assert first.learner != second.learner
    again = book(municipality, topic, venue, at(10, TUESDAY + dt.timedelta(days=7)), phone="0943221234",
                 name="星野　一郎").booking
    assert again.learner == first.learner


def test_learner_already_booked_at_that_time(municipality, topic, venue, instant_window, clock):
    other = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    factories.AvailabilityFactory(volunteer=other, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12), is_instant=True)
    book(municipality, topic, venue, at(10))
    with pytest.raises(LearnerAlreadyBooked):
        book(municipality, topic, venue, at(10))


def test_idempotency_key_returns_first_result(municipality, topic, venue, instant_window, clock):
    first = book(municipality, topic, venue, at(10), idempotency_key="abc-1")
    again = book(municipality, topic, venue, at(10), idempotency_key="abc-1")
    assert first.created and not again.created and again.booking.pk == first.booking.pk
    assert Booking.objects.count() == 1 and Lesson.objects.count() == 1


@pytest.fixture
def group_class(municipality, topic, venue, volunteer):
    return factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                   format=Lesson.Format.GROUP, seats=2, starts_at=at(13), ends_at=at(15))


def test_group_class_seats_then_full_then_waitlist(municipality, topic, venue, group_class, clock):
    for n in range(2):
        assert book(municipality, topic, venue, at(13), phone=f"090-1111-000{n}", lesson_id=group_class.pk).confirmed
    with pytest.raises(LessonFull):
        book(municipality, topic, venue, at(13), phone="090-1111-0009", lesson_id=group_class.pk)
    waiting = book(municipality, topic, venue, at(13), phone="090-1111-0009", lesson_id=group_class.pk, waitlist=True)
    assert waiting.booking.state == Booking.State.WAITLISTED


def test_a_learner_already_in_a_full_class_hears_that_not_that_it_is_full(municipality, topic, venue, group_class,
                                                                           clock):
    book(municipality, topic, venue, at(13), phone="090-1111-0001", lesson_id=group_class.pk)
    book(municipality, topic, venue, at(13), phone="090-1111-0002", lesson_id=group_class.pk)
    # A second click without an idempotency key, after the first took the last seat.
    with pytest.raises(LearnerAlreadyBooked):
        book(municipality, topic, venue, at(13), phone="090-1111-0002", lesson_id=group_class.pk)
    with pytest.raises(LessonFull):
        book(municipality, topic, venue, at(13), phone="090-1111-0002", name="別の 人", lesson_id=group_class.pk)


def test_a_time_already_gone_is_refused_before_anything_is_locked_or_written(
        municipality, topic, venue, instant_window, group_class, clock):
    """Under a rush for one time most requests lose: a loser reads, and writes nothing."""
    book(municipality, topic, venue, at(10), phone="090-1111-0001")
    book(municipality, topic, venue, at(11), phone="090-1111-0002")  # the volunteer's window is full now
    for n in range(2):
        book(municipality, topic, venue, at(13), phone=f"090-1111-001{n}", lesson_id=group_class.pk)
    learners = Learner.objects.count()
    for lesson_id, start, refusal in ((None, at(10), SlotTaken), (group_class.pk, at(13), LessonFull)):
        with CaptureQueriesContext(connection) as queries, pytest.raises(refusal):
            book(municipality, topic, venue, start, phone="090-3333-4444", name="黒木 次郎", lesson_id=lesson_id)
        statements = [q["sql"] for q in queries.captured_queries]
        assert not [sql for sql in statements if sql.startswith(("INSERT", "UPDATE", "DELETE"))
                    or "FOR UPDATE" in sql], statements
    assert Learner.objects.count() == learners


def test_cancel_promotes_waitlist(municipality, topic, venue, group_class, clock):
    first = book(municipality, topic, venue, at(13), phone="090-1111-0001", lesson_id=group_class.pk).booking
    book(municipality, topic, venue, at(13), phone="090-1111-0002", lesson_id=group_class.pk)
    waiting = book(municipality, topic, venue, at(13), phone="090-1111-0003", lesson_id=group_class.pk, waitlist=True).booking
    booking_cancel(booking=first, reason="体調不良", now=NOW)
    waiting.refresh_from_db()
    first.refresh_from_db()
    assert first.state == Booking.State.CANCELLED and first.cancelled_at == NOW
    assert waiting.state == Booking.State.BOOKED
    group_class.refresh_from_db()
    assert group_class.state == Lesson.State.SCHEDULED


def test_cancel_one_to_one_cancels_lesson_and_frees_time(municipality, topic, venue, instant_window, clock):
    booking = book(municipality, topic, venue, at(10)).booking
    lesson = booking.lesson
    booking_cancel(booking=booking, now=NOW)
    lesson.refresh_from_db()
    assert lesson.state == Lesson.State.CANCELLED and lesson.sequence == 1
    assert book(municipality, topic, venue, at(10), phone="090-2222-3333", name="黒木 次郎").confirmed


def test_cancel_twice_is_harmless(municipality, topic, venue, instant_window, clock):
    booking = book(municipality, topic, venue, at(10)).booking
    booking_cancel(booking=booking, now=NOW)
    assert booking_cancel(booking=booking, now=NOW).state == Booking.State.CANCELLED


def test_cancel_pending_withdraws_request_and_offers(municipality, topic, venue, ask_window, clock):
    booking = book(municipality, topic, venue, at(11)).booking
    booking_cancel(booking=booking, now=NOW)
    request = HelpRequest.objects.get()
    assert request.state == HelpRequest.State.WITHDRAWN
    assert request.offers.get().state == Offer.State.WITHDRAWN


def test_move_reschedules_same_lesson_with_higher_sequence(municipality, topic, venue, instant_window, clock):
    booking = book(municipality, topic, venue, at(10)).booking
    lesson = booking.lesson
    moved = booking_move(booking=booking, starts_at=at(11), now=NOW)
    lesson.refresh_from_db()
    assert moved.pk == booking.pk and moved.lesson_id == lesson.pk
    assert lesson.starts_at == at(11) and lesson.sequence == 1


def test_the_same_move_sent_twice_moves_once(municipality, topic, venue, instant_window, clock):
    booking = book(municipality, topic, venue, at(10)).booking
    booking_move(booking=booking, starts_at=at(11), now=NOW)
    Message.objects.all().delete()
    again = booking_move(booking=booking, starts_at=at(11), now=NOW)
    booking.refresh_from_db()
    assert again.pk == booking.pk and again.code == booking.code and booking.state == Booking.State.BOOKED
    assert booking.lesson.starts_at == at(11) and booking.lesson.sequence == 1
    assert Booking.objects.count() == 1 and not Message.objects.exists()
    # The lesson service alone says the same when the second click waited for the first.
    lesson_reschedule(lesson=booking.lesson, starts_at=at(11))
    booking.lesson.refresh_from_db()
    assert booking.lesson.sequence == 1 and not Message.objects.exists()


def test_move_to_another_volunteer_makes_a_new_booking(municipality, topic, venue, instant_window, clock):
    other = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    factories.AvailabilityFactory(volunteer=other, venue=venue, weekday=2, starts=dt.time(10), ends=dt.time(11), is_instant=True)
    booking = book(municipality, topic, venue, at(10)).booking
    moved = booking_move(booking=booking, starts_at=at(10, TUESDAY + dt.timedelta(days=1)), now=NOW)
    booking.refresh_from_db()
    assert booking.state == Booking.State.CANCELLED and moved.state == Booking.State.BOOKED
    assert moved.lesson.volunteer == other and moved.learner == booking.learner
    # The learner is told the new time (with the new code), not that their lesson was called off.
    to_learner = Message.objects.filter(learner=booking.learner, state="pending")
    assert not to_learner.filter(kind=Message.Kind.LEARNER_CANCELLED).exists()
    assert to_learner.filter(kind=Message.Kind.LEARNER_CONFIRMATION, booking=moved).exists()
    # The first volunteer still hears that their lesson is off.
    assert Message.objects.filter(kind=Message.Kind.VOLUNTEER_CANCELLED, lesson=booking.lesson).exists()


def test_move_to_taken_time_changes_nothing(municipality, topic, venue, instant_window, clock):
    booking = book(municipality, topic, venue, at(10)).booking
    book(municipality, topic, venue, at(11), phone="090-2222-3333", name="黒木 次郎")
    with pytest.raises(SlotTaken):
        booking_move(booking=booking, starts_at=at(11), now=NOW)
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED and booking.lesson.starts_at == at(10)


@pytest.mark.parametrize("change", ["cancel", "move"])
def test_a_lesson_already_begun_is_neither_cancelled_nor_moved(municipality, topic, venue, instant_window, clock,
                                                                change):
    booking = book(municipality, topic, venue, at(10)).booking
    Message.objects.all().delete()
    with pytest.raises(LessonAlreadyBegun):
        if change == "cancel":
            booking_cancel(booking=booking, now=at(10, TUESDAY) + dt.timedelta(minutes=1))
        else:
            booking_move(booking=booking, starts_at=at(11), now=at(10, TUESDAY) + dt.timedelta(minutes=1))
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED and booking.lesson.state == Lesson.State.SCHEDULED
    assert not Message.objects.exists()
    # A minute before it starts it is still the learner's to call off.
    assert booking_cancel(booking=booking, now=at(10, TUESDAY) - dt.timedelta(minutes=1)).state == "cancelled"


def test_learner_confirmation(municipality, topic, venue, instant_window, clock):
    booking = book(municipality, topic, venue, at(10)).booking
    assert booking_confirm_by_learner(booking=booking, now=NOW).learner_confirmed_at == NOW


def _outbox_inserts(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT") and "notifications_message" in q["sql"]]


def test_an_instant_booking_writes_its_outbox_with_one_insert(municipality, topic, venue, instant_window, clock):
    # The volunteer's text and invite and the learner's confirmation and reminders: one statement.
    with CaptureQueriesContext(connection) as captured:
        result = book(municipality, topic, venue, at(10))
    assert len(_outbox_inserts(captured)) == 1
    lesson = result.booking.lesson
    assert sorted(Message.objects.filter(Q(booking=result.booking) | Q(lesson=lesson)).values_list("kind", flat=True)) == [
        "learner_confirmation", "learner_reminder_morning", "volunteer_confirmation", "volunteer_invite",
    ]


def test_a_class_seat_writes_its_outbox_with_one_insert(municipality, topic, venue, group_class, clock):
    with CaptureQueriesContext(connection) as captured:
        result = book(municipality, topic, venue, group_class.starts_at, lesson_id=group_class.pk)
    assert len(_outbox_inserts(captured)) == 1
    assert Message.objects.filter(booking=result.booking).count() >= 1


def test_a_booking_by_a_new_learner_does_not_look_the_learner_up_twice(municipality, topic, venue, instant_window, clock):
    # learner_find_or_create hands the learner back locked: no second SELECT … FOR UPDATE of it.
    with CaptureQueriesContext(connection) as captured:
        book(municipality, topic, venue, at(10))
    learner_reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "people_learner"')]
    assert len(learner_reads) == 1
    assert Learner.objects.get().last_active_at is not None
