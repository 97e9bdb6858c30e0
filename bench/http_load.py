"""Booking over HTTP under load: many kiosks post bookings at once, then the database is checked
for exactly-once outcomes. Shared by the benchmark (bench/http_booking.py) and the stress test
(tests/faults/test_http_stress.py).

The plan: half the clients race for the same few times — an instant one-to-one time that exactly
one volunteer can take, and the last seats of a class — and the other half book times nobody
else wants; some of those double-click (the same Idempotency-Key twice, at the same moment).
Every status and body is recorded. The checks: no 5xx, every loser a 409 in the documented error
shape, each contested time has exactly its winners, no volunteer double-booked, no class
oversold, one booking per idempotency key, and every uncontested time booked.

`prepare_world` and `check_outcomes` use the ORM (Django must be set up); `run_bookings` and
`hammer` only speak HTTP.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import secrets
import statistics
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

BOOKINGS_PATH = "/api/v1/bookings/"
# What a lost race for a time or a seat answers (docs/api.md): 409 with one of these codes.
CONFLICT_CODES = frozenset({"slot_taken", "lesson_full"})
CLASS_SEATS = 6
CLASS_SEATS_LEFT = 2
DISTINCT_POOL = 8  # volunteers who take the uncontested times
OPENS, CLOSES = 8, 20  # the load's venues are open 8:00–20:00 every day, holidays too


@dataclass(frozen=True)
class Attempt:
    """One planned POST. `kind` is instant / class (contested) or distinct (nobody else's)."""

    client: int
    kind: str
    target: str
    body: dict
    key: str
    double_click: bool = False


@dataclass
class World:
    """What prepare_world created: devices (one per client), volunteers, the contests, the plan."""

    municipality_id: int
    device_ids: list[int]
    device_keys: list[str]
    volunteer_ids: list[int]
    instant_contests: dict[str, tuple[int, dt.datetime]]  # target → (volunteer, start)
    class_contests: dict[str, tuple[int, int]]  # target → (lesson, seats left)
    plan: list[list[Attempt]]

    @property
    def requests(self) -> int:
        return sum(2 if a.double_click else 1 for attempts in self.plan for a in attempts)


@dataclass(frozen=True)
class Outcome:
    attempt: Attempt
    status: int | None  # None: no HTTP answer at all (connection refused, reset, timeout)
    body: object
    ms: float


@dataclass
class LoadResult:
    outcomes: list[Outcome]
    seconds: float

    @property
    def rate(self) -> float:
        return len(self.outcomes) / self.seconds if self.seconds else 0.0

    def statuses(self) -> dict[str, int]:
        return dict(sorted(Counter(str(o.status) for o in self.outcomes).items()))

    def latency_ms(self) -> dict:
        return _percentiles([o.ms for o in self.outcomes])


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Checks:
    items: list[Check] = field(default_factory=list)

    def add(self, name: str, problems: list[str], passed: str = "") -> None:
        self.items.append(Check(name, not problems, "; ".join(problems[:5]) or passed))

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.items)

    def failures(self) -> list[Check]:
        return [check for check in self.items if not check.ok]

    def as_dict(self) -> dict:
        return {check.name: {"ok": check.ok, "detail": check.detail} for check in self.items}


