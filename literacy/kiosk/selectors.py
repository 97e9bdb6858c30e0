"""Kiosk reads: the topics, places, days and times a senior chooses from. (A booking found by
phone number and code goes through scheduling's booking_lookup, which counts the misses.)"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from literacy.curriculum.models import Topic
from literacy.kiosk.models import KioskDevice
from literacy.places.models import Venue
from literacy.scheduling.slots import Slot, bookable_times

# How far ahead the kiosk looks for free times, and what counts as "this week".
LOOK_AHEAD_DAYS = 28
SOON_DAYS = 7
DAYS_SHOWN = 6


def kiosk_topics(*, device: KioskDevice) -> list[Topic]:
    return list(Topic.objects.filter(municipality=device.municipality, is_active=True).order_by("order", "id"))


@dataclass(frozen=True)
class PlaceChoice:
    venue: Venue
    nearness: str  # "here", "district" or "other"
    first_free: dt.datetime | None


def kiosk_places(*, device: KioskDevice, topic: Topic, now: dt.datetime | None = None) -> list[PlaceChoice]:
    """This kiosk's venue first, then the others in its district, then the rest; each with its
    first free time for the topic (one bookable-times computation for all of them)."""
    now = now or timezone.now()
    municipality = device.municipality
    today = timezone.localtime(now, municipality.zone).date()
    first_free: dict[int, dt.datetime] = {}
    for slot in bookable_times(
        municipality=municipality, topic=topic, start_date=today,
        end_date=today + dt.timedelta(days=LOOK_AHEAD_DAYS - 1), now=now,
    ):
        first_free.setdefault(slot.venue_id, slot.starts_at)
    here = device.venue
    district = here.district
    # "Nearby" is the same district, or a district sharing the same parent area.
    area = Q(district_id=district.pk) | Q(district__parent_id=district.pk)
    if district.parent_id:
        area |= Q(district_id=district.parent_id) | Q(district__parent_id=district.parent_id)
    venues = (
        Venue.objects.filter(municipality=municipality, is_active=True)
        .select_related("district")
        .order_by("district__order", "name")
    )
    nearby_ids = set(venues.filter(area).values_list("pk", flat=True))
    choices = []
    for venue in venues:
        nearness = "here" if venue.pk == here.pk else ("district" if venue.pk in nearby_ids else "other")
        choices.append(PlaceChoice(venue=venue, nearness=nearness, first_free=first_free.get(venue.pk)))
    rank = {"here": 0, "district": 1, "other": 2}
    # Within each group, places with a free time come before those without.
    choices.sort(key=lambda c: (rank[c.nearness], c.first_free is None))
    return choices


@dataclass(frozen=True)
class FreeDays:
    days: list[dt.date]  # the next days with a free time, at most DAYS_SHOWN
    none_soon: bool  # nothing in the coming week (the days shown, if any, are later)


def kiosk_free_slots(*, device: KioskDevice, topic: Topic, venue: Venue, start_date: dt.date, end_date: dt.date,
                     now: dt.datetime | None = None) -> list[Slot]:
    return bookable_times(municipality=device.municipality, topic=topic, venue=venue, start_date=start_date,
                          end_date=end_date, now=now)


def kiosk_free_days(*, device: KioskDevice, topic: Topic, venue: Venue, now: dt.datetime | None = None) -> FreeDays:
    now = now or timezone.now()
    zone = device.municipality.zone
    today = timezone.localtime(now, zone).date()
    days: OrderedDict[dt.date, None] = OrderedDict()
    for slot in kiosk_free_slots(device=device, topic=topic, venue=venue, start_date=today,
                                 end_date=today + dt.timedelta(days=LOOK_AHEAD_DAYS - 1), now=now):
        days.setdefault(timezone.localtime(slot.starts_at, zone).date(), None)
    shown = list(days)[:DAYS_SHOWN]
    none_soon = not shown or shown[0] >= today + dt.timedelta(days=SOON_DAYS)
    return FreeDays(days=shown, none_soon=none_soon)


def kiosk_times_on(*, device: KioskDevice, topic: Topic, venue: Venue, day: dt.date,
                   now: dt.datetime | None = None) -> list[Slot]:
    return kiosk_free_slots(device=device, topic=topic, venue=venue, start_date=day, end_date=day, now=now)
