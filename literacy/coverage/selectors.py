"""Coverage numbers for the city dashboard: grouped queries, a fixed number per table.

Definitions (the same everywhere, so the tables add up):
  period     a range of local dates [start, end], both included, in the municipality's time zone
  held       a lesson that was not cancelled and has started by now (future lessons are not held yet)
  served     a learner with an attended booking in a lesson held in the period
  matched    a request created in the period that reached a lesson (state scheduled)
  time to match   request created → scheduled_at, for matched requests
Where is a number counted? Requests by the district they asked for (the venue's, else the
learner's home district); lessons and bookings by the venue's district; learners served by their
home district, else the venue's — coverage is about residents reached.
No query here runs once per district, topic, volunteer or month.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Aggregate, Count, DurationField, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from literacy.curriculum.models import Topic
from literacy.followups.models import FollowUp, FollowUpAction
from literacy.kiosk.models import KioskDevice
from literacy.people.models import Availability, Learner, Volunteer
from literacy.places.models import District, Municipality
from literacy.scheduling.matching import Candidate, rank_volunteers, reason_label
from literacy.scheduling.models import Booking, HelpRequest, LearnerProgress, Lesson, Offer
from literacy.scheduling.slots import find_slot

DORMANT_AFTER = dt.timedelta(days=60)
UNASSIGNED = None  # the district key of rows that name no district


@dataclass(frozen=True)
class Period:
    municipality: Municipality
    start: dt.date
    end: dt.date  # included
    district: District | None = None

    @property
    def starts_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=self.municipality.zone)

    @property
    def ends_at(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min, tzinfo=self.municipality.zone)

    def months(self) -> list[dt.date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + dt.timedelta(days=32)).replace(day=1)
        return months


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _held_lessons(period: Period, now: dt.datetime):
    return Lesson.objects.filter(
        municipality=period.municipality,
        starts_at__gte=period.starts_at,
        starts_at__lt=min(period.ends_at, now),
    ).exclude(state=Lesson.State.CANCELLED)


def _requests(period: Period):
    return HelpRequest.objects.filter(
        municipality=period.municipality, created_at__gte=period.starts_at, created_at__lt=period.ends_at
    ).annotate(where=Coalesce("district_id", "learner__district_id"))


class MedianDuration(Aggregate):
    """PostgreSQL's exact median of an interval (percentile_cont works on intervals)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def _median_time_to_match(period: Period) -> dict[int | None, float]:
    """Hours from request to scheduled, median per district. PostgreSQL computes it in the
    database (one row per district); SQLite has no percentile, so the durations come back and
    the median is taken here — the same numbers, tested on both."""
    matched = _requests(period).filter(state=HelpRequest.State.SCHEDULED, scheduled_at__isnull=False)
    if connection.vendor == "postgresql":
        return {
            item["where"]: item["median"].total_seconds() / 3600
            for item in matched.values("where").annotate(median=MedianDuration(F("scheduled_at") - F("created_at")))
        }
    hours: dict[int | None, list[float]] = defaultdict(list)
    for where, created_at, scheduled_at in matched.values_list("where", "created_at", "scheduled_at"):
        hours[where].append((scheduled_at - created_at).total_seconds() / 3600)
    return {where: statistics.median(values) for where, values in hours.items()}


# --- by district -------------------------------------------------------------------------------


@dataclass
class DistrictRow:
    district_id: int | None
    name: str
    senior_population: int = 0
    learners_served: int = 0
    requests: int = 0
    matched: int = 0
    median_hours_to_match: float | None = None
    lessons: int = 0
    bookings: int = 0
    attended: int = 0
    no_shows: int = 0
    cancelled: int = 0

    @property
    def served_per_thousand_seniors(self) -> float | None:
        return ratio(self.learners_served * 1000, self.senior_population)

    @property
    def share_matched(self) -> float | None:
        return ratio(self.matched, self.requests)

    @property
    def no_show_rate(self) -> float | None:
        """Of the learners who were expected (attended or not), the share who did not come."""
        return ratio(self.no_shows, self.attended + self.no_shows)

    @property
    def cancellation_rate(self) -> float | None:
        """Of all bookings in lessons of the period (waitlist excluded), the share cancelled."""
        return ratio(self.cancelled, self.bookings)


