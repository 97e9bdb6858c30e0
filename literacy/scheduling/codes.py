"""Booking codes: six digits, easy to say, to print and to key in on a telephone keypad."""

import secrets

from literacy.scheduling.models import Booking

CODE_LENGTH = 6


def new_booking_code(*, municipality_id: int) -> str:
    """A code not used by any active booking of the municipality (the database has the last word)."""
    while True:
        code = f"{secrets.randbelow(10**CODE_LENGTH):0{CODE_LENGTH}d}"
        if not Booking.objects.active().filter(municipality_id=municipality_id, code=code).exists():
            return code
