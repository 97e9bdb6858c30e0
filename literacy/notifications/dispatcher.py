"""The dispatcher: claim due outbox rows in batches, re-check them, send outside any transaction,
record.

One round (`dispatch_due`) is a constant number of queries whatever the batch size (four round
trips when every row goes):

1. **Claim and re-check**, one short transaction: one `UPDATE … WHERE id IN (SELECT … FOR UPDATE
   SKIP LOCKED LIMIT n) RETURNING id` takes up to `batch` due rows for this worker with a lease
   and counts the attempt (on SQLite the same statement inside the IMMEDIATE transaction, which
   holds the write lock); one `SELECT` loads them with their municipality, learner, booking,
   lesson and offer; the sending policy (`policy.refusal_reason`) judges each row; one `UPDATE`
   per kind of refusal (expired, skipped with a reason, deferred to a time) settles the rest.
2. **Send** each row, outside any transaction, so no lock is held while a provider answers.
3. **Record** what was sent with one conditional `UPDATE … RETURNING` (it only lands on rows
   this worker still holds, and says which have status callbacks waiting); failures are rare
   and keep their per-row handling (backoff, fallback, coordinators' queue). Results are
   recorded at least every `RECORD_EVERY`, so a worker killed between a send and its record can
   only send again what it sent in that last second (one message, when it was per row).

Concurrent workers never take the same row (SKIP LOCKED), a worker that dies leaves its rows to
be taken again once the lease runs out, and a worker stops sending a batch before its lease
could lapse (`LEASE_MARGIN`) and hands the rest back, so a row is never sent by two workers.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from literacy.core.event_log import message_event_log
from literacy.notifications import compose, policy
from literacy.notifications.models import DeliveryEvent, Message
from literacy.notifications.providers import (
    PermanentSendError,
    Provider,
    SendResult,
    TransientSendError,
    sms_voice_provider,
)
from literacy.notifications.providers.email import send_email
from literacy.notifications.services import apply_early_events, followup_reminders_failed
from literacy.people.models import Learner
from literacy.scheduling.models import Booking

logger = logging.getLogger(__name__)

# Long enough for a slow provider call (10 s timeout) many times over; short enough that a
# crashed worker's reminders still leave within minutes.
LEASE = dt.timedelta(minutes=2)
# A batch stops sending this long before its lease ends (a provider call can take its whole
# 10 s timeout): what is left is handed back instead of risking a second worker sending it too.
LEASE_MARGIN = dt.timedelta(seconds=30)
# Sent rows are recorded at least this often while a batch is sending: the most a killed worker
# can send twice. One record per batch is what makes the dispatcher fast with a fast provider.
RECORD_EVERY = dt.timedelta(seconds=1)
# Rows per recording UPDATE: each adds two parameters (id, provider id), which keeps a statement
# far below SQLite's parameter limit.
RECORD_CHUNK = 400
# A sent row is recorded as sent while this worker holds it, and also when it was cancelled in
# the instant between the worker's last look and the provider call: it went, and the outbox says so.
HELD_STATES = (Message.State.SENDING, Message.State.CANCELLED)
# Twilio error codes that say "this number cannot take SMS": try a call instead.
SMS_TO_VOICE_FALLBACK = {"21614", "21612", "21408"}
# The recipient unsubscribed at the carrier: record it, as if they had sent 停止 to us.
CARRIER_OPT_OUT = {"21610"}


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


@dataclass
class DispatchReport:
    claimed: int = 0
    outcomes: Counter = field(default_factory=Counter)

    def __str__(self) -> str:
        parts = ", ".join(f"{name} {count}" for name, count in sorted(self.outcomes.items()))
        return f"claimed {self.claimed}" + (f": {parts}" if parts else "")


@transaction.atomic
def claim_due(*, worker: str, batch: int = 100, lease: dt.timedelta = LEASE) -> list[int]:
    """Take up to `batch` due rows for this worker; rows locked by another worker are skipped."""
    return _claim(worker=worker, batch=batch, lease=lease, now=timezone.now())


def _claim(*, worker: str, batch: int, lease: dt.timedelta, now: dt.datetime) -> list[int]:
    """The claim itself; the caller holds the transaction. Ids in send order.

    A claim counts as an attempt (a row that is then refused gets it back in `_prepare`): the
    count is right in the database before anything is sent, whatever happens to the worker."""
    due = (
        Message.objects.due(now).order_by("send_after", "id")
        .select_for_update(skip_locked=True).values("id")[:batch]
    )
    changes = {"state": Message.State.SENDING, "lease_until": now + lease, "leased_by": worker, "updated_at": now}
    if connection.vendor not in ("postgresql", "sqlite"):
        ids = list(due.values_list("id", flat=True))
        if ids:
            Message.objects.filter(id__in=ids).update(**changes, attempts=F("attempts") + 1)
        return ids
    # One statement: lock (SKIP LOCKED), lease and return the rows. The ORM has no UPDATE …
    # RETURNING, so the subquery is the ORM's own SQL and only the outer UPDATE is written here.
    inner, inner_params = due.query.sql_with_params()
    quote = connection.ops.quote_name
    fields = [Message._meta.get_field(name) for name in changes]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields) + ", attempts = attempts + 1"
    values = [f.get_db_prep_save(changes[f.name], connection) for f in fields]
    # Only quoted identifiers and the ORM's compiled SQL are interpolated; values are parameters.
    sql = (
        f"UPDATE {quote(Message._meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote('id')} IN ({inner}) RETURNING {quote('id')}, {quote('send_after')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, *inner_params])
        rows = cursor.fetchall()
    return [message_id for message_id, _send_after in sorted(rows, key=lambda row: (row[1], row[0]))]


def dispatch_due(
    *, batch: int = 100, worker: str | None = None, provider: Provider | None = None,
    lease: dt.timedelta = LEASE,
) -> DispatchReport:
    """Claim what is due and deliver it. Safe to run on many workers at once."""
    worker = worker or worker_name()
    report = DispatchReport()
    now = timezone.now()
    with transaction.atomic():
        ids = _claim(worker=worker, batch=batch, lease=lease, now=now)
        ready = _prepare(ids=ids, worker=worker, now=now, report=report) if ids else []
    report.claimed = len(ids)
    _send_and_record(ready, worker=worker, provider=_LazyProvider(provider), lease=lease, report=report)
    return report


def dispatch_for(*, seconds: float, batch: int = 100, worker: str | None = None) -> DispatchReport:
    """Claim batch after batch while they come back full, for at most about `seconds`: one
    scheduled task drains a reminder burst instead of sending one batch per beat."""
    worker = worker or worker_name()
    total = DispatchReport()
    stop_at = time.monotonic() + seconds
    while True:
        report = dispatch_due(batch=batch, worker=worker)
        total.claimed += report.claimed
        total.outcomes.update(report.outcomes)
        if report.claimed < batch or time.monotonic() >= stop_at:
            return total


class _LazyProvider:
    """Build the SMS/voice provider only when a row needs it (an email-only batch never does)."""

    def __init__(self, provider: Provider | None):
        self._provider = provider

    def get(self) -> Provider:
        if self._provider is None:
            self._provider = sms_voice_provider()
        return self._provider


def deliver(*, message_id: int, worker: str, provider, lease: dt.timedelta = LEASE) -> str:
    """Re-check, send and record one row this worker claimed. Returns what happened."""
    report = DispatchReport()
    now = timezone.now()
    with transaction.atomic():
        ready = _prepare(ids=[message_id], worker=worker, now=now, report=report)
    if not isinstance(provider, _LazyProvider):
        provider = _LazyProvider(provider)
    _send_and_record(ready, worker=worker, provider=provider, lease=lease, report=report)
    (outcome,) = report.outcomes.elements()
    return outcome


_MESSAGE_FIELDS = tuple(f.name for f in Message._meta.concrete_fields)


def _prepare(*, ids: list[int], worker: str, now: dt.datetime, report: DispatchReport) -> list[Message]:
    """Re-check claimed rows under their lock and settle the refused ones; returns those to send.

    Inside the caller's transaction. A constant number of queries for any number of rows: one
    SELECT with the related rows joined and one UPDATE per distinct refusal.
    """
    messages = list(
        Message.objects.select_for_update(of=("self",)).select_related(*policy.RELATED)
        .only(*_MESSAGE_FIELDS, *policy.RELATED_FIELDS)
        .filter(pk__in=ids, state=Message.State.SENDING, leased_by=worker).order_by("send_after", "id")
    )
    # Rows missing here were taken over by another worker after our lease ran out, or cancelled.
    if len(messages) < len(ids):
        report.outcomes["lost"] += len(ids) - len(messages)
    context = policy.PolicyContext.load(messages, now=now)
    ready: list[Message] = []
    refused: dict[policy.Refusal, list[int]] = defaultdict(list)
    for message in messages:
        refusal = policy.refusal_reason(message, context)
        if refusal is None:
            ready.append(message)
            context.accepted.append(message)
        else:
            refused[refusal].append(message.pk)
    for refusal, refused_ids in refused.items():
        report.outcomes[refusal.outcome] += len(refused_ids)
        rows = Message.objects.filter(pk__in=refused_ids)
        # Nothing was attempted: the claim's attempt is given back.
        if refusal.state == Message.State.PENDING:
            rows.update(state=Message.State.PENDING, send_after=refusal.retry_at, lease_until=None, leased_by="",
                        attempts=F("attempts") - 1, updated_at=now)
        else:
            rows.update(state=refusal.state, error_code=refusal.code, error_message=str(refusal.reason)[:500],
                        lease_until=None, attempts=F("attempts") - 1, updated_at=now)
        if refusal.state == Message.State.EXPIRED:
            _alert_expired([m for m in messages if m.pk in set(refused_ids)], refusal=refusal)
    return ready


def _alert_expired(messages: list[Message], *, refusal: policy.Refusal) -> None:
    """A learner's message that can no longer go in time (the worker was down, or retries ran
    late) is a reminder the learner never got: while their booking stands, a person calls."""
    for message in messages:
        if not message.for_learner:
            continue
        if message.booking_id and message.booking.state not in Booking.ACTIVE_STATES:
            continue
        followup_reminders_failed(message=message, detail=_("期限までに送れませんでした（%(reason)s）") % {
            "reason": refusal.reason,
        })


def _send_and_record(ready: list[Message], *, worker: str, provider: _LazyProvider, lease: dt.timedelta,
                     report: DispatchReport) -> None:
    """Send each row outside any transaction; record the results in bulk, at least every RECORD_EVERY."""
    if not ready:
        return
    # The lease as the database has it (set by the claim, which may be a while ago for deliver()).
    stop_at = min(message.lease_until for message in ready) - min(LEASE_MARGIN, lease / 4)
    sent: list[tuple[Message, SendResult]] = []
    failed: list[tuple[Message, Exception]] = []
    withdrawn: set[int] = set()
    last_record = time.perf_counter()
    try:
        for position, message in enumerate(ready):
            if timezone.now() >= stop_at:
                # Too close to the end of the lease: another worker may soon take these rows.
                report.outcomes["released"] += _release(ready[position:], worker=worker)
                break
            if message.pk in withdrawn:
                report.outcomes["withdrawn"] += 1
                continue
            try:
                sent.append((message, _send(message, provider)))
            except (TransientSendError, PermanentSendError) as exc:
                failed.append((message, exc))
            except Exception as exc:  # a bug must not lose the row: it is retried, then fails visibly
                logger.exception("sending message %s failed unexpectedly", message.pk)
                failed.append((message, TransientSendError(policy.INTERNAL_ERROR, repr(exc))))
            if time.perf_counter() - last_record >= RECORD_EVERY.total_seconds():
                _record(sent, failed, worker=worker, report=report)
                sent, failed = [], []
                # A batch can take a minute to go out: what was cancelled meanwhile (a booking
                # cancelled by its learner, say) is not sent. One look a second, not one a row.
                withdrawn = _no_longer_held(ready[position + 1:], worker=worker)
                last_record = time.perf_counter()
    finally:
        # Also on the way out of an interrupted batch: what went out is recorded as sent.
        _record(sent, failed, worker=worker, report=report)


def _record(sent, failed, *, worker: str, report: DispatchReport) -> None:
    if sent:
        for outcome in _record_sent_batch(sent, worker).values():
            report.outcomes[outcome] += 1
    for message, exc in failed:
        if isinstance(exc, PermanentSendError):
            report.outcomes[_record_permanent(message, worker, exc)] += 1
        else:
            report.outcomes[_record_transient(message, worker, exc)] += 1


@transaction.atomic
def _release(messages: list[Message], *, worker: str) -> int:
    """Hand back claimed rows that were not sent, as if never taken (their attempt is undone)."""
    return Message.objects.filter(
        pk__in=[m.pk for m in messages], state=Message.State.SENDING, leased_by=worker,
    ).update(state=Message.State.PENDING, lease_until=None, leased_by="", attempts=F("attempts") - 1,
             updated_at=timezone.now())


def _no_longer_held(messages: list[Message], *, worker: str) -> set[int]:
    """The ids among these rows that are no longer this worker's to send (cancelled meanwhile)."""
    ids = {message.pk for message in messages}
    if not ids:
        return set()
    held = Message.objects.filter(pk__in=ids, state=Message.State.SENDING, leased_by=worker)
    return ids - set(held.values_list("pk", flat=True))


