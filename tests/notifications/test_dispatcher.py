"""The dispatcher: claim with a lease, re-check, send outside the transaction, record."""

import datetime as dt

import pytest
from django.core import mail

from literacy.followups.models import FollowUp
from literacy.notifications import triggers
from literacy.notifications.dispatcher import claim_due, dispatch_due
from literacy.notifications.models import Message
from literacy.notifications.services import message_enqueue, message_resend
from literacy.scheduling.services import booking_cancel, lesson_reschedule
from tests import factories
from tests.conftest import TOKYO, requires_postgres
from tests.notifications.dispatch_threads import dispatch_from_threads

K = Message.Kind


def sms(municipality, *, key, send_after=None, not_after=None, **links):
    return message_enqueue(
        municipality=municipality, channel="sms", kind=K.LEARNER_CANCELLED, to="+819012345678",
        body="テスト", idempotency_key=key, send_after=send_after, not_after=not_after, **links,
    )


@pytest.mark.django_db
def test_due_messages_are_sent_through_the_provider_and_recorded(booking, memory_outbox):
    triggers.booking_confirmed(booking=booking)
    report = dispatch_due()
    assert report.claimed == 1 and report.outcomes["sent"] == 1
    confirmation = Message.objects.get(kind=K.LEARNER_CONFIRMATION)
    assert confirmation.state == "sent" and confirmation.attempts == 1 and confirmation.provider_id
    assert [(s.to, s.message_id) for s in memory_outbox] == [("+819012345678", confirmation.pk)]
    assert Message.objects.filter(state="pending").count() == 2  # the reminders wait for their time


@pytest.mark.django_db
def test_a_booking_cancelled_after_its_reminder_was_queued_sends_nothing(booking, daytime, memory_outbox):
    triggers.booking_confirmed(booking=booking)
    dispatch_due()
    memory_outbox.clear()
    reminder = Message.objects.get(kind=K.LEARNER_REMINDER_DAY_BEFORE)
    booking_cancel(booking=booking, reason="体調不良", by_learner=True)
    # Even a reminder that escaped the cancel (already claimed by a worker) is caught by the re-check.
    Message.objects.filter(pk=reminder.pk).update(state="pending")
    daytime.move_to(dt.datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO))
    dispatch_due()
    reminder.refresh_from_db()
    assert reminder.state == "skipped" and reminder.error_code == "booking_inactive"
    assert [s.body for s in memory_outbox if "明日" in s.body] == []


@pytest.mark.django_db
def test_a_reminder_for_a_lesson_moved_since_is_skipped(booking, lesson, daytime, memory_outbox):
    triggers.booking_confirmed(booking=booking)
    old_reminder = Message.objects.get(kind=K.LEARNER_REMINDER_DAY_BEFORE)
    lesson_reschedule(lesson=lesson, starts_at=lesson.starts_at + dt.timedelta(hours=2))
    Message.objects.filter(pk=old_reminder.pk).update(state="pending")  # as if the cancel had missed it
    daytime.move_to(dt.datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO))
    dispatch_due()
    old_reminder.refresh_from_db()
    assert old_reminder.state == "skipped" and old_reminder.error_code == "lesson_changed"
    new_reminder = Message.objects.get(kind=K.LEARNER_REMINDER_DAY_BEFORE, lesson_sequence=1)
    assert new_reminder.state == "sent" and "16:00" in new_reminder.body


@pytest.mark.django_db
def test_quiet_hours_defer_to_the_next_allowed_morning(municipality, clock, memory_outbox):
    clock.move_to(dt.datetime(2026, 12, 7, 21, 30, tzinfo=TOKYO))
    message = sms(municipality, key="late")
    assert dispatch_due().outcomes == {"deferred": 1}
    message.refresh_from_db()
    assert message.state == "pending" and message.attempts == 0
    assert message.send_after == dt.datetime(2026, 12, 8, 9, 0, tzinfo=TOKYO)
    clock.move_to(dt.datetime(2026, 12, 8, 8, 59, tzinfo=TOKYO))
    assert dispatch_due().claimed == 0
    clock.move_to(dt.datetime(2026, 12, 8, 9, 0, tzinfo=TOKYO))
    assert dispatch_due().outcomes == {"sent": 1}
    assert len(memory_outbox) == 1


