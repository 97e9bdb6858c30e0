"""Dispatcher throughput: messages/second through the memory provider, against a plain ORM
update() of the same number of rows in the same run (the floor any dispatcher pays to touch them).

    python -m bench.dispatcher --count 2000            # SQLite file in /tmp
    DATABASE_URL=postgres://… python -m bench.dispatcher --count 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literacy.settings.test")
    if "DATABASE_URL" not in os.environ:
        path = os.path.join(tempfile.gettempdir(), "oshieai-bench-dispatcher.sqlite3")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_rows(municipality, count: int, tag: str) -> list[int]:
    from django.utils import timezone

    from literacy.notifications.models import Message

    now = timezone.now()
    rows = [
        Message(municipality=municipality, channel="sms", kind=Message.Kind.LEARNER_CANCELLED, to="+819012345678",
                body="ベンチマーク", idempotency_key=f"bench:{tag}:{n}", send_after=now - dt.timedelta(seconds=1))
        for n in range(count)
    ]
    Message.objects.bulk_create(rows, batch_size=500)
    return list(Message.objects.filter(idempotency_key__startswith=f"bench:{tag}:").values_list("id", flat=True))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv)
    setup_django()

    from django.db import connection
    from django.utils import timezone

    from literacy.notifications.dispatcher import dispatch_due
    from literacy.notifications.models import Message
    from literacy.notifications.providers import memory
    from literacy.places.models import Municipality

    Message.objects.filter(idempotency_key__startswith="bench:").delete()
    municipality, _ = Municipality.objects.get_or_create(
        jis_code="999999", defaults={"name": "ベンチ市", "slug": "bench",
                                     "quiet_hours_end": dt.time(0, 0), "quiet_hours_start": dt.time(23, 59, 59)},
    )

    make_rows(municipality, args.count, "dispatch")
    memory.clear()
    started = time.perf_counter()
    while dispatch_due(batch=args.batch, worker="bench").claimed:
        pass
    dispatch_seconds = time.perf_counter() - started
    assert len(memory.outbox) == args.count, len(memory.outbox)

    ids = make_rows(municipality, args.count, "update")
    started = time.perf_counter()
    updated = Message.objects.filter(id__in=ids).update(state="sent", sent_at=timezone.now())
    update_seconds = time.perf_counter() - started
    assert updated == args.count

    dispatch_rate = args.count / dispatch_seconds
    update_rate = args.count / update_seconds
    print(f"machine:  {platform.node()} · {platform.processor() or platform.machine()} · Python {platform.python_version()}")
    print(f"database: {connection.vendor}")
    print(f"rows:     {args.count} (dispatch batch {args.batch})")
    print(f"dispatcher (memory provider): {dispatch_seconds:8.3f} s  {dispatch_rate:10.1f} messages/s")
    print(f"plain ORM update():           {update_seconds:8.3f} s  {update_rate:10.1f} rows/s")
    print(f"ratio: the dispatcher is {update_rate / dispatch_rate:.1f}x slower than one bulk update of the same rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
