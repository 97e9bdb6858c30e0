"""The embedded worker: sends due messages and runs the periodic jobs, beside runserver.

`--once` runs every job once and exits (for cron, tests, and checking what is due).
Production with many workers uses Celery beat instead (literacy/celery.py); both run the same
jobs, and the outbox's SKIP LOCKED + lease keeps them from sending anything twice.
"""

from __future__ import annotations

import signal
import time

from django.core.management.base import BaseCommand

from literacy.notifications import periodic
from literacy.notifications.dispatcher import dispatch_due, worker_name
from literacy.operations.services import heartbeat_record

HEARTBEAT_EVERY_SECONDS = 30


class Command(BaseCommand):
    help = "Send due outbox messages and run periodic jobs (offer expiry, escalation)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every job once, then exit.")
        parser.add_argument("--batch", type=int, default=100, help="Messages claimed per round.")
        parser.add_argument("--sleep", type=float, default=2.0, help="Seconds to wait when nothing is due.")

    def handle(self, *args, once: bool = False, batch: int = 100, sleep: float = 2.0, **options):
        self.stopping = False
        worker = worker_name()
        if not once:
            signal.signal(signal.SIGTERM, self._stop)
            signal.signal(signal.SIGINT, self._stop)
            self.stdout.write(f"worker {worker} started")
        last_run: dict[str, float] = {}
        while not self.stopping:
            now = time.monotonic()
            if once or now - last_run.get("heartbeat", float("-inf")) >= HEARTBEAT_EVERY_SECONDS:
                last_run["heartbeat"] = now
                heartbeat_record(name=worker)  # /readyz and doctor check that the worker is alive
            report = dispatch_due(batch=batch, worker=worker)
            if report.claimed or once:
                self.stdout.write(f"outbox: {report}")
            for job in periodic.JOBS:
                if job.name == "dispatch_outbox":
                    continue
                if once or now - last_run.get(job.name, float("-inf")) >= job.every_seconds:
                    last_run[job.name] = now
                    try:
                        result = periodic.run_job(job.name)
                    except Exception as exc:  # one failing job must not stop the outbox
                        self.stderr.write(f"{job.name} failed: {exc!r}")
                        if once:
                            raise
                        continue
                    if once or result:
                        self.stdout.write(f"{job.name}: {result}")
            if once:
                return
            if report.claimed < batch:
                time.sleep(sleep)

    def _stop(self, signum, frame):
        self.stopping = True
