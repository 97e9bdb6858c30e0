"""Whether this installation can serve: the database answers and a worker has beaten recently."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from literacy.operations.selectors import latest_heartbeat


def heartbeat_max_age() -> dt.timedelta:
    return dt.timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS)


def readiness(*, now: dt.datetime | None = None) -> tuple[bool, dict]:
    """(ready, details). Details name what failed, in words an operator can act on."""
    now = now or timezone.now()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False, {"database": "unreachable", "worker": "unknown"}
    beat = latest_heartbeat()
    if beat is None:
        return False, {"database": "ok", "worker": "no heartbeat yet: is the worker running?"}
    age = (now - beat.beat_at).total_seconds()
    worker = {"name": beat.name, "age_seconds": round(age, 1)}
    if age > heartbeat_max_age().total_seconds():
        worker["problem"] = "heartbeat too old: the worker has stopped"
        return False, {"database": "ok", "worker": worker}
    return True, {"database": "ok", "worker": worker}
