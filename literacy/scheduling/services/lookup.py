"""Finding a booking by its code and the phone it was made with, with a brake on guessing.

Codes are six digits: a script or a passer-by at a kiosk could otherwise try them one after
another. Misses are counted per client (kiosk device, IP address or caller number) and per phone
in the database, so every gunicorn worker sees the same count; after too many within the window
the lookup refuses with TooManyAttempts (HTTP 429) even for the right pair.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from literacy.core.errors import InvalidPhoneNumber, NotFoundError, TooManyAttempts
from literacy.core.phones import parse_phone
from literacy.scheduling.models import Booking, LookupAttempt


def _keyed_hash(kind: str, value: str) -> str:
    # Keyed with SECRET_KEY: equal inputs count together, but the table cannot be reversed into
    # phone numbers by someone who only has a database dump.
    return salted_hmac(f"oshieai.lookup.{kind}", value, algorithm="sha256").hexdigest()


def client_miss_limit(client_key: str) -> int:
    """A kiosk is one client for a whole community centre's seniors, who mistype: it gets more
    misses than an IP address before it stops looking codes up. A script needs a registered
    device to use it at all, and the per-phone count still guards each person's code."""
    if client_key.startswith("kiosk:"):
        return settings.BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK
    return settings.BOOKING_LOOKUP_MAX_MISSES_PER_CLIENT


def lookup_locked_out(*, client_key: str, phone: str, now: dt.datetime | None = None) -> bool:
    """True while the client or the phone has used up its misses for the window."""
    now = now or timezone.now()
    since = now - dt.timedelta(minutes=settings.BOOKING_LOOKUP_WINDOW_MINUTES)
    misses = LookupAttempt.objects.filter(succeeded=False, at__gt=since, at__lte=now)
    if misses.filter(client_hash=_keyed_hash("client", client_key)).count() >= client_miss_limit(client_key):
        return True
    return misses.filter(phone_hash=_keyed_hash("phone", phone)).count() >= settings.BOOKING_LOOKUP_MAX_MISSES_PER_PHONE


def booking_lookup(
    *, municipality, phone: str, code: str, client_key: str, now: dt.datetime | None = None,
    include_inactive: bool = False,
) -> Booking:
    """The active booking with this code whose learner (or their family proxy) has this phone;
    with include_inactive, failing that, the latest one that had them (so a learner who checks
    a booking they cancelled is told it is cancelled).

    A wrong pair raises NotFoundError with the same message whether or not the phone is known,
    and counts as a miss; too many misses raise TooManyAttempts before anything is looked up.
    Call it outside a transaction that rolls back on errors, or the miss is forgotten.
    """
    now = now or timezone.now()
    if not client_key:
        raise ValueError("booking_lookup needs a client_key (device id, IP or caller number)")
    try:
        e164 = parse_phone(phone).e164
    except InvalidPhoneNumber:
        # Counted under what was typed: garbage is still a guess.
        e164 = (phone or "").strip()[:32]
    if lookup_locked_out(client_key=client_key, phone=e164, now=now):
        raise TooManyAttempts()
    # As typed: full-width digits from a Japanese keyboard (０３４４０８), spaces or a dash between.
    code = "".join(unicodedata.normalize("NFKC", code or "").split()).replace("-", "")
    booking = None
    if code.isascii() and code.isdigit():
        matching = (
            Booking.objects.filter(municipality=municipality, code=code)
            .filter(Q(learner__phone=e164) | Q(learner__proxy_phone=e164))
            .select_related("learner", "lesson", "lesson__venue", "lesson__topic", "help_request")
        )
        booking = matching.active().first()
        if booking is None and include_inactive:
            booking = matching.order_by("-created_at").first()
    _record_attempt(municipality=municipality, client_key=client_key, phone=e164, succeeded=booking is not None, now=now)
    if booking is None:
        raise NotFoundError(code="booking_not_found")
    return booking


@transaction.atomic
def _record_attempt(*, municipality, client_key: str, phone: str, succeeded: bool, now: dt.datetime) -> None:
    LookupAttempt.objects.create(
        municipality=municipality, client_hash=_keyed_hash("client", client_key),
        phone_hash=_keyed_hash("phone", phone), succeeded=succeeded, at=now,
    )


@transaction.atomic
def lookup_attempts_prune(*, older_than: dt.timedelta = dt.timedelta(days=1), now: dt.datetime | None = None) -> int:
    """Forget attempts older than any window needs; returns how many rows went."""
    now = now or timezone.now()
    deleted, _ = LookupAttempt.objects.filter(at__lt=now - older_than).delete()
    return deleted