@pytest.mark.django_db
def test_emails_are_not_held_by_quiet_hours(lesson, clock):
    clock.move_to(dt.datetime(2026, 12, 7, 22, 0, tzinfo=TOKYO))
    triggers.lesson_scheduled(lesson=lesson)
    dispatch_due()
    assert Message.objects.get(kind=K.VOLUNTEER_INVITE).state == "sent"
    assert Message.objects.get(kind=K.VOLUNTEER_CONFIRMATION).state == "pending"


@pytest.mark.django_db
def test_quiet_hours_past_not_after_expire(municipality, clock, memory_outbox):
    clock.move_to(dt.datetime(2026, 12, 7, 21, 0, tzinfo=TOKYO))
    message = sms(municipality, key="x", not_after=dt.datetime(2026, 12, 8, 8, 30, tzinfo=TOKYO))
    dispatch_due()
    message.refresh_from_db()
    assert message.state == "expired" and not memory_outbox


@pytest.mark.django_db
def test_a_message_past_not_after_expires(municipality, daytime, memory_outbox):
    message = sms(municipality, key="old", send_after=dt.datetime(2026, 12, 6, 10, 0, tzinfo=TOKYO),
                  not_after=dt.datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO))
    dispatch_due()
    message.refresh_from_db()
    assert message.state == "expired" and not memory_outbox


def late_reminder(booking, *, key="late"):
    """A learner's reminder the worker reaches only after its not_after (it was down overnight)."""
    return message_enqueue(
        municipality=booking.municipality, channel="sms", kind=K.LEARNER_REMINDER_DAY_BEFORE,
        to="+819012345678", body="明日です", idempotency_key=key, booking=booking, learner=booking.learner,
        send_after=dt.datetime(2026, 12, 6, 10, 0, tzinfo=TOKYO), not_after=dt.datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO),
    )


@pytest.mark.django_db
def test_a_learners_reminder_that_expired_puts_them_in_the_queue(booking, daytime, memory_outbox):
    message = late_reminder(booking)
    dispatch_due()
    message.refresh_from_db()
    assert message.state == "expired" and not memory_outbox
    [case] = FollowUp.objects.filter(kind=FollowUp.Kind.REMINDERS_FAILED)
    assert case.learner_id == booking.learner_id and case.booking_id == booking.pk
    assert "期限までに送れませんでした" in case.detail


@pytest.mark.django_db
def test_an_expired_reminder_of_a_cancelled_booking_or_for_a_volunteer_alerts_nobody(
    booking, daytime, memory_outbox
):
    late_reminder(booking)
    booking.__class__.objects.filter(pk=booking.pk).update(state="cancelled")
    message_enqueue(municipality=booking.municipality, channel="sms", kind=K.VOLUNTEER_CHANGED, to="+819011112222",
                    body="変更", idempotency_key="vol", lesson=booking.lesson,
                    not_after=dt.datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO))
    dispatch_due()
    assert set(Message.objects.values_list("state", flat=True)) == {"expired"}
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_an_opted_out_learner_gets_no_sms(booking, daytime, memory_outbox):
    triggers.booking_confirmed(booking=booking)
    booking.learner.sms_opted_out_at = dt.datetime(2026, 12, 7, 9, 0, tzinfo=TOKYO)
    booking.learner.save()
    dispatch_due()
    confirmation = Message.objects.get(kind=K.LEARNER_CONFIRMATION)
    assert confirmation.state == "skipped" and confirmation.error_code == "opted_out"
    assert not memory_outbox


@pytest.mark.django_db
def test_a_worker_that_died_after_claiming_leaves_the_message_to_another(municipality, daytime, memory_outbox):
    message = sms(municipality, key="orphan")
    assert claim_due(worker="dead-worker") == [message.pk]  # …and the process dies here
    assert dispatch_due(worker="second").claimed == 0  # the lease still holds
    daytime.shift(dt.timedelta(minutes=3))  # LEASE is 2 minutes
    report = dispatch_due(worker="second")
    assert report.outcomes == {"sent": 1}
    message.refresh_from_db()
    assert message.state == "sent" and message.leased_by == "second"
    assert [s.message_id for s in memory_outbox] == [message.pk]


