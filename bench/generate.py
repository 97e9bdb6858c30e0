"""Generate benchmark data fast: COPY on PostgreSQL, batched bulk inserts on SQLite.

Scales (from the design): a city — 20,000 learners, 300 volunteers, 50,000 lessons; a prefecture —
1,000,000 learners, 10,000 volunteers, 2,000,000 bookings over 60 municipalities. Every lesson is a
one-to-one lesson with one booking and the help request behind it. Lessons of one volunteer never
overlap (each has its own day and hour), so the PostgreSQL exclusion constraint holds.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import sys
import time
import uuid
from zoneinfo import ZoneInfo

from django.db import connection, models, transaction
from django.utils import timezone

from literacy.accounts.models import User
from literacy.curriculum.models import Topic
from literacy.people.models import Availability, Learner, Volunteer
from literacy.places.models import District, Municipality, OpeningHours, Venue
from literacy.scheduling.models import Booking, HelpRequest, Lesson

SCALES = {
    "city": {"municipalities": 1, "learners": 20_000, "volunteers": 300, "lessons": 50_000},
    "prefecture": {"municipalities": 60, "learners": 1_000_000, "volunteers": 10_000, "lessons": 2_000_000},
}
TOPICS = ["phone-basics", "camera", "internet", "maps", "line", "mynumber", "mynaportal", "etax",
          "online-medical", "cashless", "video-call", "disaster", "photos", "scam"]
DISTRICTS_PER_MUNICIPALITY = 6
VENUES_PER_DISTRICT = 2
TOKYO = ZoneInfo("Asia/Tokyo")


def say(text: str) -> None:
    print(text, flush=True)


def _copy_value(value) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | dict):
        import json

        value = json.dumps(value, ensure_ascii=False)
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def write_rows(model: type[models.Model], rows, *, total: int, label: str, batch: int = 50_000) -> None:
    """Insert dict rows (field attnames → values); missing fields take their defaults."""
    fields = model._meta.concrete_fields
    now = timezone.now()
    defaults = {}
    defaults["id"] = None
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif not f.primary_key:
            defaults[f.attname] = f.get_default()  # "" for text fields, None where nullable
    done = 0
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        columns = ", ".join(f'"{f.column}"' for f in fields)
        buffer = io.StringIO()

        def flush():
            buffer.seek(0)
            with connection.cursor() as cursor, cursor.cursor.copy(
                f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN'
            ) as copy:
                copy.write(buffer.getvalue())
            buffer.seek(0)
            buffer.truncate()

        for row in rows:
            values = [row.get(f.attname, defaults[f.attname]) for f in fields]
            buffer.write("\t".join(_copy_value(v) for v in values) + "\n")
            done += 1
            if done % batch == 0:
                flush()
                _progress(label, done, total, started)
        flush()
    else:
        objects = []
        for row in rows:
            objects.append(model(**{**defaults, **row}))
            done += 1
            if len(objects) >= batch:
                model.objects.bulk_create(objects, batch_size=2000)
                objects = []
                _progress(label, done, total, started)
        model.objects.bulk_create(objects, batch_size=2000)
    _progress(label, done, total, started, final=True)


def _progress(label, done, total, started, final=False):
    rate = done / max(time.perf_counter() - started, 1e-9)
    end = "\n" if final else "\r"
    sys.stdout.write(f"  {label:<14} {done:>9,}/{total:,} ({100 * done / max(total, 1):5.1f}%) {rate:,.0f} rows/s{end}")
    sys.stdout.flush()


def _next_id(model) -> int:
    return (model.objects.aggregate(m=models.Max("id"))["m"] or 0) + 1


def _reset_sequences(*model_classes) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in model_classes:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), COALESCE(MAX(id), 1)) FROM \"{table}\""
            )


def generate(*, scale: str, seed: int = 7) -> dict:
    """Insert the data set in one transaction, then (PostgreSQL) vacuum and analyse it."""
    info = _insert_data_set(scale=scale, seed=seed)
    if connection.vendor == "postgresql":
        # What autovacuum does to a live database within minutes of such a load: statistics for the
        # planner and the visibility map that lets index-only scans skip the table (the dashboard's
        # covering indexes rely on it). Without it the first hours after a bulk load are measured.
        say("VACUUM ANALYZE …")
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        say(f"VACUUM ANALYZE done in {time.perf_counter() - started:.0f} s")
    return info


@transaction.atomic
def _insert_data_set(*, scale: str, seed: int) -> dict:
    """Create a fresh data set of the given scale; returns what a benchmark needs to find it."""
    spec = SCALES[scale]
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    say(f"Generating the {scale} data set: {spec}")

    Municipality.objects.bulk_create(
        Municipality(jis_code=f"9{scale[0]}{i:04d}", name=f"ベンチ市{i}", name_en=f"Bench {i}",
                     slug=f"bench-{scale}-{i}", program_phone="0943-23-1111")
        for i in range(spec["municipalities"])
    )
    municipalities = list(Municipality.objects.filter(slug__startswith=f"bench-{scale}-").order_by("id"))
    districts, venues, topics = [], [], []
    for m in municipalities:
        for d in range(DISTRICTS_PER_MUNICIPALITY):
            districts.append(District(municipality=m, name=f"地区{d}", senior_population=rng.randint(800, 9000), order=d))
    District.objects.bulk_create(districts)
    districts = list(District.objects.filter(municipality__in=municipalities).order_by("id"))
    for district in districts:
        for v in range(VENUES_PER_DISTRICT):
            venues.append(Venue(municipality_id=district.municipality_id, district=district, kind="community_centre",
                                name=f"{district.name}公民館{v}", capacity=20))
    Venue.objects.bulk_create(venues)
    venues = list(Venue.objects.filter(municipality__in=municipalities).order_by("id"))
    OpeningHours.objects.bulk_create(
        OpeningHours(venue=venue, weekday=w, opens=dt.time(9), closes=dt.time(17)) for venue in venues for w in range(6)
    )
    for m in municipalities:
        for order, slug in enumerate(TOPICS):
            topics.append(Topic(municipality=m, slug=slug, name=slug, order=order))
    Topic.objects.bulk_create(topics)
    topics = list(Topic.objects.filter(municipality__in=municipalities).order_by("id"))
    venues_by_m: dict[int, list[Venue]] = {}
    for venue in venues:
        venues_by_m.setdefault(venue.municipality_id, []).append(venue)
    topics_by_m: dict[int, list[Topic]] = {}
    for topic in topics:
        topics_by_m.setdefault(topic.municipality_id, []).append(topic)

    # Volunteers (users first), each with 3 topics, 2 venues, 3 weekly windows.
    n_vol = spec["volunteers"]
    first_user = _next_id(User)
    write_rows(User, ({"id": first_user + i, "email": f"bench-{scale}-{i}@example.jp", "password": "!",
                       "is_active": True, "date_joined": now} for i in range(n_vol)), total=n_vol, label="users")
    first_vol = _next_id(Volunteer)
    vol_m = [municipalities[i % len(municipalities)] for i in range(n_vol)]
    write_rows(Volunteer, ({"id": first_vol + i, "user_id": first_user + i, "municipality_id": vol_m[i].pk,
                            "name": f"支援者{i}", "status": "approved", "weekly_cap": 10,
                            "calendar_token": uuid.uuid4().hex} for i in range(n_vol)), total=n_vol, label="volunteers")
    topic_links, venue_links, windows = [], [], []
    vol_venues: dict[int, list[int]] = {}
    for i in range(n_vol):
        vid, m = first_vol + i, vol_m[i]
        for topic in rng.sample(topics_by_m[m.pk], 3):
            topic_links.append(Volunteer.topics.through(volunteer_id=vid, topic_id=topic.pk))
        chosen = rng.sample(venues_by_m[m.pk], 2)
        vol_venues[vid] = [v.pk for v in chosen]
        for venue in chosen:
            venue_links.append(Volunteer.venues.through(volunteer_id=vid, venue_id=venue.pk))
        for w in rng.sample(range(6), 3):
            start = rng.choice([9, 10, 13])
            windows.append(Availability(volunteer_id=vid, venue_id=rng.choice(chosen).pk, weekday=w,
                                        starts=dt.time(start), ends=dt.time(start + 3), is_instant=rng.random() < 0.3))
    Volunteer.topics.through.objects.bulk_create(topic_links, batch_size=5000)
    Volunteer.venues.through.objects.bulk_create(venue_links, batch_size=5000)
    Availability.objects.bulk_create(windows, batch_size=5000)
    _reset_sequences(User, Volunteer)

    n_learn = spec["learners"]
    first_learner = _next_id(Learner)
    learner_m = [municipalities[i % len(municipalities)] for i in range(n_learn)]
    write_rows(Learner, ({"id": first_learner + i, "municipality_id": learner_m[i].pk, "name": f"受講者 {i}",
                          "name_key": f"受講者{i}", "phone": f"+8190{10_000_000 + i:08d}", "phone_kind": "mobile",
                          "reminder_channel": "sms", "consent_at": now, "consent_channel": "kiosk"}
                         for i in range(n_learn)), total=n_learn, label="learners")

    # Lessons: lesson k of a volunteer sits on its own (day, hour); ~10% lie in the future.
    n_lessons = spec["lessons"]
    per_volunteer = -(-n_lessons // n_vol)
    first_lesson, first_request, first_booking = _next_id(Lesson), _next_id(HelpRequest), _next_id(Booking)
    plan = []
    for j in range(n_lessons):
        v_index, k = j % n_vol, j // n_vol
        day = today + dt.timedelta(days=(k // 2) * 2 - int(per_volunteer * 0.9))
        hour = 9 if k % 2 == 0 else 14
        starts = dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO)
        m = vol_m[v_index]
        learner_index = (j * 7919) % n_learn
        # keep the learner in the volunteer's municipality
        learner_index -= learner_index % len(municipalities)
        learner_index += municipalities.index(m)
        learner_index %= n_learn
        plan.append((first_vol + v_index, m.pk, starts, learner_index))
    topic_for = {m.pk: topics_by_m[m.pk] for m in municipalities}

    def lesson_rows():
        for j, (vid, mid, starts, _) in enumerate(plan):
            past = starts < now
            yield {"id": first_lesson + j, "municipality_id": mid, "volunteer_id": vid,
                   "venue_id": vol_venues[vid][j % 2], "topic_id": topic_for[mid][j % 14].pk, "format": "one_to_one",
                   "starts_at": starts, "ends_at": starts + dt.timedelta(hours=1),
                   "state": "completed" if past else "scheduled", "calendar_uid": f"bench-{scale}-{j}@oshieai"}

    write_rows(Lesson, lesson_rows(), total=n_lessons, label="lessons")

    def request_rows():
        for j, (_, mid, starts, li) in enumerate(plan):
            created = starts - dt.timedelta(days=3)
            yield {"id": first_request + j, "municipality_id": mid, "learner_id": first_learner + li,
                   "topic_id": topic_for[mid][j % 14].pk, "venue_id": None, "wanted_starts_at": starts,
                   "wanted_ends_at": starts + dt.timedelta(hours=1), "channel": "kiosk", "deadline": created,
                   "state": "scheduled", "lesson_id": first_lesson + j, "scheduled_at": created + dt.timedelta(hours=j % 30),
                   "created_at": created, "updated_at": created}

    write_rows(HelpRequest, request_rows(), total=n_lessons, label="help requests")

    def booking_rows():
        for j, (_, mid, starts, li) in enumerate(plan):
            past = starts < now
            # Every tenth lesson of each volunteer is a no-show (by j % 10, every lesson of the
            # municipalities with index ≡ 0 mod 10 would have been, and the others none).
            state = ("attended" if (j // n_vol) % 10 else "no_show") if past else "booked"
            yield {"id": first_booking + j, "municipality_id": mid, "learner_id": first_learner + li,
                   "lesson_id": first_lesson + j, "help_request_id": first_request + j, "code": f"{j % 1_000_000:06d}",
                   "state": state, "channel": "kiosk"}

    write_rows(Booking, booking_rows(), total=n_lessons, label="bookings")
    _reset_sequences(Learner, Lesson, HelpRequest, Booking)
    return {"municipality_ids": [m.pk for m in municipalities]}
