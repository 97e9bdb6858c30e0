"""Storage per row and outbox rows per booking, measured on PostgreSQL: the inputs of the
storage-growth and reminder-peak arithmetic in docs/scaling.md.

    DATABASE_URL=postgres://…/oshieai_storage_bench python -m bench.storage --scale city --bookings 1000 \
        --out bench/out/storage-city.json

Generates the data set (bench/generate.py) on a fresh database, then lets the real triggers write
the outbox of `bookings` upcoming bookings (the learner's confirmation and reminders, the
volunteer's SMS and calendar invite), exactly as a booking made at the kiosk would, and records
two status callbacks (sent, delivered) per text as the webhook does. After
VACUUM ANALYZE it reports, for each large table, its rows and its size with indexes and TOAST,
and so the bytes per row; and the outbox rows written per booking, by kind and channel.
The database is dropped and created again: never point it at one that matters.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

TABLES = ("people_learner", "scheduling_helprequest", "scheduling_lesson", "scheduling_booking",
          "scheduling_offer", "notifications_message", "notifications_deliveryevent", "django_session")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "prefecture"], default="city")
    parser.add_argument("--bookings", type=int, default=1000, help="Upcoming bookings whose outbox is written.")
    parser.add_argument("--out", help="Also write the JSON here (the generator's progress goes to stdout).")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("bench.storage measures PostgreSQL's sizes: set DATABASE_URL=postgres://…")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literacy.settings.test")
    recreate(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from bench.generate import generate

    call_command("migrate", verbosity=0)
    generate(scale=args.scale)
    started = time.perf_counter()
    written = write_outboxes(args.bookings)
    written["delivery_events"] = record_callbacks()
    seconds = time.perf_counter() - started
    result = {"scale": args.scale, "bookings_with_outbox": args.bookings, "outbox_seconds": round(seconds, 1),
              **written, "tables": table_sizes(), "message_row_bytes_by_channel": message_row_bytes()}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")


def recreate(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres".replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def write_outboxes(count: int) -> dict:
    """What the triggers write for `count` upcoming bookings, as the kiosk's booking does. The
    bookings are two days ahead or more, so both reminders are still to come (a booking made
    for tomorrow gets fewer)."""
    from django.db import transaction
    from django.db.models import Count
    from django.utils import timezone

    from literacy.notifications import triggers
    from literacy.notifications.models import Message
    from literacy.scheduling.models import Booking

    bookings = list(
        Booking.objects.filter(state=Booking.State.BOOKED,
                               lesson__starts_at__gt=timezone.now() + dt.timedelta(days=2))
        .select_related("lesson__municipality", "lesson__venue", "lesson__topic", "lesson__volunteer__user",
                        "learner", "municipality")
        .order_by("lesson__starts_at")[:count]
    )
    before = Message.objects.count()
    for booking in bookings:
        with transaction.atomic():
            triggers.booking_confirmed(booking=booking)
            triggers.lesson_scheduled(lesson=booking.lesson)
    rows = Message.objects.count() - before
    kinds = Message.objects.values("kind", "channel").annotate(n=Count("id")).order_by("kind", "channel")
    return {
        "bookings": len(bookings),
        "messages_per_booking": round(rows / max(len(bookings), 1), 2),
        "messages_by_kind_and_channel": {f"{row['kind']}/{row['channel']}": row["n"] for row in kinds},
    }


def record_callbacks() -> int:
    """Each text as sent, then Twilio's two status callbacks (sent, delivered) with the fields
    Twilio posts for a message, through the same service the webhook calls."""
    import uuid

    from django.db import transaction

    from literacy.notifications.models import Message
    from literacy.notifications.services import message_status_record

    account, service = f"AC{uuid.uuid4().hex}", f"MG{uuid.uuid4().hex}"
    recorded = 0
    for message in Message.objects.filter(channel=Message.Channel.SMS).only("id", "to"):
        sid = f"SM{uuid.uuid4().hex}"
        Message.objects.filter(pk=message.pk).update(state=Message.State.SENDING, provider_id=sid)
        for status in ("sent", "delivered"):
            raw = {"SmsSid": sid, "SmsStatus": status, "MessageStatus": status, "To": message.to,
                   "MessagingServiceSid": service, "MessageSid": sid, "AccountSid": account,
                   "From": "+81943231111", "ApiVersion": "2010-04-01"}
            with transaction.atomic():
                recorded += message_status_record(provider_id=sid, status=status, raw=raw)
    return recorded


def table_sizes() -> dict:
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f'VACUUM ANALYZE "{table}"')
            cursor.execute(f'SELECT count(*), pg_relation_size(%s), pg_total_relation_size(%s) FROM "{table}"',
                           [table, table])
            rows, heap, total = cursor.fetchone()
            sizes[table] = {"rows": rows, "heap_bytes": heap, "total_bytes": total,
                            "total_bytes_per_row": round(total / rows) if rows else None}
    return sizes


def message_row_bytes() -> dict:
    """The average outbox row (its heap tuple, without indexes) by channel: an invite carries its
    calendar file, an SMS seventy characters."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT channel, round(avg(pg_column_size(m.*))) FROM notifications_message m GROUP BY channel")
        return {channel: int(size) for channel, size in cursor.fetchall()}


if __name__ == "__main__":
    main()