@pytest.mark.django_db
def test_a_slow_worker_whose_lease_was_taken_does_not_record_over_the_new_one(municipality, daytime):
    from literacy.notifications.dispatcher import deliver

    message = sms(municipality, key="slow")
    claim_due(worker="slow")
    daytime.shift(dt.timedelta(minutes=3))
    dispatch_due(worker="fast")
    assert deliver(message_id=message.pk, worker="slow", provider=None) == "lost"


@pytest.mark.django_db
def test_a_bug_while_sending_is_retried_a_few_times_then_fails_visibly(booking, daytime, memory_outbox, monkeypatch):
    from literacy.followups.models import FollowUp
    from literacy.notifications import dispatcher, policy

    def broken(message, provider):
        raise RuntimeError("a bug in our own sending code")

    monkeypatch.setattr(dispatcher, "_send", broken)
    triggers.booking_confirmed(booking=booking)
    confirmation = Message.objects.get(kind=K.LEARNER_CONFIRMATION)
    outcomes = []
    for _ in range(policy.INTERNAL_ERROR_ATTEMPTS + 3):
        outcomes += list(dispatch_due().outcomes.elements())
        confirmation.refresh_from_db()
        if confirmation.state != "pending":
            break
        daytime.move_to(confirmation.send_after)
    assert outcomes == ["retry"] * (policy.INTERNAL_ERROR_ATTEMPTS - 1) + ["failed"]
    assert confirmation.state == "failed" and confirmation.error_code == policy.INTERNAL_ERROR
    assert confirmation.attempts == policy.INTERNAL_ERROR_ATTEMPTS
    assert FollowUp.objects.filter(kind=FollowUp.Kind.REMINDERS_FAILED, booking=booking).exists()


@pytest.mark.django_db
def test_an_invite_email_carries_a_calendar_part(lesson, daytime):
    triggers.lesson_scheduled(lesson=lesson)
    dispatch_due()
    (email,) = mail.outbox
    assert email.to == [lesson.volunteer.user.email]
    parts = [p for p in email.message().walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1 and parts[0].get_param("method") == "REQUEST"
    assert lesson.calendar_uid in parts[0].get_payload(decode=True).decode()


@pytest.mark.django_db
def test_resend_makes_a_new_row_and_keeps_the_history(municipality, daytime, memory_outbox):
    message = sms(municipality, key="once")
    dispatch_due()
    message.refresh_from_db()
    again = message_resend(message=message)
    assert again.pk != message.pk and again.payload["resend_of"] == message.pk
    dispatch_due()
    assert [s.message_id for s in memory_outbox] == [message.pk, again.pk]


@requires_postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_never_send_twice(municipality, daytime, memory_outbox):
    for n in range(120):
        sms(municipality, key=f"bulk-{n}")
    assert dispatch_from_threads(workers=6, batch=7) == []
    sent_ids = [s.message_id for s in memory_outbox]
    assert len(sent_ids) == 120 and len(set(sent_ids)) == 120
    assert Message.objects.filter(state="sent").count() == 120
    assert len(set(Message.objects.values_list("leased_by", flat=True))) > 1  # they really shared the work


@pytest.mark.django_db
def test_run_worker_once(booking, daytime, memory_outbox):
    from io import StringIO

    from django.core.management import call_command

    triggers.booking_confirmed(booking=booking)
    out = StringIO()
    call_command("run_worker", "--once", stdout=out)
    assert "sent 1" in out.getvalue()
    assert "offers_expire_due: 0" in out.getvalue()
    assert len(memory_outbox) == 1


@pytest.mark.django_db
def test_a_landline_booked_as_sms_is_called(municipality, lesson, daytime, memory_outbox):
    learner = factories.LearnerFactory(municipality=municipality, phone="+81943225555", phone_kind="landline")
    booking = factories.BookingFactory(lesson=lesson, learner=learner)
    triggers.booking_confirmed(booking=booking)
    dispatch_due()
    assert [s.channel for s in memory_outbox] == ["voice"]