def _send(message: Message, provider) -> SendResult:
    if message.channel == Message.Channel.EMAIL:
        return send_email(message)
    if message.channel == Message.Channel.SMS:
        return provider.get().send_sms(message)
    return provider.get().start_call(message)


def _record_sent(message: Message, worker: str, result: SendResult) -> str:
    """Record one sent row ("sent", or "lost" if another worker holds it now)."""
    return _record_sent_batch([(message, result)], worker)[message.pk]


def _record_sent_batch(sent: list[tuple[Message, SendResult]], worker: str) -> dict[int, str]:
    """Mark sent rows sent with one conditional UPDATE per RECORD_CHUNK rows: it only lands on
    rows this worker still holds. Returns each row's outcome, "sent" or "lost".

    The UPDATE is a single statement, so it needs no transaction around it (one round trip);
    a status callback that beat it is applied afterwards under a lock."""
    now = timezone.now()
    outcomes: dict[int, str] = {}
    for start in range(0, len(sent), RECORD_CHUNK):
        chunk = sent[start:start + RECORD_CHUNK]
        landed, early = _mark_sent(chunk, worker=worker, now=now)
        for message, _result in chunk:
            outcomes[message.pk] = "sent" if message.pk in landed else "lost"
            if message.pk in landed:
                message_event_log(message=message)  # one JSON line per message sent, no personal data
            else:
                logger.warning("message %s changed hands while sending (worker %s)", message.pk, worker)
        for message_id in sorted(early):
            with transaction.atomic():
                apply_early_events(Message.objects.select_for_update().get(pk=message_id))
    return outcomes


