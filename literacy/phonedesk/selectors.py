"""Reads for the phone desk: find a learner while on the call, and everything about them."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Value
from django.db.models.functions import Replace

from literacy.curriculum.models import Topic
from literacy.followups.models import FollowUp
from literacy.notifications.models import Message
from literacy.people.models import Learner, name_key
from literacy.places.models import District, Municipality, Venue
from literacy.scheduling.models import Booking, LearnerProgress
from literacy.scheduling.slots import Slot, bookable_times

SEARCH_LIMIT = 30
HISTORY_LIMIT = 50

_KATAKANA = "".join(chr(c) for c in range(ord("ァ"), ord("ヶ") + 1))
_HIRAGANA = "".join(chr(c) for c in range(ord("ぁ"), ord("ゖ") + 1))
TO_HIRAGANA = str.maketrans(_KATAKANA, _HIRAGANA)
TO_KATAKANA = str.maketrans(_HIRAGANA, _KATAKANA)


def _phone_digits(query: str) -> str | None:
    """The national digits of a (partial) number as typed: '090-1234' -> '901234'. None for a name."""
    text = unicodedata.normalize("NFKC", query)
    if re.search(r"[^\d\s\-+()]", text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) < 3:
        return None
    if digits.startswith("81") and text.lstrip().startswith("+"):
        digits = digits[2:]
    return digits[1:] if digits.startswith("0") else digits


def learners_search(*, municipality: Municipality, query: str) -> QuerySet[Learner]:
    """Learners matching a phone number (or part of one, the proxy's too) or a name, in kanji or
    kana, hiragana or katakana, with or without the space between family and given name."""
    query = (query or "").strip()
    base = Learner.objects.filter(municipality=municipality, anonymised_at__isnull=True)
    if not query:
        return base.none()
    digits = _phone_digits(query)
    if digits:
        matches = base.filter(Q(phone__contains=digits) | Q(proxy_phone__contains=digits))
    else:
        key = name_key(query)
        kana = unicodedata.normalize("NFKC", query).replace(" ", "")
        compact_kana = Replace(Replace("name_kana", Value(" "), Value("")), Value("\u3000"), Value(""))
        matches = base.annotate(kana_key=compact_kana).filter(
            Q(name_key__contains=key)
            | Q(kana_key__contains=kana.translate(TO_HIRAGANA))
            | Q(kana_key__contains=kana.translate(TO_KATAKANA))
            | Q(proxy_name__icontains=query)
        )
    return matches.order_by("name_kana", "id")[:SEARCH_LIMIT]


@dataclass(frozen=True)
class LearnerHistory:
    bookings: list[Booking]
    progress: list[LearnerProgress]
    failed_messages: list[Message]
    open_followups: list[FollowUp]


def learner_history(*, learner: Learner) -> LearnerHistory:
    """Bookings (newest first), reported lessons, reminders that did not arrive, open cases."""
    bookings = list(
        learner.bookings.select_related("lesson__venue", "lesson__topic", "lesson__volunteer",
                                        "help_request__venue", "help_request__topic", "entered_by")
        .order_by("-created_at")[:HISTORY_LIMIT]
    )
    progress = list(
        LearnerProgress.objects.filter(learner=learner)
        .select_related("report__lesson__topic", "report__volunteer")
        .prefetch_related("skills")
        .order_by("-report__lesson__starts_at")[:HISTORY_LIMIT]
    )
    failed = list(
        Message.objects.filter(learner=learner, state__in=[Message.State.FAILED, Message.State.UNDELIVERED])
        .order_by("-created_at")[:HISTORY_LIMIT]
    )
    followups = list(FollowUp.objects.filter(learner=learner, state=FollowUp.State.OPEN).order_by("opened_at"))
    return LearnerHistory(bookings=bookings, progress=progress, failed_messages=failed, open_followups=followups)


@dataclass(frozen=True)
class TimeChoice:
    """A bookable time as the desk lists it: the slot and its venue, ready to print."""

    slot: Slot
    venue: Venue

    @property
    def key(self) -> str:
        return self.slot.key


def desk_times(
    *, municipality: Municipality, topic: Topic, district: District | None = None, venue: Venue | None = None,
    start_date: dt.date, days: int = 7, exclude_volunteer_ids: frozenset[int] = frozenset(),
) -> list[TimeChoice]:
    """The same bookable times the kiosk offers, one row per venue and start (or class seat)."""
    slots = bookable_times(
        municipality=municipality, topic=topic, venue=venue, district=None if venue else district,
        start_date=start_date, end_date=start_date + dt.timedelta(days=days - 1),
        exclude_volunteer_ids=exclude_volunteer_ids,
    )
    venues = {v.pk: v for v in Venue.objects.filter(pk__in={s.venue_id for s in slots})}
    return [TimeChoice(slot=slot, venue=venues[slot.venue_id]) for slot in slots]