def coverage_by_district(period: Period, *, now: dt.datetime | None = None) -> list[DistrictRow]:
    now = now or timezone.now()
    districts = District.objects.filter(municipality=period.municipality).order_by("order", "id")
    if period.district:
        districts = districts.filter(pk=period.district.pk)
    rows: dict[int | None, DistrictRow] = {
        d.pk: DistrictRow(district_id=d.pk, name=d.display_name, senior_population=d.senior_population)
        for d in districts
    }
    unassigned = DistrictRow(district_id=UNASSIGNED, name=_("地区未設定"))

    def row(key):
        if key in rows:
            return rows[key]
        return unassigned if key is None and not period.district else None

    for item in _requests(period).values("where").annotate(
        n=Count("id"), matched=Count("id", filter=Q(state=HelpRequest.State.SCHEDULED))
    ):
        if (r := row(item["where"])) is not None:
            r.requests, r.matched = item["n"], item["matched"]

    for where, median in _median_time_to_match(period).items():
        if (r := row(where)) is not None:
            r.median_hours_to_match = median

    held = _held_lessons(period, now)
    for item in held.values("venue__district_id").annotate(n=Count("id")):
        if (r := row(item["venue__district_id"])) is not None:
            r.lessons = item["n"]

    # Cancelled lessons are not held, but the bookings cancelled in them still count as cancelled.
    bookings = Booking.objects.filter(
        municipality=period.municipality,
        lesson__starts_at__gte=period.starts_at,
        lesson__starts_at__lt=min(period.ends_at, now),
    ).exclude(state=Booking.State.WAITLISTED)
    for item in bookings.values("lesson__venue__district_id").annotate(
        n=Count("id"),
        attended=Count("id", filter=Q(state=Booking.State.ATTENDED)),
        no_shows=Count("id", filter=Q(state=Booking.State.NO_SHOW)),
        cancelled=Count("id", filter=Q(state=Booking.State.CANCELLED)),
    ):
        if (r := row(item["lesson__venue__district_id"])) is not None:
            r.bookings, r.attended = item["n"], item["attended"]
            r.no_shows, r.cancelled = item["no_shows"], item["cancelled"]

    for item in (
        Booking.objects.filter(state=Booking.State.ATTENDED, lesson__in=held)
        .annotate(home=Coalesce("learner__district_id", "lesson__venue__district_id"))
        .values("home")
        .annotate(n=Count("learner_id", distinct=True))
    ):
        if (r := row(item["home"])) is not None:
            r.learners_served = item["n"]

    result = list(rows.values())
    if any((unassigned.requests, unassigned.lessons, unassigned.bookings, unassigned.learners_served)):
        result.append(unassigned)
    return result


# --- by topic: demand against supply --------------------------------------------------------------


@dataclass
class TopicRow:
    topic_id: int
    name: str
    requests: int = 0
    matched: int = 0
    lessons: int = 0
    volunteers: int = 0
    weekly_hours: float = 0.0

    @property
    def requests_per_weekly_hour(self) -> float | None:
        """Demand over supply: above 1, more requests came in the period than one week's hours."""
        return ratio(self.requests, self.weekly_hours)


def _window_hours(starts: dt.time, ends: dt.time) -> float:
    return (dt.datetime.combine(dt.date.min, ends) - dt.datetime.combine(dt.date.min, starts)).total_seconds() / 3600


