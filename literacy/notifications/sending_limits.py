"""Who the program may text, and how many texts a day: the brakes on SMS pumping.

Anything that sends a text to a number a stranger typed (the kiosk, the API, the voice line)
could be used to send the city's texts — billed to the city, under its sender name — to premium
or foreign numbers. So a text goes only to a number the municipality knows (a learner, a family
proxy or a volunteer), and no number and no municipality gets more than a daily cap.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.notifications.models import Message
from literacy.people.models import Learner, Volunteer

# The program's day is Japan's day, whatever the server's clock zone.
TOKYO = ZoneInfo("Asia/Tokyo")


@dataclass(frozen=True)
class SmsRefusal:
    code: str  # fits Message.error_code (20 characters)
    reason: str  # for coordinators, in the active language


def tokyo_day(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of the Tokyo calendar day containing now, as aware datetimes."""
    day = now.astimezone(TOKYO).date()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=TOKYO)
    return start, start + dt.timedelta(days=1)


def number_forms(to: str) -> set[str]:
    """The number as given and as E.164, so '090-…' and '+8190…' are the same person."""
    forms = {to.strip()}
    # Not dialable as a Japanese number: only the exact text can match a stored number.
    with contextlib.suppress(InvalidPhoneNumber):
        forms.add(parse_phone(to).e164)
    return {form for form in forms if form}


def is_known_number(*, to: str, municipality) -> bool:
    """A learner (not anonymised), a learner's family proxy, or a volunteer of this municipality."""
    forms = number_forms(to)
    if not forms:
        return False
    learners = Learner.objects.filter(municipality=municipality, anonymised_at__isnull=True)
    if learners.filter(Q(phone__in=forms) | Q(proxy_phone__in=forms)).exists():
        return True
    return Volunteer.objects.filter(municipality=municipality, phone__in=forms).exists()


def sms_sent_today(*, now: dt.datetime, to: str | None = None, municipality=None) -> int:
    """Texts that left today (Tokyo) to this number, or from this municipality."""
    start, end = tokyo_day(now)
    sent = Message.objects.filter(channel=Message.Channel.SMS, sent_at__gte=start, sent_at__lt=end)
    if to is not None:
        sent = sent.filter(to__in=number_forms(to))
    if municipality is not None:
        sent = sent.filter(municipality=municipality)
    return sent.count()


def sms_refusal(*, to: str, municipality, now: dt.datetime) -> SmsRefusal | None:
    """Why a text to `to` must not go now, or None when it may."""
    if settings.SMS_ONLY_TO_KNOWN_NUMBERS and not is_known_number(to=to, municipality=municipality):
        return SmsRefusal("unknown_number", _("登録されていない電話番号には送信しません"))
    if sms_sent_today(now=now, to=to) >= settings.SMS_DAILY_CAP_PER_NUMBER:
        return SmsRefusal("cap_per_number", _("この番号への本日の送信数が上限に達しました"))
    if sms_sent_today(now=now, municipality=municipality) >= settings.SMS_DAILY_CAP_PER_MUNICIPALITY:
        return SmsRefusal("cap_per_city", _("本日の自治体全体の送信数が上限に達しました"))
    return None


def refusal_reason_for_sms(*, to: str, municipality, now: dt.datetime) -> str | None:
    """The reason (for coordinators) a text must not go, or None. See sms_refusal for the code."""
    refusal = sms_refusal(to=to, municipality=municipality, now=now)
    return refusal.reason if refusal else None


@dataclass
class SmsBatchLimits:
    """The same rules for a whole claimed batch, loaded in four grouped queries (none per row).

    Texts let through earlier in the same batch count toward the caps too."""

    now: dt.datetime
    known: dict[int, set[str]]  # municipality id → numbers it may text
    sent_to: dict[str, int]
    sent_by: dict[int, int]

    @classmethod
    def load(cls, messages, *, now: dt.datetime) -> SmsBatchLimits | None:
        texts = [m for m in messages if m.channel == Message.Channel.SMS]
        if not texts or not settings.SMS_LIMITS_ENABLED:
            return None
        numbers = set().union(*(number_forms(m.to) for m in texts))
        municipality_ids = {m.municipality_id for m in texts}
        known: dict[int, set[str]] = {mid: set() for mid in municipality_ids}
        for mid, phone, proxy in Learner.objects.filter(
            municipality_id__in=municipality_ids, anonymised_at__isnull=True
        ).filter(Q(phone__in=numbers) | Q(proxy_phone__in=numbers)).values_list(
            "municipality_id", "phone", "proxy_phone"
        ):
            known[mid].update({phone, proxy})
        for mid, phone in Volunteer.objects.filter(
            municipality_id__in=municipality_ids, phone__in=numbers
        ).values_list("municipality_id", "phone"):
            known[mid].add(phone)
        start, end = tokyo_day(now)
        today = Message.objects.filter(channel=Message.Channel.SMS, sent_at__gte=start, sent_at__lt=end).order_by()
        sent_to = dict(today.filter(to__in=numbers).values("to").annotate(n=Count("id")).values_list("to", "n"))
        sent_by = dict(
            today.filter(municipality_id__in=municipality_ids)
            .values("municipality_id").annotate(n=Count("id")).values_list("municipality_id", "n")
        )
        return cls(now=now, known=known, sent_to=sent_to, sent_by=sent_by)

    def refusal(self, message, *, accepted) -> SmsRefusal | None:
        forms = number_forms(message.to)
        if settings.SMS_ONLY_TO_KNOWN_NUMBERS and not forms & self.known.get(message.municipality_id, set()):
            return SmsRefusal("unknown_number", _("登録されていない電話番号には送信しません"))
        earlier = [m for m in accepted if m.channel == Message.Channel.SMS]
        to_number = sum(self.sent_to.get(form, 0) for form in forms) + sum(1 for m in earlier if m.to in forms)
        if to_number >= settings.SMS_DAILY_CAP_PER_NUMBER:
            return SmsRefusal("cap_per_number", _("この番号への本日の送信数が上限に達しました"))
        by_city = self.sent_by.get(message.municipality_id, 0) + sum(
            1 for m in earlier if m.municipality_id == message.municipality_id
        )
        if by_city >= settings.SMS_DAILY_CAP_PER_MUNICIPALITY:
            return SmsRefusal("cap_per_city", _("本日の自治体全体の送信数が上限に達しました"))
        return None