def _percentiles(samples: list[float]) -> dict:
    if not samples:
        return {"p50_ms": None, "p95_ms": None}
    ordered = sorted(samples)
    return {"p50_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 1)}


# --- the world the load books into (ORM) -----------------------------------------------------


def prepare_world(*, municipality, clients: int, per_client: int, now: dt.datetime | None = None) -> World:
    """Create, in `municipality`, a topic, two venues, the volunteers, the classes and one kiosk
    device per client, all under a fresh tag so a second run in the same database stays apart.

    Contested one-to-one times: volunteer j alone has an instant window at its own weekday and
    hour at the contest venue. Contested classes: group lessons with CLASS_SEATS seats of which
    CLASS_SEATS_LEFT are free. Uncontested times: one time each at the other venue, where a pool
    of instant volunteers is free every hour.
    """
    from django.db import transaction
    from django.utils import timezone

    from literacy.accounts.models import User
    from literacy.curriculum.models import Topic
    from literacy.kiosk.models import KioskDevice, hash_secret
    from literacy.people.models import Availability, Learner, Volunteer
    from literacy.places.models import District, OpeningHours, Venue
    from literacy.scheduling.codes import new_booking_code
    from literacy.scheduling.models import Booking, Lesson

    if clients < 2 or per_client < 1:
        raise ValueError("at least 2 clients (half race, half do not) and 1 request each")
    now = now or timezone.now()
    zone = municipality.zone
    tag = uuid.uuid4().hex[:8]
    racers = clients // 2
    n_instant, n_class = (per_client + 1) // 2, per_client // 2
    if n_instant > 7 * (CLOSES - OPENS):
        raise ValueError("too many contested times per client")
    first_day = timezone.localtime(now, zone).date() + dt.timedelta(days=2)  # well past the minimum notice

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=zone)

    with transaction.atomic():
        district = District.objects.create(municipality=municipality, name=f"負荷試験{tag}")
        topic = Topic.objects.create(municipality=municipality, slug=f"load-{tag}", name="負荷試験")
        venues = []
        for label in ("contest", "distinct"):
            venue = Venue.objects.create(municipality=municipality, district=district, kind="community_centre",
                                         name=f"負荷試験会場 {label} {tag}", capacity=40, opens_on_holidays=True)
            OpeningHours.objects.bulk_create(OpeningHours(venue=venue, weekday=w, opens=dt.time(OPENS),
                                                          closes=dt.time(CLOSES)) for w in range(7))
            venues.append(venue)
        contest_venue, distinct_venue = venues

        def volunteer(name: str, venue: Venue) -> Volunteer:
            # With an email and a mobile number, as volunteers have: each lesson writes them an
            # invite and a text, as in production.
            user = User.objects.create(email=f"load-{tag}-{name}@example.jp", password="!")
            created = Volunteer.objects.create(user=user, municipality=municipality, name=f"負荷 {name}",
                                               phone=f"+81909{Volunteer.objects.count() % 10**7:07d}",
                                               status=Volunteer.Status.APPROVED, weekly_cap=60)
            created.topics.add(topic)
            created.venues.add(venue)
            return created

        instant_contests: dict[str, tuple[int, dt.datetime]] = {}
        volunteer_ids = []
        for j in range(n_instant):
            weekday, hour = j % 7, OPENS + j // 7
            alone = volunteer(f"contest{j}", contest_venue)
            Availability.objects.create(volunteer=alone, venue=contest_venue, weekday=weekday, starts=dt.time(hour),
                                        ends=dt.time(hour + 1), is_instant=True)
            day = first_day + dt.timedelta(days=(weekday - first_day.weekday()) % 7)
            instant_contests[f"instant{j}"] = (alone.pk, at(day, hour))
            volunteer_ids.append(alone.pk)

        teacher = volunteer("class", contest_venue)
        volunteer_ids.append(teacher.pk)
        class_contests: dict[str, tuple[int, int]] = {}
        for k in range(n_class):
            starts = at(first_day + dt.timedelta(days=k), CLOSES - 1)
            lesson = Lesson.objects.create(municipality=municipality, volunteer=teacher, venue=contest_venue,
                                           topic=topic, format=Lesson.Format.GROUP, seats=CLASS_SEATS,
                                           starts_at=starts, ends_at=starts + dt.timedelta(hours=1))
            for seat in range(CLASS_SEATS - CLASS_SEATS_LEFT):
                learner = Learner.objects.create(municipality=municipality, name=f"受講 {tag} {k}-{seat}",
                                                 phone=f"+81806{k % 1000:03d}{seat:04d}", phone_kind="mobile",
                                                 reminder_channel="sms", consent_at=now, consent_channel="kiosk")
                Booking.objects.create(municipality=municipality, learner=learner, lesson=lesson, channel="kiosk",
                                       code=new_booking_code(municipality_id=municipality.pk),
                                       state=Booking.State.BOOKED)
            class_contests[f"class{k}"] = (lesson.pk, CLASS_SEATS_LEFT)

        for p in range(DISTINCT_POOL):
            pooled = volunteer(f"pool{p}", distinct_venue)
            Availability.objects.bulk_create(
                Availability(volunteer=pooled, venue=distinct_venue, weekday=w, starts=dt.time(OPENS),
                             ends=dt.time(CLOSES), is_instant=True) for w in range(7))
            volunteer_ids.append(pooled.pk)

        device_keys = [f"load-{tag}-{c:03d}-{secrets.token_hex(12)}" for c in range(clients)]
        devices = KioskDevice.objects.bulk_create(
            KioskDevice(municipality=municipality, venue=contest_venue if c < racers else distinct_venue,
                        name=f"負荷試験 {tag} {c}", key_hash=hash_secret(key), activated_at=now)
            for c, key in enumerate(device_keys))

    phones = iter(range(10**7))

    def body(venue, start: dt.datetime, lesson_id: int | None = None) -> dict:
        n = next(phones)
        data = {"topic": topic.slug, "venue": venue.pk, "start": start.isoformat(), "reminder_channel": "sms",
                "learner": {"phone": f"080-{5000 + n // 10000:04d}-{n % 10000:04d}", "name": f"負荷 {tag} {n}",
                            "name_kana": "ふか"}}
        if lesson_id is not None:
            data["lesson"] = lesson_id
        return data

    # Racers take the contests in the same order, so each contest is fought over at one moment.
    contests = []
    for j in range(per_client):
        if j % 2 == 0:
            contests.append(("instant", f"instant{j // 2}", instant_contests[f"instant{j // 2}"][1], None))
        else:
            lesson_id = class_contests[f"class{j // 2}"][0]
            contests.append(("class", f"class{j // 2}", at(first_day + dt.timedelta(days=j // 2), CLOSES - 1),
                             lesson_id))
    slots_per_day = CLOSES - OPENS
    distinct_clients = clients - racers
    plan: list[list[Attempt]] = []
    for c in range(clients):
        attempts = []
        for j in range(per_client):
            if c < racers:
                kind, target, start, lesson_id = contests[j]
                attempts.append(Attempt(c, kind, target, body(contest_venue, start, lesson_id), f"{tag}-{c}-{j}"))
            else:
                # Uncontested: time number n is its own (day, hour) at the other venue.
                n = j * distinct_clients + (c - racers)
                start = at(first_day + dt.timedelta(days=n // slots_per_day), OPENS + n % slots_per_day)
                attempts.append(Attempt(c, "distinct", f"distinct{n}", body(distinct_venue, start), f"{tag}-{c}-{j}",
                                        double_click=(j == 0 and c % 2 == 0)))
        plan.append(attempts)
    return World(municipality_id=municipality.pk, device_ids=[d.pk for d in devices], device_keys=device_keys,
                 volunteer_ids=volunteer_ids, instant_contests=instant_contests, class_contests=class_contests,
                 plan=plan)


# --- the clients (HTTP only) -----------------------------------------------------------------


def _request(base_url: str, method: str, path: str, *, body: dict | None = None,
             headers: dict | None = None, timeout: float = 60.0) -> tuple[int | None, object, float]:
    """One request on its own connection (gunicorn's sync workers close it after each answer)."""
    url = urlsplit(base_url)
    started = time.perf_counter()
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        connection.request(method, path, body=payload,
                           headers={"Content-Type": "application/json", "Accept": "application/json",
                                    **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
        status = response.status
    except (OSError, http.client.HTTPException) as exc:
        return None, repr(exc), (time.perf_counter() - started) * 1000
    finally:
        connection.close()
    try:
        parsed: object = json.loads(raw)
    except ValueError:
        parsed = raw[:500].decode(errors="replace")
    return status, parsed, (time.perf_counter() - started) * 1000


def run_bookings(base_url: str, world: World) -> LoadResult:
    """Run every client of the plan in its own thread, released together. The racers go in
    step: each contest starts only when every racer is ready to post it, so each one is fought
    over at one moment, not spread out as the racers drift apart. A double click is two threads
    posting the same request with the same key at the same moment."""
    outcomes: list[Outcome] = []
    lock = threading.Lock()
    start_line = threading.Barrier(len(world.plan) + 1)
    racers = sum(1 for attempts in world.plan if any(a.kind != "distinct" for a in attempts))
    in_step = threading.Barrier(max(racers, 1))

    def post(attempt: Attempt) -> None:
        headers = {"Authorization": f"Device {world.device_keys[attempt.client]}", "Idempotency-Key": attempt.key}
        status, parsed, ms = _request(base_url, "POST", BOOKINGS_PATH, body=attempt.body, headers=headers)
        with lock:
            outcomes.append(Outcome(attempt, status, parsed, ms))

    def double_click(attempt: Attempt) -> None:
        together = threading.Barrier(2)

        def click() -> None:
            together.wait()
            post(attempt)

        second = threading.Thread(target=click)
        second.start()
        click()
        second.join()

    def client(attempts: list[Attempt]) -> None:
        start_line.wait()
        for attempt in attempts:
            if attempt.kind != "distinct":
                # A racer stalled for minutes breaks the step: the rest go on, its answers still count.
                with contextlib.suppress(threading.BrokenBarrierError):
                    in_step.wait(timeout=120)
            (double_click if attempt.double_click else post)(attempt)

    threads = [threading.Thread(target=client, args=(attempts,)) for attempts in world.plan]
    return LoadResult(outcomes=outcomes, seconds=_run_together(threads, start_line))


def _run_together(threads: list[threading.Thread], start_line: threading.Barrier) -> float:
    """Start the threads, let them go at once, and return the seconds until the last is done."""
    for thread in threads:
        thread.start()
    start_line.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def hammer(base_url: str, *, path: str = "/healthz", clients: int, per_client: int, method: str = "GET",
           body: dict | None = None, headers_for: Callable[[int], dict] | None = None) -> dict:
    """Send the same request per_client times from each of `clients` threads at once (client n
    with headers_for(n)): requests/second."""
    statuses: Counter = Counter()
    samples: list[float] = []
    lock = threading.Lock()
    start_line = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        headers = headers_for(n) if headers_for else None
        start_line.wait()
        for _ in range(per_client):
            status, _body, ms = _request(base_url, method, path, body=body, headers=headers)
            with lock:
                statuses[str(status)] += 1
                samples.append(ms)

    seconds = _run_together([threading.Thread(target=client, args=(n,)) for n in range(clients)], start_line)
    return {"requests": clients * per_client, "seconds": round(seconds, 2),
            "requests_per_second": round(clients * per_client / seconds, 1), "statuses": dict(statuses),
            **_percentiles(samples)}


# --- the checks (ORM) ------------------------------------------------------------------------


def _is_conflict_shape(body: object) -> bool:
    error = body.get("error") if isinstance(body, dict) else None
    return (isinstance(error, dict) and error.get("code") in CONFLICT_CODES
            and isinstance(error.get("message"), str) and bool(error["message"]))


def _code(outcome: Outcome) -> str | None:
    return outcome.body.get("code") if isinstance(outcome.body, dict) else None


def check_outcomes(world: World, result: LoadResult) -> Checks:
    """Hold the answers against the database: exactly-once, whatever order the requests ran in."""
    from django.db.models import Count, F, Q

    from literacy.scheduling.models import Booking, Lesson

    checks = Checks()
    outcomes = result.outcomes
    ok_2xx = [o for o in outcomes if o.status in (200, 201)]

    checks.add("no 5xx and no request without an answer",
               [f"{o.attempt.target}: {o.status} {str(o.body)[:200]}" for o in outcomes
                if o.status is None or o.status >= 500])
    checks.add("every answer is a booking (200/201) or a 409",
               [f"{o.attempt.target}: {o.status} {str(o.body)[:200]}" for o in outcomes
                if o.status is not None and o.status < 500 and o.status not in (200, 201, 409)])
    conflicts = [o for o in outcomes if o.status == 409]
    checks.add("every loser got the documented 409 error shape",
               [f"{o.attempt.target}: {str(o.body)[:200]}" for o in conflicts if not _is_conflict_shape(o.body)],
               passed=", ".join(f"{code} ×{n}" for code, n in sorted(Counter(
                   o.body["error"]["code"] for o in conflicts if _is_conflict_shape(o.body)).items())))

    by_target: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes:
        by_target[outcome.attempt.target].append(outcome)
    problems = []
    for target, (volunteer_id, starts_at) in world.instant_contests.items():
        winners = [o for o in by_target[target] if o.status in (200, 201)]
        lessons = list(Lesson.objects.active().filter(volunteer_id=volunteer_id, starts_at=starts_at))
        booked = list(Booking.objects.filter(lesson__in=lessons).holding_seat().values_list("code", flat=True))
        if len(winners) != 1 or len(lessons) != 1 or len(booked) != 1 or _code(winners[0]) != booked[0]:
            problems.append(f"{target}: {len(winners)} answered booked, {len(lessons)} lessons, bookings {booked}")
    for target, (lesson_id, seats_left) in world.class_contests.items():
        winners = [o for o in by_target[target] if o.status in (200, 201)]
        lesson = Lesson.objects.get(pk=lesson_id)
        booked = set(lesson.bookings.holding_seat().values_list("code", flat=True))
        if len(winners) != seats_left or len(booked) != lesson.seats or not {_code(o) for o in winners} <= booked:
            problems.append(f"{target}: {len(winners)} answered booked for {seats_left} seats left, "
                            f"{len(booked)} of {lesson.seats} seats taken")
    checks.add("each contested time has exactly its winners", problems,
               passed=f"{len(world.instant_contests)} one-to-one times, {len(world.class_contests)} classes")

    active = (Lesson.objects.active().filter(volunteer_id__in=world.volunteer_ids)
              .order_by("volunteer_id", "starts_at").values_list("pk", "volunteer_id", "starts_at", "ends_at"))
    problems, previous = [], None
    for row in active:
        if previous and previous[1] == row[1] and row[2] < previous[3]:
            problems.append(f"volunteer {row[1]}: lessons {previous[0]} and {row[0]} overlap")
        if not previous or previous[1] != row[1] or row[3] > previous[3]:
            previous = row
    checks.add("no volunteer has overlapping lessons", problems)

    oversold = (Lesson.objects.filter(volunteer_id__in=world.volunteer_ids)
                .annotate(taken=Count("bookings", filter=Q(bookings__state__in=Booking.SEAT_STATES)))
                .filter(taken__gt=F("seats")).values_list("pk", "taken", "seats"))
    checks.add("no lesson has more bookings than seats",
               [f"lesson {pk}: {taken} bookings for {seats} seats" for pk, taken, seats in oversold])

    prefixes = {c: f"k{device_id}:" for c, device_id in enumerate(world.device_ids)}
    keys = {prefixes[a.client] + a.key for attempts in world.plan for a in attempts}
    per_key = Counter(Booking.objects.filter(municipality_id=world.municipality_id, idempotency_key__in=keys)
                      .values_list("idempotency_key", flat=True))
    problems = [f"{key}: {n} bookings" for key, n in per_key.items() if n > 1]
    for attempts in world.plan:
        for attempt in attempts:
            if attempt.double_click:
                pair = by_target[attempt.target]
                statuses = sorted(o.status or 0 for o in pair)
                if statuses != [200, 201] or len({_code(o) for o in pair}) != 1:
                    problems.append(f"double click {attempt.target}: {statuses}, codes {[_code(o) for o in pair]}")
    answered_codes = {_code(o) for o in ok_2xx}
    if sum(per_key.values()) != len(answered_codes):
        problems.append(f"{sum(per_key.values())} bookings in the database, {len(answered_codes)} codes answered")
    checks.add("each idempotency key produced at most one booking", problems,
               passed=f"{sum(per_key.values())} bookings for {len(keys)} keys")

    distinct = [o for o in outcomes if o.attempt.kind == "distinct"]
    checks.add("every uncontested time was booked",
               [f"{o.attempt.target}: {o.status} {str(o.body)[:200]}" for o in distinct if o.status not in (200, 201)],
               passed=f"{len(distinct)} answers")
    return checks