def coverage_by_topic(period: Period, *, now: dt.datetime | None = None) -> list[TopicRow]:
    """Supply is today's: approved volunteers who teach the topic and the hours of their weekly
    windows (in the district, when one is chosen)."""
    now = now or timezone.now()
    rows = {
        t.pk: TopicRow(topic_id=t.pk, name=t.display_name)
        for t in Topic.objects.filter(municipality=period.municipality, is_active=True).order_by("order", "id")
    }
    requests = _requests(period)
    lessons = _held_lessons(period, now)
    if period.district:
        requests = requests.filter(where=period.district.pk)
        lessons = lessons.filter(venue__district=period.district)
    for item in requests.values("topic_id").annotate(
        n=Count("id"), matched=Count("id", filter=Q(state=HelpRequest.State.SCHEDULED))
    ):
        if item["topic_id"] in rows:
            rows[item["topic_id"]].requests = item["n"]
            rows[item["topic_id"]].matched = item["matched"]
    for item in lessons.values("topic_id").annotate(n=Count("id")):
        if item["topic_id"] in rows:
            rows[item["topic_id"]].lessons = item["n"]

    windows = Availability.objects.filter(
        volunteer__municipality=period.municipality, volunteer__status=Volunteer.Status.APPROVED
    )
    if period.district:
        windows = windows.filter(venue__district=period.district)
    hours_by_volunteer: Counter[int] = Counter()
    for volunteer_id, starts, ends in windows.values_list("volunteer_id", "starts", "ends"):
        hours_by_volunteer[volunteer_id] += _window_hours(starts, ends)
    teaching = Volunteer.topics.through.objects.filter(
        volunteer__municipality=period.municipality, volunteer__status=Volunteer.Status.APPROVED
    ).values_list("topic_id", "volunteer_id")
    for topic_id, volunteer_id in teaching:
        # In a district, a volunteer supplies it only if they have hours there.
        if topic_id not in rows or (period.district and volunteer_id not in hours_by_volunteer):
            continue
        rows[topic_id].volunteers += 1
        rows[topic_id].weekly_hours += hours_by_volunteer.get(volunteer_id, 0.0)
    return list(rows.values())


# --- volunteers: load, spread, activity, acceptance -----------------------------------------------


@dataclass
class VolunteerRow:
    volunteer_id: int
    name: str
    lessons: int = 0
    hours: float = 0.0
    offers_answered: int = 0
    offers_accepted: int = 0
    last_lesson_at: dt.datetime | None = None
    active: bool = False

    @property
    def acceptance_rate(self) -> float | None:
        return ratio(self.offers_accepted, self.offers_answered)


@dataclass
class LoadSpread:
    volunteers: int
    active: int
    dormant: int
    total_hours: float
    median_hours: float | None
    max_hours: float | None
    max_to_median: float | None
    gini: float | None
    acceptance_rate: float | None


def gini(values: list[float]) -> float | None:
    """0 when everyone carries the same load, towards 1 when one person carries it all."""
    n, total = len(values), sum(values)
    if n == 0 or total == 0:
        return None
    ranked = sorted(values)
    weighted = sum((i + 1) * x for i, x in enumerate(ranked))
    return (2 * weighted) / (n * total) - (n + 1) / n