def _mark_sent(chunk: list[tuple[Message, SendResult]], *, worker: str, now: dt.datetime) -> tuple[set[int], set[int]]:
    """One UPDATE … RETURNING for the chunk: the ids it landed on, and those of them with status
    callbacks waiting (they came before this record).

    Written as SQL because each row gets its own provider id: the ORM's CASE WHEN for 100 rows
    costs more to build than everything else in a batch. The same statement (UPDATE … FROM a
    VALUES list, joined on the primary key) runs on PostgreSQL and SQLite (3.35+, for RETURNING)."""
    if connection.vendor not in ("postgresql", "sqlite"):
        landed = set()
        for message, result in chunk:
            if Message.objects.filter(pk=message.pk, state__in=HELD_STATES, leased_by=worker).update(
                state=Message.State.SENT, provider_id=result.provider_id, sent_at=now, lease_until=None,
                error_code="", error_message="", updated_at=now,
            ):
                landed.add(message.pk)
        early = set(Message.objects.filter(pk__in=landed, provider_id__in=DeliveryEvent.objects.filter(
            message__isnull=True).values("provider_id")).values_list("pk", flat=True))
        return landed, early
    quote = connection.ops.quote_name
    table = quote(Message._meta.db_table)
    events = quote(DeliveryEvent._meta.db_table)
    stamp = Message._meta.get_field("sent_at").get_db_prep_save(now, connection)
    rows = ", ".join(["(CAST(%s AS bigint), CAST(%s AS varchar(64)))"] * len(chunk))
    # Only quoted identifiers are interpolated; every value is a parameter.
    sql = (
        f"WITH sent_now (id, provider_id) AS (VALUES {rows}) "  # noqa: S608
        f"UPDATE {table} SET state = %s, sent_at = %s, updated_at = %s, lease_until = NULL, "
        f"error_code = '', error_message = '', provider_id = sent_now.provider_id "
        f"FROM sent_now WHERE {table}.id = sent_now.id AND {table}.state IN (%s, %s) AND {table}.leased_by = %s "
        f"RETURNING {table}.id, EXISTS (SELECT 1 FROM {events} WHERE {events}.provider_id = {table}.provider_id "
        f"AND {events}.message_id IS NULL)"
    )
    params = [value for message, result in chunk for value in (message.pk, result.provider_id)]
    params += [Message.State.SENT, stamp, stamp, *HELD_STATES, worker]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        returned = cursor.fetchall()
    return {row[0] for row in returned}, {row[0] for row in returned if row[1]}


