"""One benchmark run against one database: generate a data set, then measure each target against
a baseline taken in the same process, minutes apart at most. Prints one JSON document.

    DATABASE_URL=… python -m bench.suite --scale city
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import sys
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", choices=["city", "prefecture"], default="city")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literacy.settings.local")
    os.environ.setdefault("DEBUG", "false")
    # whitenoise looks for collected static files, which the measured pages do not need
    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bench.generate import generate

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    info = generate(scale=args.scale)
    generation_s = round(time.perf_counter() - started, 1)
    results = {"scale": args.scale, "database": connection.vendor, "generation_s": generation_s,
               "benchmarks": run_benchmarks(info["municipality_ids"])}
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    with open(args.out, "w") as fh:
        json.dump(results, fh, indent=2, ensure_ascii=False)
    print(json.dumps(results, indent=2, ensure_ascii=False))


def step(label: str, measure):
    """Run one benchmark, saying what runs and how long it took (make bench shows its progress)."""
    print(f"  {label} …", end=" ", flush=True)
    started = time.perf_counter()
    result = measure()
    print(f"{time.perf_counter() - started:.1f} s", flush=True)
    return result


def run_benchmarks(municipality_ids: list[int]) -> dict:
    from django.utils import timezone

    from bench.measure import ratio, timed
    from literacy.people.models import Learner, Volunteer
    from literacy.places.models import Municipality
    from literacy.scheduling.matching import rank_volunteers
    from literacy.scheduling.models import Lesson
    from literacy.scheduling.slots import bookable_times

    rng = random.Random(11)
    learner_ids = list(Learner.objects.filter(municipality_id__in=municipality_ids).values_list("id", flat=True)[:5000])
    baseline = step("primary-key fetch (the baseline)",
                    lambda: timed(lambda: Learner.objects.get(pk=rng.choice(learner_ids)), repeat=300))

    # Bookable times: a topic at a venue over 14 days, at venues where volunteers teach it.
    lessons = list(Lesson.objects.filter(municipality_id__in=municipality_ids).select_related("venue", "topic")
                   .order_by("-starts_at")[:200])
    pairs = [(lesson.municipality_id, lesson.topic, lesson.venue) for lesson in lessons]
    municipalities = {m.pk: m for m in Municipality.objects.filter(pk__in=municipality_ids)}
    today = timezone.localdate()
    slot_counts = []

    def one_slots_query():
        mid, topic, venue = rng.choice(pairs)
        slots = bookable_times(municipality=municipalities[mid], topic=topic, venue=venue, start_date=today,
                               end_date=today + dt.timedelta(days=13))
        slot_counts.append(len(slots))

    slots = step("bookable times over 14 days", lambda: timed(one_slots_query, repeat=100))

    # Matching one request over 10,000 volunteers (all approved volunteers, whatever their municipality).
    volunteers = list(Volunteer.objects.order_by("id")[:10_000])
    learner = Learner.objects.get(pk=learner_ids[0])
    venue = pairs[0][2]
    matching = step(f"matching over {len(volunteers):,} volunteers", lambda: timed(
        lambda: rank_volunteers(volunteers=volunteers, learner=learner, venue=venue), repeat=5, warmup=1))

    from bench.dispatcher import measure as measure_dispatcher

    dispatcher = step("the dispatcher", lambda: measure_dispatcher(count=2000, batch=100, tag="suite"))

    from bench.dashboard import measure as measure_dashboard

    dashboard = step("the coverage dashboard", lambda: measure_dashboard(municipality_id=municipality_ids[0],
                                                                          baseline=baseline))
    return {
        **http_feed_and_memory(municipality_ids, baseline),
        "dispatcher": dispatcher,
        "pk_fetch": baseline,
        "bookable_times_14d": {**slots, "ratio_p95_to_pk_p95": ratio(slots["p95_ms"], baseline["p95_ms"]),
                               "mean_slots_returned": round(sum(slot_counts) / max(len(slot_counts), 1), 1),
                               "target": "p95 within 20x a primary-key fetch"},
        "matching_10k_volunteers": {**matching, "volunteers": len(volunteers),
                                    "ratio_p50_to_pk_p50": ratio(matching["p50_ms"], baseline["p50_ms"])},
        "dashboard_coverage": dashboard,
    }


def http_feed_and_memory(municipality_ids: list[int], baseline: dict) -> dict:
    """Run last: they add rows (a volunteer's 500 lessons, the load's kiosks and bookings).
    Booking over HTTP needs PostgreSQL (gunicorn's processes share the database with this one)."""
    from bench.feed import measure as measure_feed
    from bench.http_booking import measure as measure_http_booking
    from bench.http_booking import measure_worker_memory

    return {
        "calendar_feed_500": step("a calendar feed of 500 lessons",
                                  lambda: measure_feed(municipality_ids=municipality_ids, baseline=baseline)),
        "http_booking": step("booking over HTTP (gunicorn)",
                             lambda: measure_http_booking(municipality_id=municipality_ids[0])),
        "worker_memory": step("the worker's memory", lambda: measure_worker_memory(count=3000)),
    }


if __name__ == "__main__":
    sys.exit(main())