def volunteer_load(period: Period, *, now: dt.datetime | None = None) -> tuple[list[VolunteerRow], LoadSpread]:
    """Approved volunteers (in the district: those who go there), with their lessons and hours
    in the period, offers answered, and active (a held lesson in the 60 days to the period's end)."""
    now = now or timezone.now()
    volunteers = Volunteer.objects.filter(municipality=period.municipality, status=Volunteer.Status.APPROVED)
    if period.district:
        volunteers = volunteers.filter(districts=period.district)
    rows = {v.pk: VolunteerRow(volunteer_id=v.pk, name=v.name) for v in volunteers.order_by("name_kana", "id")}
    ids = list(rows)
    for item in (
        _held_lessons(period, now).filter(volunteer_id__in=ids)
        .values("volunteer_id")
        .annotate(n=Count("id"), duration=Sum(F("ends_at") - F("starts_at")))
    ):
        row = rows[item["volunteer_id"]]
        row.lessons = item["n"]
        row.hours = item["duration"].total_seconds() / 3600 if item["duration"] else 0.0
    answered = (Offer.State.ACCEPTED, Offer.State.DECLINED, Offer.State.EXPIRED)
    for item in (
        Offer.objects.filter(
            volunteer_id__in=ids, created_at__gte=period.starts_at, created_at__lt=period.ends_at,
            state__in=answered,
        )
        .values("volunteer_id")
        .annotate(n=Count("id"), accepted=Count("id", filter=Q(state=Offer.State.ACCEPTED)))
    ):
        rows[item["volunteer_id"]].offers_answered = item["n"]
        rows[item["volunteer_id"]].offers_accepted = item["accepted"]
    reference = min(period.ends_at, now)
    for item in (
        Lesson.objects.filter(volunteer_id__in=ids, starts_at__lt=reference)
        .exclude(state=Lesson.State.CANCELLED)
        .values("volunteer_id")
        .annotate(last=Max("starts_at"))
    ):
        row = rows[item["volunteer_id"]]
        row.last_lesson_at = item["last"]
        row.active = item["last"] >= reference - DORMANT_AFTER

    result = list(rows.values())
    hours = [r.hours for r in result]
    median = statistics.median(hours) if hours else None
    peak = max(hours) if hours else None
    active = sum(1 for r in result if r.active)
    spread = LoadSpread(
        volunteers=len(result),
        active=active,
        dormant=len(result) - active,
        total_hours=sum(hours),
        median_hours=median,
        max_hours=peak,
        max_to_median=ratio(peak, median) if median else None,
        gini=gini(hours),
        acceptance_rate=ratio(sum(r.offers_accepted for r in result), sum(r.offers_answered for r in result)),
    )
    return result, spread


# --- outcomes -------------------------------------------------------------------------------------


@dataclass
class SkillRow:
    topic_id: int
    name: str
    skills_reached: int = 0
    learners: int = 0


@dataclass
class Outcomes:
    skills: list[SkillRow]
    learners_served: int
    repeat_learners: int
    could_teach: int
    became_volunteers: int
    became_volunteers_in_period: int


def outcomes(period: Period, *, now: dt.datetime | None = None) -> Outcomes:
    """Skills learners can now do on their own, per topic (from lesson reports), learners who came
    back, and the peer loop: learners who became volunteers."""
    now = now or timezone.now()
    held = _held_lessons(period, now)
    if period.district:
        held = held.filter(venue__district=period.district)
    rows = {
        t.pk: SkillRow(topic_id=t.pk, name=t.display_name)
        for t in Topic.objects.filter(municipality=period.municipality).order_by("order", "id")
    }
    reached = LearnerProgress.skills.through.objects.filter(learnerprogress__booking__lesson__in=held)
    for item in reached.values("skill__topic_id").annotate(
        n=Count("id"), learners=Count("learnerprogress__learner_id", distinct=True)
    ):
        if item["skill__topic_id"] in rows:
            rows[item["skill__topic_id"]].skills_reached = item["n"]
            rows[item["skill__topic_id"]].learners = item["learners"]
    attended = Booking.objects.filter(state=Booking.State.ATTENDED, lesson__in=held)
    per_learner = attended.values("learner_id").annotate(n=Count("id"))
    could_teach = LearnerProgress.objects.filter(booking__lesson__in=held, could_teach=True)
    former = Volunteer.objects.filter(municipality=period.municipality, former_learner__isnull=False)
    if period.district:
        former = former.filter(former_learner__district=period.district)
    counts = former.aggregate(
        total=Count("id"),
        in_period=Count("id", filter=Q(created_at__gte=period.starts_at, created_at__lt=period.ends_at)),
    )
    return Outcomes(
        skills=list(rows.values()),
        learners_served=attended.values("learner_id").distinct().count(),
        repeat_learners=per_learner.filter(n__gte=2).count(),
        could_teach=could_teach.values("learner_id").distinct().count(),
        became_volunteers=counts["total"],
        became_volunteers_in_period=counts["in_period"],
    )


# --- by month: trends and the national program's monthly summary ---------------------------------


