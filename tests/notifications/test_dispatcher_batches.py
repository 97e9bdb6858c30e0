"""The dispatcher works in batches: a constant number of queries per batch, one policy seam,
and the lease still protects every row (interrupted batches, batches that run long, rows lost)."""

import datetime as dt

import pytest

from literacy.notifications import dispatcher, policy
from literacy.notifications.dispatcher import claim_due, dispatch_due
from literacy.notifications.models import Message
from literacy.notifications.providers import SendResult
from literacy.notifications.providers.memory import MemoryProvider
from literacy.people.models import Channel
from literacy.scheduling.models import HelpRequest, Offer
from tests import factories
from tests.notifications.dispatch_threads import dispatch_from_threads

K = Message.Kind


@pytest.fixture
def one_record_per_batch(monkeypatch):
    """Record once per batch however slow this (shared, busy) machine is, so counts are exact."""
    monkeypatch.setattr(dispatcher, "RECORD_EVERY", dt.timedelta(hours=1))


def outbox_rows(municipality, *, booking, offer, count, key):
    """`count` due rows of every shape the re-check looks at: booking + lesson + learner, a lesson
    only, an offer, a coordinator email; and some that are refused (expired, booking inactive)."""
    now = dt.datetime.now(dt.UTC)
    shapes = [
        dict(kind=K.LEARNER_REMINDER_DAY_BEFORE, channel="sms", booking=booking, lesson=booking.lesson,
             learner=booking.learner, lesson_sequence=booking.lesson.sequence),
        # No lesson of its own: the booking's lesson is the one re-checked.
        dict(kind=K.LEARNER_CHANGED, channel="voice", booking=booking, learner=booking.learner,
             lesson_sequence=booking.lesson.sequence),
        dict(kind=K.VOLUNTEER_CHANGED, channel="sms", lesson=booking.lesson, lesson_sequence=booking.lesson.sequence),
        dict(kind=K.VOLUNTEER_OFFER, channel="sms", offer=offer),
        dict(kind=K.COORDINATOR_ALERT, channel="email", subject="件名"),
        dict(kind=K.LEARNER_CANCELLED, channel="sms", not_after=now - dt.timedelta(minutes=1)),  # expired
        dict(kind=K.LEARNER_PENDING, channel="sms", booking=booking, learner=booking.learner),  # booking is booked
    ]
    rows = []
    for n in range(count):
        shape = dict(shapes[n % len(shapes)])
        to = "coordinator@example.jp" if shape["channel"] == "email" else f"+8190{n:08d}"
        rows.append(Message(municipality=municipality, to=to, body="本文", idempotency_key=f"{key}:{n}",
                            send_after=now - dt.timedelta(seconds=1), **shape))
    return Message.objects.bulk_create(rows)


@pytest.fixture
def offer(municipality, topic, volunteer, learner, daytime):
    help_request = HelpRequest.objects.create(
        municipality=municipality, learner=learner, topic=topic, channel=Channel.PHONE_DESK,
        deadline=dt.datetime.now(dt.UTC) + dt.timedelta(days=2),
    )
    return Offer.objects.create(help_request=help_request, volunteer=volunteer, score=1.0,
                                expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=12))


