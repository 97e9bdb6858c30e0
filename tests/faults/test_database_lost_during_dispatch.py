"""PostgreSQL goes away while a worker dispatches (a restart, a failover, a killed backend):
no message is lost, and a message is sent twice at most once per crash — counted here.

The worker's own database connection is terminated with pg_terminate_backend from a second
connection at the worst moment: after the provider took the message, before the worker could
record it. Then the worker process "restarts" (a fresh connection), the lease runs out, and the
rows it held are dispatched again.
"""

import datetime as dt
from collections import Counter

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection

from literacy.notifications.dispatcher import LEASE, dispatch_due
from literacy.notifications.models import Message
from literacy.notifications.providers import TransientSendError
from literacy.notifications.providers.memory import MemoryProvider
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres]


def terminate_backend(pid: int) -> None:
    """Kill one server process from outside, as a restart or a failover would."""
    params = connection.settings_dict
    with psycopg.connect(
        host=params["HOST"] or None, port=params["PORT"] or None, user=params["USER"],
        password=params["PASSWORD"] or None, dbname=params["NAME"], autocommit=True,
    ) as other:
        killed = other.execute("select pg_terminate_backend(%s)", [pid]).fetchone()[0]
    assert killed, f"backend {pid} was not terminated"


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("select pg_backend_pid()")
        return cursor.fetchone()[0]


class KillsTheDatabaseOnce(MemoryProvider):
    """Takes the nth message (a real send, recorded in the memory outbox) and then the
    worker's connection dies — or, with refuse=True, refuses it first, as a failing Twilio would."""

    def __init__(self, *, victim_pid: int, at_send: int, refuse: bool = False):
        self.victim_pid, self.at_send, self.refuse = victim_pid, at_send, refuse
        self.calls = 0

    def send_sms(self, message):
        self.calls += 1
        if self.calls != self.at_send:
            return super().send_sms(message)
        if self.refuse:
            terminate_backend(self.victim_pid)
            raise TransientSendError("20500", "provider error while the database went away")
        result = super().send_sms(message)
        terminate_backend(self.victim_pid)
        return result


def confirmations():
    # The bookings' reminders wait for later days; only the confirmations are due now.
    return Message.objects.filter(kind=Message.Kind.LEARNER_CONFIRMATION)


def worker_restarts() -> None:
    """What a supervisor's restart gives the worker: a fresh connection."""
    connection.close()


@pytest.mark.django_db(transaction=True)
def test_connection_killed_between_send_and_record_loses_nothing_and_resends_only_that_batch(
    confirmed_bookings, daytime, memory_outbox,
):
    provider = KillsTheDatabaseOnce(victim_pid=backend_pid(), at_send=3)
    with pytest.raises((OperationalError, InterfaceError)):
        dispatch_due(provider=provider, worker="doomed", batch=10)
    worker_restarts()

    # The dispatcher records sent rows per batch (at least once a second), so when the database
    # goes away mid-batch nothing of it is recorded: all five are still leased to the dead worker.
    assert Counter(confirmations().values_list("state", flat=True)) == {"sending": 5}
    assert dispatch_due(worker="restarted").claimed == 0  # the dead worker's lease still holds
    daytime.shift(LEASE + dt.timedelta(seconds=1))
    report = dispatch_due(worker="restarted")
    assert report.outcomes == {"sent": 5}

    assert set(confirmations().values_list("state", flat=True)) == {"sent"}
    per_message = Counter(sent.message_id for sent in memory_outbox)
    assert set(per_message) == set(confirmations().values_list("pk", flat=True))  # nothing lost
    duplicates = sum(count - 1 for count in per_message.values())
    # Bounded and counted: at most the one batch that was in flight, unrecorded, when the database
    # went away (all 5 here: sends do not touch the database, so the batch finished sending).
    assert duplicates == 5
    nothing_more = dispatch_due(worker="later")
    assert nothing_more.claimed == 0 and len(memory_outbox) == 10


@pytest.mark.django_db(transaction=True)
def test_connection_killed_while_recording_a_provider_error_loses_nothing(
    confirmed_bookings, daytime, memory_outbox,
):
    provider = KillsTheDatabaseOnce(victim_pid=backend_pid(), at_send=1, refuse=True)
    with pytest.raises((OperationalError, InterfaceError)):
        dispatch_due(provider=provider, worker="doomed", batch=10)
    worker_restarts()
    daytime.shift(LEASE + dt.timedelta(seconds=1))
    assert dispatch_due(worker="restarted").outcomes == {"sent": 5}
    per_message = Counter(sent.message_id for sent in memory_outbox)
    # Nothing lost; the refused one was never delivered, so it goes exactly once. The other four
    # went in the batch that could not be recorded and go again: bounded by the batch.
    assert len(per_message) == 5 and sorted(per_message.values()) == [1, 2, 2, 2, 2]


@pytest.mark.django_db(transaction=True)
def test_connection_killed_before_a_batch_is_claimed_is_an_error_not_a_loss(confirmed_bookings, daytime, memory_outbox):
    terminate_backend(backend_pid())
    with pytest.raises((OperationalError, InterfaceError)):
        dispatch_due(worker="doomed")
    worker_restarts()
    assert dispatch_due(worker="restarted").outcomes == {"sent": 5}
    assert len(memory_outbox) == 5
