"""The periodic jobs the worker (run_worker) and Celery beat both run: one list, two runners."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from literacy.notifications.dispatcher import dispatch_due
from literacy.notifications.services import delivery_events_attach_late
from literacy.scheduling.services import help_requests_escalate_due, offers_expire_due

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[], object]
    every_seconds: int


JOBS = [
    Job("dispatch_outbox", lambda: dispatch_due(), every_seconds=5),
    Job("offers_expire_due", lambda: offers_expire_due(), every_seconds=60),
    Job("help_requests_escalate_due", lambda: help_requests_escalate_due(), every_seconds=60),
    Job("delivery_events_attach_late", lambda: delivery_events_attach_late(), every_seconds=60),
]
JOBS_BY_NAME = {job.name: job for job in JOBS}


def run_job(name: str) -> object:
    result = JOBS_BY_NAME[name].run()
    logger.debug("job %s: %s", name, result)
    return result
