"""Reads the voice line needs: who is calling, which topics to offer first, the caller's bookings."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Coalesce

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.curriculum.models import Topic
from literacy.people.models import Learner
from literacy.places.models import District, Municipality
from literacy.scheduling.models import Booking


def municipality_for_called_number(called: str) -> Municipality | None:
    """The municipality whose programme number was dialled (To), or the only one there is.

    Numbers are stored as typed ("0943-23-1111"), so both sides are normalised to E.164.
    """
    try:
        wanted = parse_phone(called).e164
    except InvalidPhoneNumber:
        wanted = None
    if wanted:
        # Fast path: the number stored as E.164 or in the usual national forms (an indexed lookup
        # would need a normalised column; this keeps one query for the common case).
        national = parse_phone(wanted).national
        spellings = {wanted, national, national.replace("-", "")}
        exact = Municipality.objects.filter(program_phone__in=spellings).first()
        if exact:
            return exact
        for municipality in Municipality.objects.exclude(program_phone="").only("id", "program_phone"):
            try:
                if parse_phone(municipality.program_phone).e164 == wanted:
                    return Municipality.objects.get(pk=municipality.pk)
            except InvalidPhoneNumber:
                continue
    only = list(Municipality.objects.all()[:2])
    return only[0] if len(only) == 1 else None


def learners_for_caller(*, municipality: Municipality, phone_e164: str) -> QuerySet[Learner]:
    """Learners on this number, the most recently active first (a landline may serve a couple)."""
    return Learner.objects.filter(
        municipality=municipality, phone=phone_e164, anonymised_at__isnull=True
    ).order_by("-last_active_at", "-id")


def topics_by_demand(*, municipality: Municipality, limit: int) -> list[Topic]:
    """Active topics, the most asked-for first, so the common answers need the fewest keys heard."""
    return list(
        Topic.objects.filter(municipality=municipality, is_active=True)
        .annotate(asked=Count("help_requests"))
        .order_by("-asked", "order", "id")[:limit]
    )


def districts_for_voice(*, municipality: Municipality, limit: int) -> list[District]:
    """Top-level areas that have an active venue (sub-districts are included in their parent)."""
    return list(
        District.objects.filter(municipality=municipality, parent__isnull=True)
        .filter(Q(venues__is_active=True) | Q(children__venues__is_active=True))
        .distinct()
        .order_by("order", "id")[:limit]
    )


def upcoming_bookings_for_phone(
    *, municipality: Municipality, phone_e164: str, now: dt.datetime, limit: int = 9
) -> list[Booking]:
    """Active bookings of everyone on this number, soonest first: a lesson, or a time still asked."""
    return list(
        Booking.objects.active()
        .filter(municipality=municipality, learner__phone=phone_e164)
        .annotate(when=Coalesce("lesson__starts_at", "help_request__wanted_starts_at"))
        .filter(when__gte=now)
        .select_related("learner", "lesson__venue", "lesson__topic", "help_request__venue",
                        "help_request__topic")
        .order_by("when", "id")[:limit]
    )


def booking_place_and_time(booking: Booking):
    """(starts_at, venue, topic) of a booking, whether it has a lesson yet or is still pending."""
    if booking.lesson_id:
        return booking.lesson.starts_at, booking.lesson.venue, booking.lesson.topic
    request = booking.help_request
    return request.wanted_starts_at, request.venue, request.topic
