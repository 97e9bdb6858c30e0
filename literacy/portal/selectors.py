"""Reads for the volunteer pages: each shows a volunteer only their own offers and lessons, and
of a learner only what teaching them needs (given name and kana, needs, notes; the phone number
only close to the lesson). Every function runs a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone
from literacy.curriculum.models import Skill
from literacy.people.models import Learner, Volunteer
from literacy.places.models import Venue
from literacy.scheduling.matching import reason_label
from literacy.scheduling.models import Booking, LearnerProgress, Lesson, LessonReport, Offer
from literacy.scheduling.slots import bookable_times

# A volunteer sees a learner's phone number only this close to the lesson (to say they are late).
PHONE_VISIBLE_BEFORE = dt.timedelta(hours=24)


def given_kana(learner: Learner) -> str:
    """The reading of the given name only, like Learner.given_name (no family name)."""
    parts = (learner.name_kana or "").replace("\u3000", " ").split()
    return parts[-1] if parts else ""


def learner_needs(learner: Learner) -> list[str]:
    needs = [
        (learner.needs_large_print, _("大きな文字")),
        (learner.needs_hearing_support, _("聞こえの配慮")),
        (learner.needs_mobility_support, _("移動の配慮")),
        (learner.needs_home_visit, _("訪問希望")),
    ]
    return [str(label) for wanted, label in needs if wanted]


def masked_phone(e164: str) -> str:
    """090-****-5678: enough to recognise a call, not enough to dial."""
    try:
        national = parse_phone(e164).national
    except InvalidPhoneNumber:
        return "****"
    digits_left = 4
    masked = []
    for char in reversed(national):
        if char.isdigit():
            masked.append(char if digits_left > 0 else "*")
            digits_left -= 1
        else:
            masked.append(char)
    return "".join(reversed(masked))


def phone_visible(*, lesson: Lesson, now: dt.datetime) -> bool:
    return lesson.state == Lesson.State.SCHEDULED and lesson.starts_at - PHONE_VISIBLE_BEFORE <= now <= lesson.ends_at


@dataclass
class OfferCard:
    offer: Offer
    given_name: str
    given_kana: str
    needs: list[str]
    notes: str
    reasons: list[str]


def _offer_card(offer: Offer) -> OfferCard:
    learner = offer.help_request.learner
    return OfferCard(
        offer=offer, given_name=learner.given_name, given_kana=given_kana(learner),
        needs=learner_needs(learner), notes=learner.notes,
        reasons=[reason_label(reason.get("code", "")) for reason in offer.reasons if reason.get("points", 0) > 0],
    )


def offers_pending_for(*, volunteer: Volunteer, now: dt.datetime | None = None, limit: int = 50) -> list[OfferCard]:
    """Offers this volunteer can still answer, soonest lesson first. One query."""
    now = now or timezone.now()
    offers = (
        Offer.objects.filter(volunteer=volunteer, state=Offer.State.PENDING, expires_at__gt=now)
        .select_related("help_request__learner", "help_request__topic", "help_request__venue")
        .order_by("help_request__wanted_starts_at", "pk")[:limit]
    )
    return [_offer_card(offer) for offer in offers]


def offer_card(offer: Offer) -> OfferCard:
    return _offer_card(offer)


def lessons_upcoming(*, volunteer: Volunteer, now: dt.datetime | None = None, limit: int = 50) -> list[Lesson]:
    now = now or timezone.now()
    return list(
        Lesson.objects.filter(volunteer=volunteer, state=Lesson.State.SCHEDULED, ends_at__gt=now)
        .select_related("venue", "topic")
        .annotate(learner_count=Count("bookings", filter=_seat_filter()))
        .order_by("starts_at")[:limit]
    )


def lessons_past(*, volunteer: Volunteer, now: dt.datetime | None = None):
    """A queryset (the page paginates it): lessons that have ended, or were cancelled."""
    now = now or timezone.now()
    return (
        Lesson.objects.filter(volunteer=volunteer, ends_at__lte=now)
        .select_related("venue", "topic")
        .annotate(learner_count=Count("bookings", filter=_seat_filter()))
        .order_by("-starts_at")
    )


def lessons_to_report(*, volunteer: Volunteer, now: dt.datetime | None = None, limit: int = 20) -> list[Lesson]:
    """Lessons that started and still wait for their report."""
    now = now or timezone.now()
    return list(
        Lesson.objects.filter(volunteer=volunteer, state=Lesson.State.SCHEDULED, starts_at__lte=now)
        .select_related("venue", "topic")
        .order_by("starts_at")[:limit]
    )


def _seat_filter() -> Q:
    return Q(bookings__state__in=Booking.SEAT_STATES)


@dataclass
class LearnerCard:
    booking: Booking
    given_name: str
    given_kana: str
    needs: list[str]
    notes: str
    phone: str
    phone_masked: bool
    previous_note: str = ""
    previous_note_on: dt.date | None = None


def lesson_learners(*, lesson: Lesson, now: dt.datetime | None = None) -> list[LearnerCard]:
    """The lesson's learners as the volunteer may see them, each with the note the last
    volunteer who taught them left "for the next volunteer". Two queries."""
    now = now or timezone.now()
    bookings = list(
        lesson.bookings.exclude(state__in=[Booking.State.CANCELLED, Booking.State.PENDING])
        .select_related("learner")
        .order_by("pk")
    )
    show_phone = phone_visible(lesson=lesson, now=now)
    notes: dict[int, tuple[str, dt.datetime]] = {}
    if bookings:
        rows = (
            LearnerProgress.objects.filter(
                learner_id__in=[b.learner_id for b in bookings], report__lesson__starts_at__lt=lesson.starts_at,
            )
            .exclude(report__note_for_next="")
            .order_by("learner_id", "-report__lesson__starts_at")
            .values_list("learner_id", "report__note_for_next", "report__lesson__starts_at")
        )
        for learner_id, note, starts_at in rows:
            notes.setdefault(learner_id, (note, starts_at))
    cards = []
    for booking in bookings:
        learner = booking.learner
        note, noted_at = notes.get(learner.pk, ("", None))
        cards.append(
            LearnerCard(
                booking=booking, given_name=learner.given_name, given_kana=given_kana(learner),
                needs=learner_needs(learner), notes=learner.notes,
                phone=parse_phone(learner.phone).national if show_phone else masked_phone(learner.phone),
                phone_masked=not show_phone, previous_note=note,
                previous_note_on=timezone.localdate(noted_at) if noted_at else None,
            )
        )
    return cards


def report_skills(*, lesson: Lesson) -> list[Skill]:
    """The checklist: the skills of the lesson's topic."""
    return list(Skill.objects.filter(topic_id=lesson.topic_id).order_by("order", "pk"))


