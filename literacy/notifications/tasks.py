"""Celery tasks: the same jobs as run_worker, for beat to schedule across many workers."""

from __future__ import annotations

from celery import shared_task

from literacy.notifications import periodic
from literacy.notifications.dispatcher import dispatch_due


@shared_task(name="notifications.dispatch_outbox", ignore_result=False)
def dispatch_outbox(batch: int = 100) -> dict:
    report = dispatch_due(batch=batch)
    return {"claimed": report.claimed, **dict(report.outcomes)}


@shared_task(name="notifications.run_job")
def run_job(name: str) -> str:
    return str(periodic.run_job(name))