def _locked(message: Message, worker: str) -> Message | None:
    """The row again, locked, if this worker still holds it."""
    current = Message.objects.select_for_update().filter(pk=message.pk).first()
    if current is None or current.state != Message.State.SENDING or current.leased_by != worker:
        logger.warning("message %s changed hands while sending (worker %s)", message.pk, worker)
        return None
    return current


@transaction.atomic
def _record_transient(message: Message, worker: str, exc: TransientSendError) -> str:
    """A passing failure: pending again at the policy's next try, or failed once no later try
    could still matter (policy.next_try), with the learner in the coordinators' queue."""
    current = _locked(message, worker)
    if current is None:
        return "lost"
    retry_at = policy.next_try(current, code=exc.code, now=timezone.now())
    current.error_code = exc.code[:20]
    current.error_message = exc.detail
    current.lease_until = None
    if retry_at is None:
        current.state = Message.State.FAILED
        current.save(update_fields=["state", "error_code", "error_message", "lease_until", "updated_at"])
        if current.for_learner:
            followup_reminders_failed(message=current, detail=_("%(attempts)s回試みましたが届きませんでした（%(code)s）") % {
                "attempts": current.attempts, "code": exc.code,
            })
        return "failed"
    current.state = Message.State.PENDING
    current.send_after = retry_at
    current.save(update_fields=["state", "send_after", "error_code", "error_message", "lease_until", "updated_at"])
    logger.info("message %s: transient %s, retry at %s", current.pk, exc.code, retry_at)
    return "retry"


