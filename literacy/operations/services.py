"""Writes about the installation itself: the worker loop records that it is alive."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from literacy.operations.models import WorkerHeartbeat


@transaction.atomic
def heartbeat_record(*, name: str, now: dt.datetime | None = None) -> WorkerHeartbeat:
    """Called by each worker loop (`manage.py run_worker`, the Celery beat task): "I am alive".

    One row per worker name, updated in place, so the table never grows.
    """
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        name=name[:100], defaults={"beat_at": now or timezone.now()}
    )
    return heartbeat