@dataclass
class MonthRow:
    """One month in the shape the national program counts, plus requests and no-shows."""

    month: dt.date
    venues_used: int = 0
    lessons_held: int = 0
    volunteers_active: int = 0
    participants: int = 0  # distinct learners (実人数)
    attendances: int = 0  # every attended booking (延べ人数)
    first_time_participants: int = 0
    requests: int = 0
    no_shows: int = 0


def monthly_trends(period: Period, *, now: dt.datetime | None = None) -> list[MonthRow]:
    """Whole months from the period's first month to its last (partial months are counted as far
    as the period reaches). A first-time participant's first attended lesson ever is in that month."""
    now = now or timezone.now()
    zone = period.municipality.zone
    rows = {month: MonthRow(month=month) for month in period.months()}

    def month_of(value: dt.datetime) -> dt.date:
        return value.astimezone(zone).date().replace(day=1)

    held = _held_lessons(period, now)
    requests = _requests(period)
    if period.district:
        held = held.filter(venue__district=period.district)
        requests = requests.filter(where=period.district.pk)
    for item in (
        held.annotate(m=TruncMonth("starts_at", tzinfo=zone))
        .values("m")
        .annotate(
            lessons=Count("id"),
            venues=Count("venue_id", distinct=True),
            volunteers=Count("volunteer_id", distinct=True),
        )
    ):
        row = rows[month_of(item["m"])]
        row.lessons_held, row.venues_used, row.volunteers_active = item["lessons"], item["venues"], item["volunteers"]
    for item in (
        Booking.objects.filter(lesson__in=held, state__in=[Booking.State.ATTENDED, Booking.State.NO_SHOW])
        .annotate(m=TruncMonth("lesson__starts_at", tzinfo=zone))
        .values("m")
        .annotate(
            attendances=Count("id", filter=Q(state=Booking.State.ATTENDED)),
            participants=Count("learner_id", distinct=True, filter=Q(state=Booking.State.ATTENDED)),
            no_shows=Count("id", filter=Q(state=Booking.State.NO_SHOW)),
        )
    ):
        row = rows[month_of(item["m"])]
        row.attendances, row.participants, row.no_shows = item["attendances"], item["participants"], item["no_shows"]
    for item in requests.annotate(m=TruncMonth("created_at", tzinfo=zone)).values("m").annotate(n=Count("id")):
        rows[month_of(item["m"])].requests = item["n"]
    # First lessons ever, for the learners who attended in the period: one grouped query.
    firsts = (
        Booking.objects.filter(
            municipality=period.municipality, state=Booking.State.ATTENDED,
            learner_id__in=Booking.objects.filter(lesson__in=held, state=Booking.State.ATTENDED).values("learner_id"),
        )
        .exclude(lesson__state=Lesson.State.CANCELLED)
        .values("learner_id")
        .annotate(first=Min("lesson__starts_at"))
        .filter(first__gte=period.starts_at, first__lt=period.ends_at)
    )
    for item in firsts:
        month = month_of(item["first"])
        if month in rows:
            rows[month].first_time_participants += 1
    return list(rows.values())


def monthly_summary(*, municipality: Municipality, month: dt.date, now: dt.datetime | None = None) -> MonthRow:
    """The national program's monthly count for one month of one municipality."""
    first = month.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    return monthly_trends(Period(municipality=municipality, start=first, end=last), now=now)[0]


# --- the waiting queue ----------------------------------------------------------------------------


@dataclass
class QueueSummary:
    by_kind: dict[str, int] = field(default_factory=dict)
    applied_volunteers: int = 0

    @property
    def total(self) -> int:
        return sum(self.by_kind.values()) + self.applied_volunteers


def queue_summary(*, municipality: Municipality) -> QueueSummary:
    counts = dict(
        FollowUp.objects.filter(municipality=municipality, state=FollowUp.State.OPEN)
        .values_list("kind")
        .annotate(n=Count("id"))
    )
    return QueueSummary(by_kind=counts, applied_volunteers=_applied_without_case(municipality).count())


