"""Signed links in offer messages: open the confirm page without logging in.

The token carries only the offer id, signed with a timestamp. It expires with the signature's
age; it is single-use because the page acts only on a pending offer, and answering moves the
offer out of pending. The notifications helper puts `offer_link_url(offer)` in the SMS/email.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import DomainError
from literacy.scheduling.models import Offer

OFFER_LINK_SALT = "oshieai.portal.offer-link"
# An offer is answered within hours; a link older than this is refused whatever the offer says.
OFFER_LINK_MAX_AGE = dt.timedelta(days=3)


class OfferLinkInvalid(DomainError):
    code = "offer_link_invalid"
    message = _("このリンクは正しくありません。届いたメッセージのリンクをそのまま開いてください。")
    http_status = 404


class OfferLinkExpired(DomainError):
    code = "offer_link_expired"
    message = _("このリンクは有効期限が切れています。ログインして依頼の一覧をご確認ください。")
    http_status = 410


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=OFFER_LINK_SALT)


def offer_link_token(offer: Offer) -> str:
    return _signer().sign(str(offer.pk))


def offer_link_path(offer: Offer) -> str:
    return reverse("portal:offer_link", kwargs={"token": offer_link_token(offer)})


def offer_link_url(offer: Offer) -> str:
    return settings.SITE_URL.rstrip("/") + offer_link_path(offer)


def offer_from_link(token: str) -> Offer:
    """The offer a link names. Raises OfferLinkExpired for an old link, OfferLinkInvalid for
    a forged one or an offer that no longer exists."""
    try:
        offer_id = _signer().unsign(token, max_age=OFFER_LINK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise OfferLinkExpired() from exc
    except signing.BadSignature as exc:
        raise OfferLinkInvalid() from exc
    offer = (
        Offer.objects.select_related(
            "volunteer", "help_request__learner", "help_request__topic", "help_request__venue",
            "help_request__lesson",
        )
        .filter(pk=offer_id)
        .first()
    )
    if offer is None:
        raise OfferLinkInvalid()
    return offer