@pytest.mark.django_db
@pytest.mark.parametrize("size", [7, 70])
def test_a_batch_costs_the_same_queries_whatever_its_size(
    municipality, booking, offer, daytime, memory_outbox, one_record_per_batch, django_assert_max_num_queries, size,
):
    outbox_rows(municipality, booking=booking, offer=offer, count=size, key=f"q{size}")
    # Claim 1, load with relations 1, one UPDATE per kind of refusal (expired, booking_inactive) 2,
    # record 1, and the savepoint pair of the claim's transaction (inside the test's own).
    with django_assert_max_num_queries(7):
        report = dispatch_due(batch=size)
    expected_refused = 2 * (size // 7)
    assert report.claimed == size
    assert report.outcomes == {"sent": size - expected_refused, "expired": size // 7, "skipped": size // 7}
    assert len(memory_outbox) == size - expected_refused - size // 7  # the coordinator emails are not SMS
    assert Message.objects.filter(state="sending").count() == 0


@pytest.mark.django_db
def test_the_whole_round_stays_constant_with_a_deferral_too(municipality, clock, memory_outbox, one_record_per_batch,
                                                            django_assert_max_num_queries):
    # 21:30 in Tokyo: SMS wait for the morning, emails still go.
    clock.move_to(dt.datetime(2026, 12, 7, 12, 30, tzinfo=dt.UTC))
    now = dt.datetime.now(dt.UTC)
    Message.objects.bulk_create([
        Message(municipality=municipality, channel="sms" if n % 2 else "email", kind=K.COORDINATOR_ALERT,
                to="+819012345678" if n % 2 else "a@example.jp", body="本文", idempotency_key=f"late:{n}",
                send_after=now)
        for n in range(40)
    ])
    with django_assert_max_num_queries(6):
        report = dispatch_due(batch=40)
    assert report.outcomes == {"deferred": 20, "sent": 20}
    deferred = Message.objects.filter(state="pending")
    assert deferred.count() == 20 and set(deferred.values_list("attempts", flat=True)) == {0}
    assert Message.objects.filter(state="sent").count() == 20


@pytest.mark.django_db
def test_the_dispatcher_asks_the_policy_seam_for_every_row(municipality, daytime, memory_outbox, monkeypatch):
    """A later rule ("only numbers we know", a daily cap) goes in policy.refusal_reason and
    the dispatcher obeys it; `context.accepted` lets a cap count what this batch already let go."""
    today_rules = policy.refusal_reason

    def with_a_cap(message, context):
        refusal = today_rules(message, context)
        if refusal is None and sum(m.to == message.to for m in context.accepted) >= 2:
            return policy.Refusal(Message.State.PENDING, retry_at=context.now + dt.timedelta(days=1))
        if refusal is None and message.to == "+819099999999":
            return policy.Refusal(Message.State.SKIPPED, "unknown_number", "登録のない番号です")
        return refusal

    monkeypatch.setattr(policy, "refusal_reason", with_a_cap)
    now = dt.datetime.now(dt.UTC)
    numbers = ["+819011111111"] * 3 + ["+819099999999"]
    Message.objects.bulk_create([
        Message(municipality=municipality, channel="sms", kind=K.LEARNER_CANCELLED, to=to, body="本文",
                idempotency_key=f"cap:{n}", send_after=now)
        for n, to in enumerate(numbers)
    ])
    assert dispatch_due().outcomes == {"sent": 2, "deferred": 1, "skipped": 1}
    assert [s.to for s in memory_outbox] == ["+819011111111"] * 2
    unknown = Message.objects.get(to="+819099999999")
    assert unknown.state == "skipped" and unknown.error_code == "unknown_number" and unknown.attempts == 0
    assert Message.objects.get(state="pending").send_after == now + dt.timedelta(days=1)


def due_sms(municipality, count, key):
    now = dt.datetime.now(dt.UTC)
    return Message.objects.bulk_create([
        Message(municipality=municipality, channel="sms", kind=K.LEARNER_CANCELLED, to="+819012345678",
                body=f"{n}", idempotency_key=f"{key}:{n}", send_after=now)
        for n in range(count)
    ])


class WorkerKilled(BaseException):
    """Not an Exception: nothing in the dispatcher may swallow it (like SystemExit)."""


@pytest.mark.django_db
def test_a_worker_interrupted_mid_batch_records_what_it_sent_and_leaves_the_rest_to_the_lease(
    municipality, daytime, memory_outbox,
):
    rows = due_sms(municipality, 6, "crash")

    class DiesOnTheFourth(MemoryProvider):
        def send_sms(self, message):
            if len(memory_outbox) == 3:
                raise WorkerKilled
            return super().send_sms(message)

    with pytest.raises(WorkerKilled):
        dispatch_due(worker="doomed", provider=DiesOnTheFourth())
    assert Message.objects.filter(state="sent", leased_by="doomed").count() == 3
    assert Message.objects.filter(state="sending", leased_by="doomed").count() == 3
    assert dispatch_due(worker="second").claimed == 0  # the lease still holds
    daytime.shift(dt.timedelta(minutes=3))
    assert dispatch_due(worker="second").outcomes == {"sent": 3}
    assert sorted(s.message_id for s in memory_outbox) == sorted(m.pk for m in rows)  # each exactly once


@pytest.mark.django_db
def test_a_batch_that_runs_too_long_hands_back_what_it_did_not_send(municipality, daytime, memory_outbox):
    due_sms(municipality, 5, "slow")

    class FiftySecondsEach(MemoryProvider):
        def send_sms(self, message):
            result = super().send_sms(message)
            daytime.shift(dt.timedelta(seconds=50))
            return result

    # Lease 2 min, stop 30 s before it ends: sends at 0 s and 50 s; at 100 s the rest goes back.
    report = dispatch_due(worker="slow", provider=FiftySecondsEach())
    assert report.outcomes == {"sent": 2, "released": 3}
    released = Message.objects.filter(state="pending")
    assert released.count() == 3
    assert set(released.values_list("attempts", "leased_by", "lease_until")) == {(0, "", None)}
    assert dispatch_due(worker="next").outcomes == {"sent": 3}
    assert len({s.message_id for s in memory_outbox}) == len(memory_outbox) == 5


@pytest.mark.django_db
def test_recording_a_batch_only_lands_on_rows_the_worker_still_holds(municipality, daytime):
    first, second, third = due_sms(municipality, 3, "lost")
    assert claim_due(worker="slow") == [first.pk, second.pk, third.pk]
    Message.objects.filter(pk=third.pk).update(leased_by="fast")  # its lease ran out and another took it
    sent = [(m, SendResult(provider_id=f"SM{m.pk:032d}")) for m in (first, second, third)]
    assert dispatcher._record_sent_batch(sent, "slow") == {first.pk: "sent", second.pk: "sent", third.pk: "lost"}
    third.refresh_from_db()
    assert third.state == "sending" and third.leased_by == "fast" and third.provider_id is None
    assert Message.objects.get(pk=first.pk).provider_id == f"SM{first.pk:032d}"


@pytest.mark.django_db
def test_the_claim_counts_the_attempt_and_a_refusal_gives_it_back(municipality, clock):
    clock.move_to(dt.datetime(2026, 12, 7, 12, 30, tzinfo=dt.UTC))  # 21:30 in Tokyo
    (message,) = due_sms(municipality, 1, "count")
    claim_due(worker="w")
    message.refresh_from_db()
    assert message.attempts == 1 and message.state == "sending"
    assert dispatcher.deliver(message_id=message.pk, worker="w", provider=None) == "deferred"
    message.refresh_from_db()
    assert message.attempts == 0 and message.state == "pending" and message.leased_by == ""


@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_never_send_twice_on_this_database(memory_outbox):
    """The PostgreSQL-only thread test in test_dispatcher.py, on whichever database runs (SQLite
    serialises the claims with IMMEDIATE transactions instead of SKIP LOCKED)."""
    import time_machine

    municipality = factories.MunicipalityFactory(jis_code="402109", slug="yame")
    with time_machine.travel(dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC), tick=False):  # 10:00 in Tokyo
        rows = due_sms(municipality, 90, "race")
        errors = dispatch_from_threads(workers=4, batch=10)
    assert errors == []
    sent_ids = [s.message_id for s in memory_outbox]
    assert sorted(sent_ids) == sorted(m.pk for m in rows)
    assert Message.objects.filter(state="sent", attempts=1).count() == 90


@pytest.mark.django_db
def test_deliver_reads_the_lease_the_claim_wrote_not_a_fresh_one(municipality, daytime, memory_outbox):
    (message,) = due_sms(municipality, 1, "old-claim")
    claim_due(worker="w")
    daytime.shift(dt.timedelta(seconds=100))  # 20 s of a 2-minute lease left: too little to start a send
    assert dispatcher.deliver(message_id=message.pk, worker="w", provider=None) == "released"
    message.refresh_from_db()
    assert message.state == "pending" and message.attempts == 0 and not memory_outbox


@pytest.mark.django_db
def test_a_booking_cancelled_while_its_batch_goes_out_gets_no_reminder(municipality, lesson, daytime, monkeypatch):
    """A reminder burst takes up to a minute to go out through Twilio. A senior who cancels in
    that minute must not get "see you tomorrow" after "cancelled"."""
    from literacy.notifications import triggers
    from literacy.scheduling.services import booking_cancel

    monkeypatch.setattr(dispatcher, "RECORD_EVERY", dt.timedelta(0))  # look again after every row
    first, second = (factories.BookingFactory(lesson=lesson, learner=factories.LearnerFactory(
        municipality=municipality, phone=phone)) for phone in ("+819011110000", "+819022220000"))
    for booking in (first, second):
        triggers.booking_confirmed(booking=booking)
    Message.objects.exclude(kind=Message.Kind.LEARNER_CONFIRMATION).delete()

    class SeniorCancelsMeanwhile(MemoryProvider):
        def send_sms(self, message):
            if message.booking_id == first.pk:
                booking_cancel(booking=second, reason="体調不良", by_learner=True)
            return super().send_sms(message)

    Message.objects.filter(booking=first).update(send_after=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    report = dispatch_due(provider=SeniorCancelsMeanwhile())
    assert report.outcomes["withdrawn"] == 1
    assert Message.objects.get(booking=first, kind=Message.Kind.LEARNER_CONFIRMATION).state == "sent"
    assert Message.objects.get(booking=second, kind=Message.Kind.LEARNER_CONFIRMATION).state == "cancelled"


@pytest.mark.django_db
def test_a_text_cancelled_while_it_was_being_handed_to_the_provider_is_recorded_as_sent(municipality, booking,
                                                                                      daytime):
    """The outbox says what went: a cancel that came while the provider already had the text
    does not turn a text that left into one that did not."""
    from literacy.notifications import triggers
    from literacy.scheduling.services import booking_cancel

    triggers.booking_confirmed(booking=booking)
    Message.objects.exclude(kind=Message.Kind.LEARNER_CONFIRMATION).delete()

    class CancelledInFlight(MemoryProvider):
        def send_sms(self, message):
            booking_cancel(booking=booking, reason="体調不良", by_learner=True)
            return super().send_sms(message)

    report = dispatch_due(provider=CancelledInFlight())
    assert report.outcomes["sent"] == 1
    assert Message.objects.get(kind=Message.Kind.LEARNER_CONFIRMATION).state == "sent"
