"""Kiosk writes: register a device, activate it with its one-time code, revoke it, and leave a
call-back request for a senior when no time suits them."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import DomainError
from literacy.core.stored_text import in_program_language
from literacy.kiosk.limits import KioskLimitReached, kiosk_booking_allow, kiosk_limit_alert_open
from literacy.kiosk.models import KioskDevice, hash_secret, new_device_key
from literacy.people.services import learner_find_or_create
from literacy.scheduling.models import HelpRequest
from literacy.scheduling.services import LearnerDetails, help_request_create

# Letters and digits that cannot be mistaken for one another when read off a screen.
ACTIVATION_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
ACTIVATION_CODE_LENGTH = 8
ACTIVATION_VALID_FOR = dt.timedelta(hours=24)
# last_seen_at is written at most this often, so browsing the kiosk is not a stream of writes.
SEEN_EVERY = dt.timedelta(minutes=5)


class ActivationCodeInvalid(DomainError):
    code = "kiosk_activation_invalid"
    message = _("コードが正しくないか、期限が切れています。担当者に新しいコードをお求めください。")


def normalise_activation_code(raw: str) -> str:
    """What was typed, upper-cased, without spaces or hyphens (the code is shown as ABCD-EFGH)."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def _new_activation_code() -> str:
    return "".join(secrets.choice(ACTIVATION_ALPHABET) for _ in range(ACTIVATION_CODE_LENGTH))


@transaction.atomic
def kiosk_register(*, venue, name: str, created_by=None, now: dt.datetime | None = None) -> tuple[KioskDevice, str]:
    """A new kiosk for venue and its one-time activation code (shown once; only its hash is kept)."""
    now = now or timezone.now()
    code = _new_activation_code()
    device = KioskDevice(
        municipality=venue.municipality, venue=venue, name=name.strip() or venue.name,
        activation_code_hash=hash_secret(code), activation_expires_at=now + ACTIVATION_VALID_FOR,
        created_by=created_by,
    )
    device.full_clean()
    device.save()
    return device, code


@transaction.atomic
def kiosk_activate(*, code: str, now: dt.datetime | None = None) -> tuple[KioskDevice, str]:
    """Trade a one-time activation code for the device key the kiosk's browser keeps.

    The code works once and only until it expires; the key's hash replaces any earlier key.
    """
    now = now or timezone.now()
    normalised = normalise_activation_code(code)
    if len(normalised) != ACTIVATION_CODE_LENGTH:
        raise ActivationCodeInvalid()
    device = (
        KioskDevice.objects.select_for_update()
        .filter(activation_code_hash=hash_secret(normalised), revoked_at__isnull=True)
        .order_by("pk")  # not the model's ordering: its joins would lock the city's and venue's rows
        .first()
    )
    if device is None or device.activation_expires_at is None or device.activation_expires_at <= now:
        raise ActivationCodeInvalid()
    key = new_device_key()
    device.key_hash = hash_secret(key)
    device.activation_code_hash = ""
    device.activation_expires_at = None
    device.activated_at = now
    device.last_seen_at = now
    device.save()
    return device, key


@transaction.atomic
def kiosk_revoke(*, device: KioskDevice, revoked_by=None, now: dt.datetime | None = None) -> KioskDevice:
    """Switch a kiosk off for good: its key and any unused code stop working at once."""
    device = KioskDevice.objects.select_for_update().get(pk=device.pk)
    if device.revoked_at is None:
        device.revoked_at = now or timezone.now()
        device.revoked_by = revoked_by
        device.activation_code_hash = ""
        device.activation_expires_at = None
        device.save()
    return device


def kiosk_device_for_key(key: str | None) -> KioskDevice | None:
    """The active device holding this key, or None (unknown, never activated, or revoked)."""
    if not key:
        return None
    return (
        KioskDevice.objects.select_related("venue", "venue__district", "municipality")
        .filter(key_hash=hash_secret(key), activated_at__isnull=False, revoked_at__isnull=True)
        # By id, not by the model's ordering, whose joins and sort cost more to plan than the look-up.
        .order_by("pk")
        .first()
    )


def kiosk_seen(*, device: KioskDevice, now: dt.datetime | None = None) -> None:
    """Note that the kiosk is alive (for the coordinators' list), at most every few minutes."""
    now = now or timezone.now()
    if device.last_seen_at is None or now - device.last_seen_at >= SEEN_EVERY:
        KioskDevice.objects.filter(pk=device.pk).update(last_seen_at=now)
        device.last_seen_at = now


def kiosk_request_callback(
    *, device: KioskDevice, topic, venue, learner_details: LearnerDetails, booked_by_proxy: bool = False,
    now: dt.datetime | None = None,
) -> HelpRequest:
    """No free time suits the senior: record who they are and what they want, without a time.

    With no time to offer volunteers, the request goes straight to the coordinators' queue, and a
    person calls the senior back before the request's deadline. Counts toward the device's
    booking limits like a booking (KioskLimitReached, nothing written, the coordinators alerted).
    """
    now = now or timezone.now()
    try:
        return _kiosk_request_callback(device=device, topic=topic, venue=venue, learner_details=learner_details,
                                       booked_by_proxy=booked_by_proxy, now=now)
    except KioskLimitReached:
        kiosk_limit_alert_open(device=device, now=now)
        raise


@transaction.atomic
def _kiosk_request_callback(*, device, topic, venue, learner_details, booked_by_proxy, now) -> HelpRequest:
    kiosk_booking_allow(device=device, now=now)
    learner = learner_find_or_create(
        municipality=device.municipality, phone=learner_details.phone, name=learner_details.name,
        name_kana=learner_details.name_kana, reminder_channel=learner_details.reminder_channel,
        channel="kiosk", proxy=learner_details.proxy, now=now,
    )
    # Their call-back already asked for (a second tap while the first was in flight waited on the
    # learner's lock above, or they asked again before anyone called): one call, one case.
    waiting = HelpRequest.objects.filter(
        learner=learner, topic=topic, venue=venue, wanted_starts_at__isnull=True,
        state__in=HelpRequest.ACTIVE_STATES,
    ).order_by("pk").first()
    if waiting is not None:
        return waiting
    with in_program_language():
        note = gettext("キオスクから: 空いている日時がなく、お電話で日時の相談を希望")
        if booked_by_proxy:
            note += gettext("（ご家族による代理）")
    return help_request_create(
        municipality=device.municipality, learner=learner, topic=topic, venue=venue, channel="kiosk",
        preference_note=note, kiosk_device=device, now=now,
    )
