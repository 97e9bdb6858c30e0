"""Reads about the installation's health: worker heartbeats and the outbox/queue counts to scrape."""

from __future__ import annotations

from django.db.models import Count

from literacy.followups.models import FollowUp
from literacy.notifications.models import Message
from literacy.operations.models import WorkerHeartbeat


def latest_heartbeat() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").first()


def message_counts_by_state() -> dict[str, int]:
    """Messages per state, every state present (0 when none): one indexed GROUP BY."""
    counts = dict.fromkeys(Message.State.values, 0)
    for row in Message.objects.values("state").annotate(n=Count("id")).order_by():
        counts[row["state"]] = row["n"]
    return counts


def open_followup_counts_by_kind() -> dict[str, int]:
    counts = dict.fromkeys(FollowUp.Kind.values, 0)
    for row in FollowUp.objects.filter(state=FollowUp.State.OPEN).values("kind").annotate(n=Count("id")).order_by():
        counts[row["kind"]] = row["n"]
    return counts