def _applied_without_case(municipality: Municipality):
    """Applicants with no open approval case (those with one are listed among the cases)."""
    with_case = FollowUp.objects.filter(
        municipality=municipality, kind=FollowUp.Kind.VOLUNTEER_APPROVAL, state=FollowUp.State.OPEN,
        volunteer__isnull=False,
    ).values("volunteer_id")
    return Volunteer.objects.filter(municipality=municipality, status=Volunteer.Status.APPLIED).exclude(
        pk__in=with_case
    )


def queue_open(*, municipality: Municipality, kind: str = "", page: int = 1, per_page: int = 50) -> Page:
    """Open cases, oldest first, each with what it is about, how many calls were made and the last
    thing done. Three queries for the page (count, rows, their last actions)."""
    cases = (
        FollowUp.objects.filter(municipality=municipality, state=FollowUp.State.OPEN)
        .select_related(
            "learner", "volunteer", "help_request__topic", "help_request__venue",
            "booking__lesson__topic", "booking__lesson__venue",
        )
        .annotate(calls=Count("actions", filter=Q(actions__kind="call")))
        .order_by("opened_at", "id")
    )
    if kind:
        cases = cases.filter(kind=kind)
    result = Paginator(cases, per_page).get_page(page)
    items = list(result.object_list)
    last: dict[int, FollowUpAction] = {}
    for action in FollowUpAction.objects.filter(follow_up__in=[c.pk for c in items]).order_by("created_at", "id"):
        last[action.follow_up_id] = action
    for case in items:
        case.last_action = last.get(case.pk)
    result.object_list = items
    return result


def volunteers_applied(*, municipality: Municipality) -> list[Volunteer]:
    """Applicants waiting for approval for whom no case was opened (the others are cases)."""
    return list(
        _applied_without_case(municipality)
        .prefetch_related("topics")
        .order_by("created_at", "id")
    )


@dataclass
class Suggestion:
    candidate: Candidate
    free_then: bool

    @property
    def reasons(self) -> list[str]:
        """Why matching ranks this volunteer, in words (only the reasons that add or take points)."""
        return [reason_label(r["code"]) for r in self.candidate.reasons if r.get("points")]


def assign_suggestions(*, followup: FollowUp, now: dt.datetime | None = None, limit: int = 8) -> list[Suggestion]:
    """Approved volunteers who teach the request's topic, ranked by matching (with its reasons),
    each marked whether they are free at the wanted time."""
    help_request = followup.help_request
    if help_request is None:
        return []
    now = now or timezone.now()
    volunteers = list(
        Volunteer.objects.filter(
            municipality=followup.municipality, status=Volunteer.Status.APPROVED, topics=help_request.topic
        )
    )
    free: set[int] = set()
    if help_request.venue is not None and help_request.wanted_starts_at is not None:
        slot = find_slot(
            municipality=followup.municipality, topic=help_request.topic, venue=help_request.venue,
            starts_at=help_request.wanted_starts_at, now=now,
        )
        free = set(slot.volunteer_ids) if slot else set()
    ranked = rank_volunteers(volunteers=volunteers, learner=help_request.learner, venue=help_request.venue, now=now)
    ranked.sort(key=lambda c: (c.volunteer.pk not in free, -c.score, c.volunteer.pk))
    return [Suggestion(candidate=c, free_then=c.volunteer.pk in free) for c in ranked[:limit]]


def learner_history(*, learner: Learner) -> list[Booking]:
    return list(
        Booking.objects.filter(learner=learner)
        .select_related("lesson__topic", "lesson__venue", "lesson__volunteer")
        .order_by("-created_at")[:20]
    )


def kiosks_by_venue(*, municipality: Municipality):
    """The municipality's kiosks for the coordinators' list: by venue, working ones before revoked."""
    return (
        KioskDevice.objects.filter(municipality=municipality)
        .select_related("venue__district", "created_by", "revoked_by")
        .order_by("venue__district__order", "venue__name", "venue_id", F("revoked_at").desc(nulls_first=True),
                  "name", "id")
    )
