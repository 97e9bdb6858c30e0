"""The Celery broker is down: the embedded worker still sends (it needs only the database),
queuing a task fails promptly and cleanly, and a task whose database is briefly away retries."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import OperationalError
from kombu.exceptions import OperationalError as BrokerUnreachable

from literacy.celery import app
from literacy.notifications import tasks

# Nothing listens on port 1: connections are refused at once.
DEAD_BROKER = "redis://127.0.0.1:1/0"


def fresh_pool() -> None:
    """The app caches its connection pool, and a producer pool on top of it, for the broker it
    first met (an earlier test's worker may have closed them): drop both, so the next publish
    connects to the broker configured now."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def dead_broker(settings):
    # The app reads Django settings under the CELERY_ namespace: lower-case keys set on
    # app.conf would be shadowed by them, so the namespaced keys are the ones to change.
    keys = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")
    saved = {key: app.conf.get(key) for key in keys}
    settings.CELERY_BROKER_URL = DEAD_BROKER
    app.conf.update(CELERY_BROKER_URL=DEAD_BROKER, CELERY_TASK_ALWAYS_EAGER=False)
    assert app.connection_for_write().as_uri() == DEAD_BROKER
    fresh_pool()
    yield DEAD_BROKER
    app.conf.update(saved)
    fresh_pool()


@pytest.mark.django_db
def test_run_worker_once_dispatches_with_the_broker_down(dead_broker, confirmed_bookings, memory_outbox):
    out = StringIO()
    call_command("run_worker", "--once", stdout=out)
    assert "sent 5" in out.getvalue()
    assert len(memory_outbox) == 5


def test_queuing_a_task_to_a_dead_broker_fails_cleanly(dead_broker):
    # Celery's own retry policy on publish, kept short: the caller gets an error it can handle
    # (the outbox rows stay pending for run_worker) instead of hanging a web request.
    with pytest.raises(BrokerUnreachable):
        tasks.dispatch_outbox.apply_async(
            retry=True, retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.1},
        )


def test_a_task_whose_database_is_away_retries_with_backoff(monkeypatch):
    calls = []

    def database_away(**kwargs):
        calls.append(kwargs)
        raise OperationalError("the database system is starting up")

    monkeypatch.setattr(tasks, "dispatch_for", database_away)
    task = tasks.dispatch_outbox
    assert OperationalError in tuple(getattr(task, "autoretry_for", ()))
    assert getattr(task, "retry_backoff", False)
    # Eagerly applied, an autoretrying task runs again up to max_retries before giving up.
    result = task.apply()
    assert result.failed()
    assert len(calls) == 1 + task.max_retries
