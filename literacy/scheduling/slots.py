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
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.db.models import Count, Q
from django.utils import timezone

from literacy.curriculum.models import Topic
from literacy.people.models import Availability, AvailabilityException, Volunteer
from literacy.places.models import District, Municipality, OpeningHours, Venue
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
    zone = municipality.zone
    earliest = now + dt.timedelta(hours=municipality.min_notice_hours)
    lesson_length = dt.timedelta(minutes=municipality.lesson_minutes)

    if venue is not None:
        # The caller's venue, as loaded for this request: no second query for the same row.
        active_here = venue.is_active and venue.municipality_id == municipality.pk
        venues = {venue.pk: venue} if active_here else {}
    else:
        venues_qs = Venue.objects.filter(municipality=municipality, is_active=True)
        if district is not None:
            venues_qs = venues_qs.filter(Q(district=district) | Q(district__parent=district))
        venues = {v.pk: v for v in venues_qs}
    if not venues or end_date < start_date:
        return []

    range_start = dt.datetime.combine(start_date, dt.time.min, tzinfo=zone)
    range_end = dt.datetime.combine(end_date + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    # Whole weeks around the range, so the weekly cap counts lessons outside it too.
    cap_start = dt.datetime.combine(_week_start(start_date), dt.time.min, tzinfo=zone)
    cap_end = dt.datetime.combine(_week_start(end_date) + dt.timedelta(days=7), dt.time.min, tzinfo=zone)

    windows = list(
        Availability.objects.filter(
            venue_id__in=venues,
            volunteer__municipality=municipality,
            volunteer__status=Volunteer.Status.APPROVED,
            volunteer__topics=topic,
        )
        .exclude(volunteer_id__in=exclude_volunteer_ids)
        .select_related("volunteer")
        .only("volunteer_id", "venue_id", "weekday", "starts", "ends", "is_instant", "volunteer__weekly_cap")
        # No model ordering: it joins the municipality (and more) only to sort rows this loop
        # does not need sorted. The same holds for the queries below.
        .order_by()
    )
    volunteer_ids = {w.volunteer_id for w in windows}
    windows_on: dict[int, list[Availability]] = defaultdict(list)
    for window in windows:
        windows_on[window.weekday].append(window)

    opening: dict[tuple[int, int], list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for hours in OpeningHours.objects.filter(venue_id__in=venues).order_by():
        opening[(hours.venue_id, hours.weekday)].append((hours.opens, hours.closes))

    days_off: dict[int, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    # Each volunteer's lessons by the local days they touch: a slot is checked against that day's only.
    busy: dict[tuple[int, dt.date], list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
    lessons_per_week: dict[tuple[int, dt.date], int] = defaultdict(int)
    if volunteer_ids:
        for exc in AvailabilityException.objects.filter(
            volunteer_id__in=volunteer_ids, starts_on__lte=end_date, ends_on__gte=start_date
        ).order_by():
            days_off[exc.volunteer_id].append((exc.starts_on, exc.ends_on))
        for volunteer_id, starts_at, ends_at in (
            Lesson.objects.active()
            .filter(volunteer_id__in=volunteer_ids)
            .overlapping(cap_start, cap_end)
            .order_by()
            .values_list("volunteer_id", "starts_at", "ends_at")
        ):
            first_day = timezone.localtime(starts_at, zone).date()
            last_day = timezone.localtime(ends_at, zone).date()
            for offset in range((last_day - first_day).days + 1):
                busy[(volunteer_id, first_day + dt.timedelta(days=offset))].append((starts_at, ends_at))
            lessons_per_week[(volunteer_id, _week_start(first_day))] += 1

    # New one-to-one lessons: (venue, start) -> free volunteers (and which of them are instant).
    free: dict[tuple[int, dt.datetime], dict[int, bool]] = defaultdict(dict)
    day = start_date
    while day <= end_date:
        holiday = is_public_holiday(day)
        week = _week_start(day)
        for window in windows_on.get(day.weekday(), ()):
            venue_obj = venues[window.venue_id]
            if holiday and not venue_obj.opens_on_holidays:
                continue
            volunteer_id = window.volunteer_id
            if any(a <= day <= b for a, b in days_off.get(volunteer_id, ())):
                continue
            if lessons_per_week.get((volunteer_id, week), 0) >= window.volunteer.weekly_cap:
                continue
            for opens, closes in opening.get((window.venue_id, day.weekday()), ()):
                start_time, end_time = max(window.starts, opens), min(window.ends, closes)
                start = dt.datetime.combine(day, start_time, tzinfo=zone)
                end = dt.datetime.combine(day, end_time, tzinfo=zone)
                busy_today = busy.get((volunteer_id, day), ())
                while start + lesson_length <= end:
                    slot_end = start + lesson_length
                    if start >= earliest and not any(
                        b_start < slot_end and b_end > start for b_start, b_end in busy_today
                    ):
                        already_instant = free[(window.venue_id, start)].get(volunteer_id, False)
                        free[(window.venue_id, start)][volunteer_id] = already_instant or window.is_instant
                    start = slot_end
        day += dt.timedelta(days=1)

    slots = [
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
    slots.extend(_group_class_seats(venues=venues, topic=topic, range_start=max(range_start, earliest),
                                    range_end=range_end))
    slots.sort(key=lambda s: (s.starts_at, s.venue_id, s.lesson_id or 0))
    return slots


def _group_class_seats(*, venues, topic, range_start, range_end) -> list[Slot]:
    """Seats left in group classes and drop-in sessions: confirmed at once, no volunteer to ask."""
    classes = (
        Lesson.objects.active()
        .filter(venue_id__in=venues, topic=topic, format__in=[Lesson.Format.GROUP, Lesson.Format.DROP_IN],
                starts_at__gte=range_start, starts_at__lt=range_end)
        .annotate(taken=Count("bookings", filter=Q(bookings__state__in=Booking.SEAT_STATES)))
    )
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
    """The bookable slot starting at starts_at at venue, if it is (still) free."""
    local_day = timezone.localtime(starts_at, municipality.zone).date()
    for slot in bookable_times(
        municipality=municipality, topic=topic, venue=venue, start_date=local_day, end_date=local_day,
        now=now, exclude_volunteer_ids=exclude_volunteer_ids,
    ):
        # lesson_id None means a new one-to-one lesson; a number means a seat in that class.
        if slot.starts_at == starts_at and slot.lesson_id == lesson_id:
            return slot
    return None


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
