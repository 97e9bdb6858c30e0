"""Celery tasks: the same jobs as run_worker, for beat to schedule across many workers."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from literacy.notifications import periodic
from literacy.notifications.dispatcher import dispatch_for

# A database restarting (or failing over) is a pause, not a failure: retry with growing waits.
# Nothing is lost meanwhile: the outbox rows stay in the database until a round takes them.
# (Celery's Django fix-up closes broken connections around each task, so a retry reconnects.)
RETRY = {"autoretry_for": (OperationalError,), "retry_backoff": True, "retry_backoff_max": 60,
         "retry_jitter": True, "max_retries": 5}


# Beat sends this every 5 s; each run keeps claiming full batches for up to 4 s, so the outbox is
# not capped at one batch per beat (100 messages / 5 s) when reminders fall due together.
DRAIN_SECONDS = 4.0


@shared_task(name="notifications.dispatch_outbox", ignore_result=False, **RETRY)
def dispatch_outbox(batch: int = 100, seconds: float = DRAIN_SECONDS) -> dict:
    report = dispatch_for(seconds=seconds, batch=batch)
    return {"claimed": report.claimed, **dict(report.outcomes)}


@shared_task(name="notifications.run_job", **RETRY)
def run_job(name: str) -> str:
    return str(periodic.run_job(name))
