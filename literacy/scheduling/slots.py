"""Bookable times: the real free times for a topic at a venue (or in a district).

A time is bookable when an approved volunteer who teaches the topic has a weekly window at the
venue covering it, the venue is open then (and not closed for a public holiday), the volunteer
has no lesson overlapping it and no dated exception that day, is under their weekly cap, and it
is at least the municipality's minimum notice away. Seats left in group classes are bookable too.

Everything is fetched in a fixed number of queries, then computed in memory: the cost grows with
the number of windows and lessons in the range, never with one query per slot.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from literacy.curriculum.models import Topic
from literacy.people.models import Availability, AvailabilityException, Volunteer
from literacy.places.models import District, Municipality, Venue
from literacy.scheduling.expressions import EpochSeconds
from literacy.scheduling.models import Booking, Lesson


@dataclass(frozen=True)
class Slot:
    """One bookable time. For a new one-to-one lesson `volunteer_ids` lists who is free; for a
    seat in an existing class, `lesson_id` names it."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    venue_id: int
    format: str
    seats_left: int
    instant: bool
    volunteer_ids: tuple[int, ...] = field(default=(), compare=False)
    instant_volunteer_ids: tuple[int, ...] = field(default=(), compare=False)
    lesson_id: int | None = None

    @property
    def key(self) -> str:
        """A stable identifier a form or URL can carry: venue, start (UTC) and lesson."""
        return f"{self.venue_id}:{int(self.starts_at.timestamp())}:{self.lesson_id or 0}"


@lru_cache(maxsize=32)
def _japanese_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.country_holidays("JP", years=year).keys())


def is_public_holiday(day: dt.date) -> bool:
    return day in _japanese_holidays(day.year)


def _week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def bookable_times(
    *,
    municipality: Municipality,
    topic: Topic,
    venue: Venue | None = None,
    district: District | None = None,
    start_date: dt.date,
    end_date: dt.date,
    now: dt.datetime | None = None,
    exclude_volunteer_ids: frozenset[int] = frozenset(),
) -> list[Slot]:
    """Free times from start_date to end_date (inclusive, local dates), earliest first."""
    now = now or timezone.now()
    venues = _active_venues(municipality=municipality, venue=venue, district=district)
    if not venues or end_date < start_date:
        return []
    zone = municipality.zone
    earliest = now + dt.timedelta(hours=municipality.min_notice_hours)
    range_start = dt.datetime.combine(start_date, dt.time.min, tzinfo=zone)
    range_end = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    slots = _one_to_one_times(
        municipality=municipality, topic=topic, venues=venues, start_date=start_date, end_date=end_date,
        earliest=earliest, exclude_volunteer_ids=exclude_volunteer_ids,
    )
    slots.extend(_group_class_seats(venues=venues, topic=topic, range_start=max(range_start, earliest),
                                    range_end=range_end))
    slots.sort(key=lambda s: (s.starts_at, s.venue_id, s.lesson_id or 0))
    return slots


def find_slot(
    *,
    municipality: Municipality,
    topic: Topic,
    venue: Venue,
    starts_at: dt.datetime,
    lesson_id: int | None = None,
    now: dt.datetime | None = None,
    exclude_volunteer_ids: frozenset[int] = frozenset(),
) -> Slot | None:
    """The bookable slot starting at starts_at at venue, if it is (still) free.

    The same rules as bookable_times, checked for this one time only: every booking asks this,
    so it reads the windows covering the time and the lessons of that week of the volunteers
    who have them, not the whole day at the venue.
    """
    now = now or timezone.now()
    venues = _active_venues(municipality=municipality, venue=venue, district=None)
    earliest = now + dt.timedelta(hours=municipality.min_notice_hours)
    if not venues or starts_at < earliest:
        return None
    if lesson_id is not None:
        # A seat in that class, starting at that very moment: one-to-one windows do not matter.
        slots = _group_class_seats(venues=venues, topic=topic, range_start=starts_at,
                                   range_end=starts_at + dt.timedelta(microseconds=1), lesson_id=lesson_id)
    else:
        local_day = timezone.localtime(starts_at, municipality.zone).date()
        slots = _one_to_one_times(
            municipality=municipality, topic=topic, venues=venues, start_date=local_day, end_date=local_day,
            earliest=earliest, exclude_volunteer_ids=exclude_volunteer_ids, only_at=starts_at,
        )
    return next((slot for slot in slots if slot.starts_at == starts_at), None)