@transaction.atomic
def _record_permanent(message: Message, worker: str, exc: PermanentSendError) -> str:
    current = _locked(message, worker)
    if current is None:
        return "lost"
    current.state = Message.State.FAILED
    current.error_code = exc.code[:20]
    current.error_message = exc.detail
    current.lease_until = None
    current.save(update_fields=["state", "error_code", "error_message", "lease_until", "updated_at"])
    learner = current.learner
    # A family member's reminder about the learner goes to the family member's number: what the
    # carrier says of that number changes nothing about the learner's own.
    to_learner = learner is not None and current.to == learner.phone
    if exc.code in CARRIER_OPT_OUT and to_learner:
        Learner.objects.filter(pk=learner.pk, sms_opted_out_at__isnull=True).update(sms_opted_out_at=timezone.now())
    if exc.code in SMS_TO_VOICE_FALLBACK and current.channel == Message.Channel.SMS and to_learner:
        # The number is a landline after all: call this time, and call from now on.
        Learner.objects.filter(pk=learner.pk).update(reminder_channel=Learner.ReminderChannel.VOICE)
        if compose.voice_fallback(current) is not None:
            return "fallback"
    if current.for_learner:
        followup_reminders_failed(message=current, detail=_("送信できませんでした（%(code)s: %(detail)s）") % {
            "code": exc.code, "detail": exc.detail,
        })
    return "failed"
