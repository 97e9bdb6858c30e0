"""A volunteer's calendar feed with 500 lessons: GET /calendar/<token>.ics through Django's full
request stack (the test Client: middleware, URL routing, the view, the ICS text).

The volunteer with the most lessons in the feed's window (30 days back, 180 ahead) is topped up
to 500 there: one-to-one lessons at free hours, each with a learner booked, and notes from
earlier reports for some of those learners, as a busy volunteer's feed would carry.
Target: p95 under 100 ms; the ratio to a primary-key fetch of the same run is beside it.

    DATABASE_URL=… python -m bench.feed        # on a database with data in it (bench.suite makes one)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time

TARGET_MS = 100
FEED_LESSONS = 500
HOURS = (10, 11, 12, 15, 16, 17)  # beside the generated data's 9:00 and 14:00 lessons


def top_up(*, municipality_ids: list[int], lessons: int = FEED_LESSONS):
    """The busiest volunteer in the feed's window, with `lessons` lessons there; returns them."""
    from django.db.models import Count, Q
    from django.utils import timezone

    from literacy.notifications.ical import FEED_FUTURE_DAYS, FEED_PAST_DAYS
    from literacy.people.models import Learner, Volunteer
    from literacy.scheduling.models import Booking, Lesson, LessonReport

    now = timezone.now()
    window = Q(lessons__starts_at__gte=now - dt.timedelta(days=FEED_PAST_DAYS),
               lessons__starts_at__lte=now + dt.timedelta(days=FEED_FUTURE_DAYS))
    volunteer = (Volunteer.objects.filter(municipality_id__in=municipality_ids)
                 .annotate(in_window=Count("lessons", filter=window)).order_by("-in_window", "id")
                 .select_related("municipality").first())
    if volunteer is None:
        raise RuntimeError("no volunteer to measure: generate data first")
    missing = lessons - volunteer.in_window
    if missing <= 0:
        return volunteer
    zone = volunteer.municipality.zone
    busy = list(Lesson.objects.active().filter(volunteer=volunteer).values_list("starts_at", "ends_at"))
    venue_id, topic_id = (Lesson.objects.filter(volunteer=volunteer).values_list("venue_id", "topic_id").first()
                          or _any_venue_and_topic(volunteer))
    learners = list(Learner.objects.filter(municipality=volunteer.municipality).order_by("id")
                    .values_list("id", flat=True)[:missing])
    today = timezone.localdate(now, zone)
    planned = []
    # Whole days inside the window, whatever the time of day now.
    day = today - dt.timedelta(days=FEED_PAST_DAYS - 1)
    while len(planned) < missing and day < today + dt.timedelta(days=FEED_FUTURE_DAYS):
        for hour in HOURS:
            starts = dt.datetime.combine(day, dt.time(hour), tzinfo=zone)
            ends = starts + dt.timedelta(hours=1)
            if len(planned) < missing and not any(b_start < ends and b_end > starts for b_start, b_end in busy):
                planned.append((starts, ends))
        day += dt.timedelta(days=1)
    created = Lesson.objects.bulk_create(
        Lesson(municipality=volunteer.municipality, volunteer=volunteer, venue_id=venue_id, topic_id=topic_id,
               starts_at=starts, ends_at=ends, state="completed" if starts < now else "scheduled")
        for starts, ends in planned)
    codes = _free_codes(volunteer.municipality_id, len(created))
    Booking.objects.bulk_create(
        Booking(municipality=volunteer.municipality, lesson=lesson, learner_id=learners[n % len(learners)],
                code=codes[n], state="attended" if lesson.starts_at < now else "booked", channel="kiosk")
        for n, lesson in enumerate(created))
    # A note from an earlier lesson for every fifth learner: the feed looks these up per learner.
    LessonReport.objects.bulk_create(
        LessonReport(lesson=lesson, volunteer=volunteer, duration_minutes=60,
                     note_for_next="次回は写真の送り方から。")
        for lesson in created[::5] if lesson.starts_at < now)
    return volunteer


def _any_venue_and_topic(volunteer) -> tuple[int, int]:
    from literacy.curriculum.models import Topic
    from literacy.places.models import Venue

    return (Venue.objects.filter(municipality=volunteer.municipality).values_list("id", flat=True).first(),
            Topic.objects.filter(municipality=volunteer.municipality).values_list("id", flat=True).first())


def _free_codes(municipality_id: int, count: int) -> list[str]:
    """Booking codes unused by the municipality's active bookings (the generator's start at 000000)."""
    from literacy.scheduling.models import Booking

    taken = set(Booking.objects.active().filter(municipality_id=municipality_id, code__gte="900000")
                .values_list("code", flat=True))
    return [code for code in (f"{n:06d}" for n in range(900_000, 1_000_000)) if code not in taken][:count]


def measure(*, municipality_ids: list[int], baseline: dict | None = None, repeat: int = 30) -> dict:
    from django.db import connection
    from django.test import Client

    from bench.measure import ratio, timed
    from literacy.notifications.ical import FEED_FUTURE_DAYS, FEED_PAST_DAYS

    volunteer = top_up(municipality_ids=municipality_ids)
    client = Client(SERVER_NAME="localhost")
    url = f"/calendar/{volunteer.calendar_token}.ics"
    sizes = []

    def fetch():
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        sizes.append(len(response.content))

    # Counted with a wrapper: the request_started signal empties connection.queries.
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        fetch()
    events = client.get(url).content.count(b"BEGIN:VEVENT")
    cpu_started = time.process_time()
    result = timed(fetch, repeat=repeat)
    # This process's CPU per request: what the machine's other load does not change much.
    cpu_ms = (time.process_time() - cpu_started) * 1000 / (repeat + 2)
    out = {**result, "cpu_ms": round(cpu_ms, 1), "events": events, "queries": len(queries),
           "kb": round(sizes[-1] / 1024, 1),
           "window_days": FEED_PAST_DAYS + FEED_FUTURE_DAYS, "target": f"p95 under {TARGET_MS} ms",
           "target_met": result["p95_ms"] < TARGET_MS}
    if baseline:
        out["ratio_p95_to_pk_p95"] = ratio(result["p95_ms"], baseline["p95_ms"])
    return out


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "literacy.settings.local")
    os.environ.setdefault("DEBUG", "false")
    import django

    django.setup()
    from literacy.places.models import Municipality

    print(json.dumps(measure(municipality_ids=list(Municipality.objects.values_list("id", flat=True))), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
