"""Celery: a real worker on the local Redis runs the same dispatcher (skipped without Redis,
unless REQUIRE_REDIS=1, when a missing Redis fails the test instead)."""

import datetime as dt
import os
import uuid

import pytest
from django.db import connection

from literacy.notifications.models import Message
from literacy.notifications.services import message_enqueue
from tests import factories

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/14")


@pytest.fixture
def redis_url():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError as exc:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"REQUIRE_REDIS=1 but no Redis answers at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis answers at {REDIS_URL} (start one, or set REQUIRE_REDIS=1 to make this fail)")
    return REDIS_URL


@pytest.fixture
def celery_worker(redis_url):
    from celery.contrib.testing.worker import start_worker

    from literacy.celery import app

    # The app reads Django settings under the CELERY_ namespace, and those keys shadow the
    # lower-case ones: set the namespaced keys, and drop connection pools cached for another broker.
    # A queue of our own, so a parallel test run on the same Redis cannot take our tasks.
    wanted = {"CELERY_BROKER_URL": redis_url, "CELERY_RESULT_BACKEND": redis_url,
              "CELERY_TASK_ALWAYS_EAGER": False, "CELERY_TASK_DEFAULT_QUEUE": f"test-{uuid.uuid4().hex}"}
    saved = {key: app.conf[key] for key in wanted if key in app.conf}
    app.conf.update(wanted)
    drop_cached_pools(app)
    assert app.connection_for_write().as_uri() == redis_url and not app.conf.task_always_eager
    try:
        with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        for key in wanted:
            app.conf.pop(key, None)  # a key that was not set must not come back as None
        app.conf.update(saved)
        drop_cached_pools(app)


def drop_cached_pools(app) -> None:
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_celery_worker_dispatches_the_outbox(celery_worker, memory_outbox):
    from literacy.notifications.tasks import dispatch_outbox, run_job

    # Allowed all day, so the test does not depend on the hour it runs at.
    municipality = factories.MunicipalityFactory(quiet_hours_end=dt.time(0, 0), quiet_hours_start=dt.time(23, 59, 59))
    for n in range(5):
        message_enqueue(municipality=municipality, channel="sms", kind=Message.Kind.LEARNER_CANCELLED,
                        to="+819012345678", body=f"テスト{n}", idempotency_key=f"celery-{n}")
    connection.close()  # the worker threads open their own connections

    results = [dispatch_outbox.delay(batch=3) for _ in range(3)]
    outcomes = [r.get(timeout=30) for r in results]
    assert sum(o["claimed"] for o in outcomes) == 5
    assert sorted(s.body for s in memory_outbox) == [f"テスト{n}" for n in range(5)]
    assert Message.objects.filter(state="sent").count() == 5
    assert run_job.delay("help_requests_escalate_due").get(timeout=30) == "0"


def test_beat_runs_the_dispatcher_and_the_periodic_jobs():
    from literacy.celery import app
    from literacy.notifications import periodic

    scheduled = {entry["task"]: entry for entry in app.conf.beat_schedule.values()}
    assert "notifications.dispatch_outbox" in scheduled
    jobs = {entry["args"][0] for entry in app.conf.beat_schedule.values() if entry["task"] == "notifications.run_job"}
    assert jobs == {job.name for job in periodic.JOBS} - {"dispatch_outbox"}


@pytest.mark.django_db
@pytest.mark.parametrize(("seconds", "claimed"), [(4.0, 10), (0.0, 3)])
def test_one_dispatch_task_drains_full_batches_within_its_time(memory_outbox, seconds, claimed):
    """Not one batch per beat: a burst of reminders is sent by the next task, not over minutes."""
    from literacy.notifications.tasks import dispatch_outbox

    municipality = factories.MunicipalityFactory(quiet_hours_end=dt.time(0, 0), quiet_hours_start=dt.time(23, 59, 59))
    for n in range(10):
        message_enqueue(municipality=municipality, channel="sms", kind=Message.Kind.LEARNER_CANCELLED,
                        to="+819012345678", body=f"テスト{n}", idempotency_key=f"drain-{n}")
    assert dispatch_outbox(batch=3, seconds=seconds)["claimed"] == claimed
    assert len(memory_outbox) == claimed
