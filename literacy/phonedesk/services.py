"""Writes for the phone desk: register a learner with their consent, notes, proxy bookings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import DomainError
from literacy.core.phones import parse_phone
from literacy.people.models import Channel, Learner, name_key
from literacy.people.services import learner_find_or_create, learner_set_proxy
from literacy.places.models import District, Municipality
from literacy.scheduling.services import BookingResult, booking_create


class ConsentRequired(DomainError):
    code = "consent_required"
    message = _("ご本人の同意を確認してください。")


@dataclass(frozen=True)
class ProxyDetails:
    """The family member on the phone: who they are, how to reach them, whether they hear too."""

    name: str
    relation: str
    phone: str = ""
    email: str = ""
    gets_reminders: bool = False

    def as_service_kwargs(self) -> dict:
        return {"name": self.name, "relation": self.relation, "phone": self.phone, "email": self.email,
                "gets_reminders": self.gets_reminders}


def _stamp(now: dt.datetime, by, zone) -> str:
    local = timezone.localtime(now, zone)
    who = getattr(by, "email", "") or "—"
    return f"[{local:%Y-%m-%d %H:%M} {who}]"


@transaction.atomic
def learner_add_note(*, learner: Learner, text: str, by=None, now: dt.datetime | None = None) -> Learner:
    """Append a dated, signed line to the learner's notes; earlier notes are never rewritten."""
    text = text.strip()
    if not text:
        raise DomainError(_("メモが空です。"), code="note_empty")
    learner = Learner.objects.select_for_update(of=("self",)).select_related("municipality").get(pk=learner.pk)
    line = f"{_stamp(now or timezone.now(), by, learner.municipality.zone)} {text}"
    learner.notes = f"{learner.notes}\n{line}" if learner.notes else line
    learner.save(update_fields=["notes", "updated_at"])
    return learner


@transaction.atomic
def phone_desk_learner_create(
    *, municipality: Municipality, phone: str, name: str, name_kana: str = "", reminder_channel: str | None,
    district: District | None = None, consent_given: bool, taken_by, proxy: ProxyDetails | None = None,
    now: dt.datetime | None = None,
) -> tuple[Learner, bool]:
    """Register the learner on the phone (or the one already registered with this number and
    name), recording their consent: now, by phone desk or through family, taken by this user.
    Returns (learner, created)."""
    if not consent_given:
        raise ConsentRequired()
    now = now or timezone.now()
    channel = Channel.PROXY if proxy else Channel.PHONE_DESK
    existed = Learner.objects.filter(
        municipality=municipality, phone=parse_phone(phone).e164, name_key=name_key(name)
    ).exists()
    learner = learner_find_or_create(
        municipality=municipality, phone=phone, name=name, name_kana=name_kana, channel=channel,
        reminder_channel=reminder_channel or None, consent_taken_by=taken_by,
        proxy=proxy.as_service_kwargs() if proxy else None, now=now,
    )
    if district is not None and learner.district_id is None:
        learner.district = district
        learner.save(update_fields=["district", "updated_at"])
    return learner, not existed


@transaction.atomic
def phone_desk_booking_create(
    *, learner: Learner, topic, venue, starts_at: dt.datetime, lesson_id: int | None, entered_by,
    idempotency_key: str, proxy: ProxyDetails | None = None, learner_agreed: bool = False,
    now: dt.datetime | None = None,
) -> BookingResult:
    """Book for the learner on the phone, or for their family member on their behalf.

    A proxy booking needs the learner's agreement; it records who booked (the proxy's name,
    relation and contact on the learner, booked_by_proxy, channel "proxy") and a dated note of
    the consent. Reminders go to the learner, and to the proxy too when asked.
    """
    now = now or timezone.now()
    if proxy is not None:
        if not learner_agreed:
            raise ConsentRequired()
        learner_set_proxy(learner=learner, **proxy.as_service_kwargs())
    result = booking_create(
        municipality=learner.municipality, topic=topic, venue=venue, starts_at=starts_at, lesson_id=lesson_id,
        channel=Channel.PROXY if proxy else Channel.PHONE_DESK, learner=learner, entered_by=entered_by,
        idempotency_key=idempotency_key, booked_by_proxy=proxy is not None, now=now,
    )
    if proxy is not None and result.created:
        learner_add_note(
            learner=learner, by=entered_by, now=now,
            text=(f"予約番号 {result.booking.code}: {proxy.relation} {proxy.name} 様による代理予約。"
                  "ご本人の同意を確認済み。"),
        )
    return result
