"""Celery for production scale-out: the same dispatcher and periodic jobs on many workers."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literacy.settings.local")

app = Celery("literacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat only enqueues; whichever worker picks a task up claims outbox rows with SKIP LOCKED, so
# running several workers (or beat firing twice) never sends a message twice.
app.conf.beat_schedule = {
    "dispatch-outbox": {"task": "notifications.dispatch_outbox", "schedule": 5.0},
    "offers-expire-due": {"task": "notifications.run_job", "schedule": 60.0, "args": ("offers_expire_due",)},
    "help-requests-escalate-due": {
        "task": "notifications.run_job", "schedule": 60.0, "args": ("help_requests_escalate_due",),
    },
    "delivery-events-attach-late": {
        "task": "notifications.run_job", "schedule": 60.0, "args": ("delivery_events_attach_late",),
    },
    # /readyz and doctor look for a recent heartbeat.
    "operations-heartbeat": {"task": "operations.heartbeat", "schedule": 60.0},
}
