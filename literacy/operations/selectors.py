"""Reads about the installation's health: worker heartbeats and the outbox/queue counts to scrape."""

from __future__ import annotations

from django.db.models import Count

from literacy.followups.models import FollowUp
from literacy.notifications.models import Message
from literacy.operations.models import WorkerHeartbeat


def latest_heartbeat() -> WorkerHeartbeat | None:
    return WorkerHeartbeat.objects.order_by("-beat_at").first()


def open_followup_counts_by_kind() -> dict[str, int]:
    counts = dict.fromkeys(FollowUp.Kind.values, 0)
    for row in FollowUp.objects.filter(state=FollowUp.State.OPEN).values("kind").annotate(n=Count("id")).order_by():
        counts[row["kind"]] = row["n"]
    return counts


def outbox_snapshot(*, now, recent_window) -> dict:
    """What a monitoring system scrapes about the outbox, bounded by indexes on (state, send_after):
    waiting rows (pending/sending) in full, final states only within the recent window."""
    waiting = dict.fromkeys([Message.State.PENDING, Message.State.SENDING], 0)
    for row in (Message.objects.filter(state__in=list(waiting)).values("state").annotate(n=Count("id")).order_by()):
        waiting[row["state"]] = row["n"]
    due = Message.objects.filter(state=Message.State.PENDING, send_after__lte=now)
    oldest_due = due.order_by("send_after").values_list("send_after", flat=True).first()
    recent = dict.fromkeys(Message.FINAL_STATES + (Message.State.SENT,), 0)
    for row in (Message.objects.filter(state__in=list(recent), send_after__gte=now - recent_window)
                .values("state").annotate(n=Count("id")).order_by()):
        recent[row["state"]] = row["n"]
    return {
        "waiting": waiting,
        "due": due.count(),
        "oldest_due_seconds": (now - oldest_due).total_seconds() if oldest_due else 0.0,
        "recent": recent,
    }


def followup_snapshot(*, now) -> dict:
    counts = open_followup_counts_by_kind()
    oldest = (FollowUp.objects.filter(state=FollowUp.State.OPEN).order_by("opened_at")
              .values_list("opened_at", flat=True).first())
    return {"open": counts, "oldest_open_seconds": (now - oldest).total_seconds() if oldest else 0.0}


def heartbeats() -> list[WorkerHeartbeat]:
    return list(WorkerHeartbeat.objects.order_by("name"))
