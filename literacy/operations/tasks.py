"""Celery task for the heartbeat: scheduled by beat and run by a worker, so one fresh row proves
both are alive. Add it to beat_schedule in literacy/celery.py (every 60 s)."""

from celery import shared_task

from literacy.operations.services import heartbeat_record


@shared_task(name="operations.heartbeat")
def heartbeat() -> None:
    heartbeat_record(name="celery")
