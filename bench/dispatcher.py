"""Dispatcher throughput: messages/second through the memory provider, against a plain ORM
update() of the same rows in the same run (the floor any dispatcher pays to touch them).

    python -m bench.dispatcher                                   # SQLite file in /tmp, 5,000 rows, twice
    DATABASE_URL=postgres://… python -m bench.dispatcher --count 5000 --repeat 2

Each repetition writes `count` fresh due SMS rows (to learners' numbers, so the SMS brakes stay
on), lets `dispatch_due` send them all (claim with SKIP LOCKED + lease, re-check through the
policy, send, record, batch by batch), checks that every row went exactly once, then times one
`update()` of those same rows. The machine is shared and noisy: the ratio of the two, taken
seconds apart, is the figure to compare; every repetition is printed, none is hidden.
`measure()` returns the same figures for a suite to collect.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import tempfile
import time

TARGET_MESSAGES_PER_SECOND = 500


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


def known_numbers(municipality, count: int) -> list[str]:
    """`count` mobile numbers of learners of the municipality (created once): texts go only to
    numbers a municipality knows, so the SMS brakes stay on for the benchmark as in production."""
    from django.utils import timezone

    from literacy.people.models import Learner

    numbers = [f"+81908{n:07d}" for n in range(count)]
    known = set(Learner.objects.filter(municipality=municipality, phone__in=numbers).values_list("phone", flat=True))
    Learner.objects.bulk_create(
        [Learner(municipality=municipality, name=f"送信試験 {n}", name_key=f"送信試験{n}", phone=phone,
                 phone_kind="mobile", reminder_channel="sms", consent_at=timezone.now(), consent_channel="kiosk")
         for n, phone in enumerate(numbers) if phone not in known], batch_size=1000)
    return numbers


def make_rows(municipality, count: int, tag: str) -> list[int]:
    from django.utils import timezone

    from literacy.notifications.models import Message

    now = timezone.now()
    rows = [
        Message(municipality=municipality, channel="sms", kind=Message.Kind.LEARNER_CANCELLED, to=to,
                body="ベンチマーク", idempotency_key=f"bench:{tag}:{n}", send_after=now - dt.timedelta(seconds=1))
        for n, to in enumerate(known_numbers(municipality, count))
    ]
    Message.objects.bulk_create(rows, batch_size=500)
    return list(Message.objects.filter(idempotency_key__startswith=f"bench:{tag}:").values_list("id", flat=True))


def bench_municipality():
    from literacy.places.models import Municipality

    # Allowed hours round the clock, so quiet hours never defer a row whatever time the run is.
    municipality, _ = Municipality.objects.get_or_create(
        jis_code="999999", defaults={"name": "ベンチ市", "slug": "bench",
                                     "quiet_hours_end": dt.time(0, 0), "quiet_hours_start": dt.time(23, 59, 59)},
    )
    return municipality


def measure(*, count: int, batch: int, tag: str) -> dict:
    """One repetition: dispatch `count` rows, then update() the same rows. Figures in a dict."""
    from django.conf import settings
    from django.db import connection
    from django.test import override_settings
    from django.utils import timezone

    from literacy.notifications.dispatcher import dispatch_due
    from literacy.notifications.models import Message
    from literacy.notifications.providers import memory

    municipality = bench_municipality()
    ids = make_rows(municipality, count, tag)
    memory.clear()
    # The memory provider whatever the settings module (the suite runs on local's console one);
    # the day's cap per municipality raised to the run's size, the other brakes as they are.
    cap = max(settings.SMS_DAILY_CAP_PER_MUNICIPALITY, count)
    with override_settings(SMS_PROVIDER="memory", SMS_DAILY_CAP_PER_MUNICIPALITY=cap):
        started = time.perf_counter()
        rounds = 0
        while dispatch_due(batch=batch, worker="bench").claimed:
            rounds += 1
        dispatch_seconds = time.perf_counter() - started
    sent = [s.message_id for s in memory.outbox]
    assert sorted(sent) == sorted(ids), "every row exactly once"
    assert Message.objects.filter(id__in=ids, state="sent").count() == count

    started = time.perf_counter()
    updated = Message.objects.filter(id__in=ids).update(state="delivered", updated_at=timezone.now())
    update_seconds = time.perf_counter() - started
    assert updated == count
    Message.objects.filter(id__in=ids).delete()
    dispatch_rate = count / dispatch_seconds
    update_rate = count / update_seconds
    return {
        "database": connection.vendor, "rows": count, "batch": batch, "rounds": rounds,
        "dispatch_seconds": dispatch_seconds, "messages_per_second": dispatch_rate,
        "update_seconds": update_seconds, "update_rows_per_second": update_rate,
        "ratio": update_rate / dispatch_rate, "target_met": dispatch_rate >= TARGET_MESSAGES_PER_SECOND,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=100, help="rows per claim (run_worker's default is 100)")
    parser.add_argument("--repeat", type=int, default=2, help="measure this many times (shared machine)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON instead")
    args = parser.parse_args(argv)
    setup_django()

    from literacy.notifications.models import Message

    Message.objects.filter(idempotency_key__startswith="bench:").delete()
    results = []
    for run in range(1, args.repeat + 1):
        result = measure(count=args.count, batch=args.batch, tag=f"run{run}")
        results.append(result)
        if not args.json:
            print(f"run {run}: dispatcher {result['dispatch_seconds']:7.3f} s {result['messages_per_second']:8.1f} msg/s"
                  f" · update() {result['update_seconds']:6.3f} s {result['update_rows_per_second']:9.1f} rows/s"
                  f" · ratio {result['ratio']:5.1f}x · target {TARGET_MESSAGES_PER_SECOND}/s "
                  f"{'met' if result['target_met'] else 'NOT met'}", flush=True)
    machine = {"node": platform.node(), "processor": platform.processor() or platform.machine(),
               "cpus": os.cpu_count(), "python": platform.python_version(),
               "load_average": os.getloadavg(), "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    if args.json:
        print(json.dumps({"machine": machine, "runs": results}, indent=2))
    else:
        print(f"machine:  {machine['node']} · {machine['processor']} · {machine['cpus']} CPUs · Python "
              f"{machine['python']} · load {', '.join(f'{x:.1f}' for x in machine['load_average'])}")
        print(f"database: {results[0]['database']} · rows {args.count} · batch {args.batch} · {machine['date']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
