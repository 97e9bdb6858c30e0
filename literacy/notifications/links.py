"""Signed links for volunteers (never for learners): open an offer without logging in first."""

from __future__ import annotations

from django.conf import settings
from django.core import signing

OFFER_SALT = "oshieai.offer-link"
# An offer link outlives the offer a little so a late click gets "already taken", not "broken".
OFFER_LINK_MAX_AGE_SECONDS = 7 * 24 * 3600


def offer_token(offer) -> str:
    return signing.dumps({"offer": offer.pk, "volunteer": offer.volunteer_id}, salt=OFFER_SALT, compress=True)


def offer_link(offer) -> str:
    return f"{settings.SITE_URL.rstrip('/')}/volunteer/offers/{offer_token(offer)}/"


def offer_ids_from_token(token: str) -> tuple[int, int]:
    """(offer id, volunteer id); raises signing.BadSignature (or SignatureExpired)."""
    data = signing.loads(token, salt=OFFER_SALT, max_age=OFFER_LINK_MAX_AGE_SECONDS)
    return int(data["offer"]), int(data["volunteer"])
