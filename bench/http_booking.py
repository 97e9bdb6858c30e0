"""Booking over HTTP under load, and the peak memory of the web and worker processes.

gunicorn (2 workers) on the benchmark's own PostgreSQL database; the same client concurrency
first asks /healthz (the baseline: a request that touches the database once), then posts empty
bookings with each kiosk's key (the API's floor: authenticated, refused at validation), then books
(bench/http_load.py: half the clients racing for the same times, the rest booking their own,
some double-clicking). The result is the ratio of the two rates — target: booking at least 30%
of /healthz — with the exactly-once checks beside it, and the peak RSS (VmHWM) of the gunicorn
master and workers read just before they stop. Then `manage.py run_worker` sends a few thousand
queued messages through the console provider, and its VmHWM is read the same way.

    DATABASE_URL=postgres://… python -m bench.http_booking      # on a database with data in it
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

TARGET_RATIO = 0.30
ROOT = Path(__file__).resolve().parent.parent
NEEDS_POSTGRES = "not run: needs PostgreSQL"


def database_url() -> str:
    """The URL of the database Django is using now, for processes started beside it."""
    from django.db import connection

    from bench.web_server import database_url_from_settings

    return database_url_from_settings(connection.settings_dict)


def measure(*, municipality_id: int, clients: int = 40, per_client: int = 10, healthz_per_client: int = 100,
            workers: int = 2, threads: int = 1) -> dict:
    from django.db import connection

    from bench.http_load import BOOKINGS_PATH, _request, check_outcomes, hammer, prepare_world, run_bookings
    from bench.web_server import WebServer
    from literacy.places.models import Municipality

    if connection.vendor != "postgresql":
        return {"skipped": NEEDS_POSTGRES}
    world = prepare_world(municipality=Municipality.objects.get(pk=municipality_id), clients=clients,
                          per_client=per_client)
    settings_module = os.environ.get("DJANGO_SETTINGS_MODULE", "literacy.settings.local")
    with WebServer(database_url=database_url(), settings=settings_module, workers=workers, threads=threads) as server:
        # Warm both workers up (imports, URL resolvers, the API's first request) before timing.
        hammer(server.base_url, clients=clients, per_client=2)
        for _ in range(4 * workers):
            _request(server.base_url, "POST", BOOKINGS_PATH, body={})
        healthz = hammer(server.base_url, clients=clients, per_client=healthz_per_client)
        # The API's floor: each kiosk posts an empty booking, authenticated, refused at validation.
        # Everything a booking request pays before it books (device key, throttle, parsing, the
        # error's shape); no booking can go faster than this.
        api_floor = hammer(server.base_url, path=BOOKINGS_PATH, method="POST", body={}, clients=clients,
                           per_client=healthz_per_client // 4,
                           headers_for=lambda n: {"Authorization": f"Device {world.device_keys[n]}"})
        booking = run_bookings(server.base_url, world)
        memory = server.peak_memory_kb()
    checks = check_outcomes(world, booking)
    booking_rate = round(booking.rate, 1)
    ratio = _ratio(booking_rate, healthz["requests_per_second"])
    return {
        "server": f"gunicorn, {workers} workers × {threads} threads" if threads > 1 else f"gunicorn, {workers} sync workers",
        "clients": clients,
        "healthz": healthz,
        "booking": {"requests": len(booking.outcomes), "seconds": round(booking.seconds, 2),
                    "requests_per_second": booking_rate, "statuses": booking.statuses(), **booking.latency_ms()},
        "api_floor": {**api_floor, "ratio": _ratio(api_floor["requests_per_second"], healthz["requests_per_second"])},
        "ratio": ratio,
        "target": f"booking ≥ {TARGET_RATIO:.0%} of /healthz requests/s",
        "target_met": ratio is not None and ratio >= TARGET_RATIO,
        "checks": checks.as_dict(),
        "checks_passed": checks.ok,
        "peak_rss_mb": {"master": _mb(memory["master"]), "workers": [_mb(kb) for kb in memory["workers"]]},
    }


def _ratio(rate: float, baseline: float) -> float | None:
    return round(rate / baseline, 3) if baseline else None


def _mb(kb: int | None) -> float | None:
    return round(kb / 1024, 1) if kb is not None else None


def measure_worker_memory(*, count: int = 3000, timeout: float = 300.0) -> dict:
    """Queue `count` due texts to known numbers, let `manage.py run_worker` send them through
    the console provider, and read its VmHWM before stopping it."""
    from django.db import connection
    from django.utils import timezone

    from bench.dispatcher import bench_municipality, known_numbers
    from bench.web_server import vm_hwm_kb
    from literacy.notifications.models import Message

    municipality = bench_municipality()
    tag = f"worker-memory-{int(time.time())}"
    now = timezone.now()
    Message.objects.bulk_create(
        [Message(municipality=municipality, channel="sms", kind=Message.Kind.LEARNER_CANCELLED, to=phone,
                 body="ベンチマーク", idempotency_key=f"bench:{tag}:{n}", send_after=now - dt.timedelta(seconds=1))
         for n, phone in enumerate(known_numbers(municipality, count))], batch_size=1000)
    queued = Message.objects.filter(idempotency_key__startswith=f"bench:{tag}:")
    env = {**os.environ, "DATABASE_URL": database_url(),
           "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "literacy.settings.local"),
           "DEBUG": "false", "LOG_LEVEL": "WARNING", "SMS_PROVIDER": "console",
           # The day's cap per municipality would stop the run part-way; each number gets one text.
           "SMS_DAILY_CAP_PER_MUNICIPALITY": str(10 * count)}
    connection.close()
    started = time.perf_counter()
    worker = subprocess.Popen([sys.executable, "manage.py", "run_worker", "--sleep", "0.2"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + timeout
        while queued.exclude(state=Message.State.SENT).exists():
            if worker.poll() is not None:
                raise RuntimeError(f"run_worker exited with {worker.returncode}: {worker.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"run_worker did not send {count} messages within {timeout:.0f} s")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        peak_kb = vm_hwm_kb(worker.pid)
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
        worker.stderr.close()
    sent = queued.filter(state=Message.State.SENT).count()
    queued.delete()
    return {"messages": count, "sent": sent, "seconds_from_start": round(seconds, 1), "peak_rss_mb": _mb(peak_kb)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=40)
    parser.add_argument("--per-client", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-messages", type=int, default=3000, help="0 skips the worker's memory")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literacy.settings.local")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from django.core.management import call_command

    from literacy.places.models import Municipality

    call_command("migrate", verbosity=0)
    municipality = Municipality.objects.order_by("id").first() or Municipality.objects.create(
        jis_code="999998", name="ベンチ市", slug="bench-http")
    results = {"http_booking": measure(municipality_id=municipality.pk, clients=args.clients,
                                       per_client=args.per_client, workers=args.workers, threads=args.threads)}
    if args.worker_messages:
        results["worker_memory"] = measure_worker_memory(count=args.worker_messages)
    print(json.dumps(results, indent=2, ensure_ascii=False))
    return 0 if results["http_booking"].get("checks_passed", True) else 1


if __name__ == "__main__":
    sys.exit(main())