def _active_venues(*, municipality: Municipality, venue: Venue | None, district: District | None) -> dict[int, Venue]:
    if venue is not None:
        # The caller's venue, as loaded for this request: no second query for the same row.
        active_here = venue.is_active and venue.municipality_id == municipality.pk
        return {venue.pk: venue} if active_here else {}
    venues_qs = Venue.objects.filter(municipality=municipality, is_active=True)
    if district is not None:
        venues_qs = venues_qs.filter(Q(district=district) | Q(district__parent=district))
    return {v.pk: v for v in venues_qs}


def _one_to_one_times(
    *,
    municipality: Municipality,
    topic: Topic,
    venues: dict[int, Venue],
    start_date: dt.date,
    end_date: dt.date,
    earliest: dt.datetime,
    exclude_volunteer_ids: frozenset[int],
    only_at: dt.datetime | None = None,
) -> list[Slot]:
    """Times for a new one-to-one lesson: where an approved volunteer's window, the venue's
    opening hours, their lessons, days off and weekly cap allow. With only_at, each query is
    narrowed to that one time (and its week, for the cap)."""
    zone = municipality.zone
    lesson_length = dt.timedelta(minutes=municipality.lesson_minutes)

    # One row per window and opening interval of its venue on the window's weekday: the two
    # overlap where a volunteer can teach. Whether the volunteer has a day off in the range
    # rides along, so the days off are read only for those who have one.
    windows_qs = Availability.objects.filter(
        venue_id__in=venues,
        volunteer__municipality=municipality,
        volunteer__status=Volunteer.Status.APPROVED,
        volunteer__topics=topic,
        venue__opening_hours__weekday=F("weekday"),
    ).exclude(volunteer_id__in=exclude_volunteer_ids)
    if only_at is not None:
        local_start = timezone.localtime(only_at, zone)
        windows_qs = windows_qs.filter(weekday=local_start.weekday(), starts__lte=local_start.time(),
                                       ends__gte=(local_start + lesson_length).time())
    windows = (
        windows_qs.annotate(
            has_days_off=Exists(AvailabilityException.objects.filter(
                volunteer_id=OuterRef("volunteer_id"), starts_on__lte=end_date, ends_on__gte=start_date)),
        )
        # No model ordering: it joins the municipality (and more) only to sort rows this loop
        # does not need sorted. The same holds for the queries below.
        .order_by()
        .values_list("weekday", "volunteer_id", "venue_id", "is_instant", "volunteer__weekly_cap",
                     "starts", "ends", "venue__opening_hours__opens", "venue__opening_hours__closes",
                     "has_days_off")
    )
    windows_on: dict[int, list[tuple]] = defaultdict(list)
    volunteer_ids, with_days_off = set(), set()
    for weekday, volunteer_id, *window, has_days_off in windows:
        windows_on[weekday].append((volunteer_id, *window))
        volunteer_ids.add(volunteer_id)
        if has_days_off:
            with_days_off.add(volunteer_id)
    if not volunteer_ids:
        return []

    days_off: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    if with_days_off:
        for volunteer_id, starts_on, ends_on in AvailabilityException.objects.filter(
            volunteer_id__in=with_days_off, starts_on__lte=end_date, ends_on__gte=start_date
        ).order_by().values_list("volunteer_id", "starts_on", "ends_on"):
            days_off[volunteer_id].append((starts_on, ends_on))

    # The lessons of whole weeks around the range, so the weekly cap counts lessons outside it
    # too. Days are numbered from the first Monday; day n's local midnight is midnights[n].
    first_monday = _week_start(start_date)
    n_days = (_week_start(end_date) - first_monday).days + 7
    midnights = [
        dt.datetime.combine(first_monday + dt.timedelta(days=n), dt.time.min, tzinfo=zone).timestamp()
        for n in range(n_days + 1)
    ]
    # Each volunteer's lessons (as seconds since 1970) by the days they touch: a time is checked
    # against its own day's lessons only.
    busy: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    lessons_per_week: dict[tuple[int, int], int] = defaultdict(int)
    for volunteer_id, lesson_starts, lesson_ends in (
        Lesson.objects.active()
        .filter(volunteer_id__in=volunteer_ids)
        .overlapping(_datetime_at(midnights[0]), _datetime_at(midnights[-1]))
        .order_by()
        .values_list("volunteer_id", EpochSeconds("starts_at"), EpochSeconds("ends_at"))
    ):
        first_day = max(bisect_right(midnights, lesson_starts) - 1, 0)
        last_day = min(bisect_left(midnights, lesson_ends) - 1, n_days - 1)
        for day_number in range(first_day, last_day + 1):
            busy[(volunteer_id, day_number)].append((lesson_starts, lesson_ends))
        if lesson_starts >= midnights[0]:
            # A lesson counts toward the week of the day it starts on.
            lessons_per_week[(volunteer_id, first_day // 7)] += 1

    # (venue, start) -> free volunteers (and whether each takes it instantly).
    free: dict[tuple[int, dt.datetime], dict[int, bool]] = defaultdict(dict)
    day = start_date
    while day <= end_date:
        holiday = is_public_holiday(day)
        day_number = (day - first_monday).days
        for volunteer_id, venue_id, is_instant, weekly_cap, starts, ends, opens, closes in windows_on.get(
            day.weekday(), ()
        ):
            if holiday and not venues[venue_id].opens_on_holidays:
                continue
            if any(a <= day <= b for a, b in days_off.get(volunteer_id, ())):
                continue
            if lessons_per_week.get((volunteer_id, day_number // 7), 0) >= weekly_cap:
                continue
            busy_today = busy.get((volunteer_id, day_number), ())
            start = dt.datetime.combine(day, max(starts, opens), tzinfo=zone)
            end = dt.datetime.combine(day, min(ends, closes), tzinfo=zone)
            while start + lesson_length <= end:
                slot_end = start + lesson_length
                if start >= earliest and (only_at is None or start == only_at) and not _overlaps_any(
                    start, slot_end, busy_today
                ):
                    already_instant = free[(venue_id, start)].get(volunteer_id, False)
                    free[(venue_id, start)][volunteer_id] = already_instant or is_instant
                start = slot_end
        day += dt.timedelta(days=1)

    return [
        Slot(
            starts_at=start.astimezone(dt.UTC),
            ends_at=(start + lesson_length).astimezone(dt.UTC),
            venue_id=venue_id,
            format=Lesson.Format.ONE_TO_ONE,
            seats_left=1,
            instant=any(by_volunteer.values()),
            volunteer_ids=tuple(sorted(by_volunteer)),
            instant_volunteer_ids=tuple(sorted(v for v, instant in by_volunteer.items() if instant)),
        )
        for (venue_id, start), by_volunteer in free.items()
    ]


def _datetime_at(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def _overlaps_any(start: dt.datetime, end: dt.datetime, lessons: list[tuple[int, int]] | tuple) -> bool:
    """Half-open: a lesson ending when the time starts does not overlap it."""
    if not lessons:
        return False
    start_s, end_s = start.timestamp(), end.timestamp()
    return any(lesson_start < end_s and lesson_end > start_s for lesson_start, lesson_end in lessons)


def _group_class_seats(*, venues, topic, range_start, range_end, lesson_id: int | None = None) -> list[Slot]:
    """Seats left in group classes and drop-in sessions: confirmed at once, no volunteer to ask."""
    classes = Lesson.objects.active().filter(
        venue_id__in=venues, topic=topic, format__in=[Lesson.Format.GROUP, Lesson.Format.DROP_IN],
        starts_at__gte=range_start, starts_at__lt=range_end,
    )
    if lesson_id is not None:
        classes = classes.filter(pk=lesson_id)
    classes = classes.annotate(taken=Count("bookings", filter=Q(bookings__state__in=Booking.SEAT_STATES)))
    return [
        Slot(
            starts_at=lesson.starts_at,
            ends_at=lesson.ends_at,
            venue_id=lesson.venue_id,
            format=lesson.format,
            seats_left=lesson.seats - lesson.taken,
            instant=True,
            volunteer_ids=(lesson.volunteer_id,),
            lesson_id=lesson.pk,
        )
        for lesson in classes
        if lesson.seats > lesson.taken
    ]


def nearest_free_times(
    *, municipality: Municipality, topic: Topic, venue: Venue, around: dt.datetime, count: int = 3,
    now: dt.datetime | None = None,
) -> list[Slot]:
    """Alternatives to offer when a chosen time was just taken: the closest free times."""
    local_day = timezone.localtime(around, municipality.zone).date()
    slots = bookable_times(
        municipality=municipality, topic=topic, venue=venue, start_date=local_day - dt.timedelta(days=3),
        end_date=local_day + dt.timedelta(days=14), now=now,
    )
    return sorted(slots, key=lambda s: abs((s.starts_at - around).total_seconds()))[:count]