@dataclass
class MonthHours:
    month: dt.date
    hours: float
    lessons: int


@dataclass
class Impact:
    total_hours: float
    lessons: int
    learners_helped: int
    months: list[MonthHours]
    skills: list[tuple[str, int]]


def volunteer_impact(*, volunteer: Volunteer, months: int = 12, top_skills: int = 15) -> Impact:
    """Hours per month (from reports' durations), learners helped, skills taught. Four queries,
    each bounded by this volunteer's own rows."""
    zone = volunteer.municipality.zone
    reports = LessonReport.objects.filter(volunteer=volunteer)
    totals = reports.aggregate(minutes=Sum("duration_minutes"), lessons=Count("pk"))
    by_month = (
        reports.annotate(month=TruncMonth("lesson__starts_at", tzinfo=zone))
        .values("month")
        .annotate(minutes=Sum("duration_minutes"), lessons=Count("pk"))
        .order_by("-month")[:months]
    )
    learners = (
        Booking.objects.filter(lesson__volunteer=volunteer, state=Booking.State.ATTENDED)
        .values("learner_id").distinct().count()
    )
    through = LearnerProgress.skills.through
    skills = (
        through.objects.filter(learnerprogress__report__volunteer=volunteer)
        .values("skill__name", "skill__name_en")
        .annotate(times=Count("pk"))
        .order_by("-times", "skill__name")[:top_skills]
    )
    english = (get_language() or "ja").startswith("en")
    return Impact(
        total_hours=round((totals["minutes"] or 0) / 60, 1),
        lessons=totals["lessons"] or 0,
        learners_helped=learners,
        months=[
            MonthHours(month=timezone.localtime(row["month"], zone).date(), hours=round(row["minutes"] / 60, 1),
                       lessons=row["lessons"])
            for row in by_month
        ],
        skills=[((row["skill__name_en"] if english and row["skill__name_en"] else row["skill__name"]),
                 row["times"]) for row in skills],
    )


@dataclass
class PreviewSlot:
    starts_at: dt.datetime
    venue: Venue
    topics: list[str] = field(default_factory=list)
    instant: bool = False


def availability_preview(
    *, volunteer: Volunteer, now: dt.datetime | None = None, days: int = 14
) -> list[PreviewSlot]:
    """The times learners will be offered because of this volunteer's windows, over the next
    `days`: bookable_times for each topic they teach, kept where this volunteer is one of the free.
    One bookable_times call per topic (a volunteer teaches a handful)."""
    now = now or timezone.now()
    if volunteer.status != Volunteer.Status.APPROVED:
        return []
    zone = volunteer.municipality.zone
    today = timezone.localtime(now, zone).date()
    venue_ids = set(volunteer.availabilities.values_list("venue_id", flat=True))
    if not venue_ids:
        return []
    venues = {v.pk: v for v in Venue.objects.filter(pk__in=venue_ids)}
    merged: dict[tuple[int, dt.datetime], PreviewSlot] = {}
    topics_seen: dict[tuple[int, dt.datetime], list[str]] = defaultdict(list)
    for topic in volunteer.topics.filter(is_active=True).order_by("order", "pk"):
        for slot in bookable_times(
            municipality=volunteer.municipality, topic=topic, start_date=today,
            end_date=today + dt.timedelta(days=days - 1), now=now,
        ):
            if slot.lesson_id is not None or volunteer.pk not in slot.volunteer_ids or slot.venue_id not in venues:
                continue
            key = (slot.venue_id, slot.starts_at)
            preview = merged.setdefault(key, PreviewSlot(starts_at=slot.starts_at, venue=venues[slot.venue_id]))
            preview.instant = preview.instant or volunteer.pk in slot.instant_volunteer_ids
            topics_seen[key].append(topic.display_name)
    for key, preview in merged.items():
        preview.topics = topics_seen[key]
    return sorted(merged.values(), key=lambda p: (p.starts_at, p.venue.pk))
