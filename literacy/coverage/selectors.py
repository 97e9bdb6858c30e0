"""Coverage by district: where help reaches seniors and where it does not.

Counts per district of the municipality, over a date range: lessons held or planned, learners
helped (distinct, attended or booked), requests still waiting, and learners helped per 1,000
seniors. One query per measure, grouped in the database: the cost grows with the number of
districts, never with the number of lessons.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count

from literacy.places.models import District, Municipality
from literacy.scheduling.models import Booking, HelpRequest, Lesson


@dataclass(frozen=True)
class DistrictCoverage:
    district: District
    senior_population: int
    lessons: int
    learners_helped: int
    open_requests: int

    @property
    def helped_per_thousand(self) -> float | None:
        if not self.senior_population:
            return None
        return round(self.learners_helped * 1000 / self.senior_population, 2)


def district_coverage(*, municipality: Municipality, start: dt.datetime, end: dt.datetime) -> list[DistrictCoverage]:
    """Per-district counts for lessons starting in [start, end); open requests as of now."""
    districts = list(District.objects.filter(municipality=municipality).order_by("order", "id"))
    lessons = dict(
        Lesson.objects.active()
        .filter(municipality=municipality, starts_at__gte=start, starts_at__lt=end)
        .values_list("venue__district_id")
        .annotate(n=Count("id"))
    )
    helped = dict(
        Booking.objects.filter(
            municipality=municipality,
            state__in=[Booking.State.BOOKED, Booking.State.ATTENDED],
            lesson__starts_at__gte=start,
            lesson__starts_at__lt=end,
        )
        .values_list("lesson__venue__district_id")
        .annotate(n=Count("learner_id", distinct=True))
    )
    waiting = dict(
        HelpRequest.objects.filter(municipality=municipality, state__in=HelpRequest.ACTIVE_STATES)
        .exclude(district__isnull=True)
        .values_list("district_id")
        .annotate(n=Count("id"))
    )
    return [
        DistrictCoverage(
            district=district,
            senior_population=district.senior_population,
            lessons=lessons.get(district.pk, 0),
            learners_helped=helped.get(district.pk, 0),
            open_requests=waiting.get(district.pk, 0),
        )
        for district in districts
    ]
