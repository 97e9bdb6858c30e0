"""Celery for production scale-out: the same dispatcher and periodic jobs on many workers."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literacy.settings.local")

app = Celery("literacy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
