"""Scheduling reads that span tables: a learner's booking found by its code and phone number."""

from __future__ import annotations

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.places.models import Municipality
from literacy.scheduling.models import Booking


def booking_for_learner(*, municipality: Municipality, code: str, phone: str) -> Booking | None:
    """The booking with this code whose learner has this phone number (the proof), or None.

    An active booking wins over a cancelled one that once had the same code (codes are
    unique only among active bookings). A number that cannot be parsed matches nothing.
    """
    code = (code or "").strip()
    if not code.isdigit() or len(code) > 8:
        return None
    try:
        e164 = parse_phone(phone).e164
    except InvalidPhoneNumber:
        return None
    candidates = (
        Booking.objects.filter(municipality=municipality, code=code, learner__phone=e164)
        .select_related("learner", "lesson__venue", "lesson__topic", "help_request__venue", "help_request__topic")
        .order_by("-created_at")
    )
    found = list(candidates[:10])
    return next((b for b in found if b.is_active), found[0] if found else None)
