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

Speed at prefecture scale (docs/performance.md, "Dashboard"): every query starts from one
municipality's rows of the period in a covering index (lesson: municipality, starts_at, …;
booking: municipality, state, lesson, learner; request: municipality, created_at, …; learner:
id, district), so PostgreSQL answers from the indexes without visiting the rows. That is why
rows are counted with COUNT(*) or a column the index holds, never COUNT(id), and why bookings
reach their lessons through a join (`_bookings`) rather than `lesson__in=<subquery>`.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    DurationField,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
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
        return self.midnight(self.start)

    @property
    def ends_at(self) -> dt.datetime:
        """Exclusive: midnight after the last day."""
        return self.midnight(self.end + dt.timedelta(days=1))

    def midnight(self, day: dt.date) -> dt.datetime:
        """The start of a local day in the municipality."""
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.municipality.zone)

    def months(self) -> list[dt.date]:
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = _next_month(month)
        return months


def _next_month(month: dt.date) -> dt.date:
    return (month.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def _held(period: Period, now: dt.datetime, *, to: str = "", cancelled: bool = False) -> Q:
    """The lessons of the period that have started and were not cancelled (held), reached
    through the relation `to` ("lesson__" from a booking); with `cancelled`, cancelled ones too."""
    condition = Q(**{
        f"{to}municipality": period.municipality,
        f"{to}starts_at__gte": period.starts_at,
        f"{to}starts_at__lt": min(period.ends_at, now),
    })
    if not cancelled:
        condition &= ~Q(**{f"{to}state": Lesson.State.CANCELLED})
    return condition


def _in_venue_district(period: Period, *, to: str = "") -> Q:
    """A lesson is in the district of its venue (when the period names a district)."""
    return Q(**{f"{to}venue__district": period.district}) if period.district else Q()


def _held_lessons(period: Period, now: dt.datetime):
    return Lesson.objects.filter(_held(period, now))


def _bookings(period: Period, now: dt.datetime, *, cancelled: bool = False):
    """Bookings in the held lessons of the period (with `cancelled`, in cancelled ones too),
    joined to them rather than `lesson__in=<subquery>`.

    A booking is always in its lesson's municipality. Saying so for the booking too lets
    PostgreSQL hash-join two index-only scans (the municipality's bookings, the period's lessons)
    instead of probing the booking index once per lesson. SQLite, which keeps no statistics
    unless told to, would instead walk the municipality's bookings once per lesson: there the
    lessons lead and each finds its bookings by (lesson, state)."""
    bookings = Booking.objects.filter(_held(period, now, to="lesson__", cancelled=cancelled))
    return bookings.filter(municipality=period.municipality) if connection.vendor == "postgresql" else bookings


def _requests(period: Period, *, where: bool = False):
    """Requests created in the period; with `where`, annotated with the district they count in
    (the one asked for, else the learner's home district: only then joined to the learner), and
    only that district's when the period names one."""
    requests = HelpRequest.objects.filter(
        municipality=period.municipality, created_at__gte=period.starts_at, created_at__lt=period.ends_at
    )
    if where or period.district:
        requests = requests.annotate(where=Coalesce("district_id", "learner__district_id"))
    return requests.filter(where=period.district.pk) if period.district else requests


class MedianDuration(Aggregate):
    """PostgreSQL's exact median of an interval (percentile_cont works on intervals)."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


@dataclass(frozen=True)
class RequestCounts:
    requests: int
    matched: int
    median_hours_to_match: float | None


def _requests_by_district(period: Period) -> dict[int | None, RequestCounts]:
    """Requests, matched ones and the median hours from request to scheduled, per district.
    PostgreSQL does it in one pass (percentile_cont over the matched ones); SQLite has no
    percentile, so the matched durations come back in a second query and the median is taken
    here — the same numbers, tested on both."""
    requests = _requests(period, where=True).values("where")
    matched = Q(state=HelpRequest.State.SCHEDULED)
    has_time = matched & Q(scheduled_at__isnull=False)
    counts = {"n": Count("*"), "matched": Count("state", filter=matched)}
    if connection.vendor == "postgresql":
        return {
            item["where"]: RequestCounts(item["n"], item["matched"],
                                         item["median"].total_seconds() / 3600 if item["median"] else None)
            for item in requests.annotate(
                **counts, median=MedianDuration(F("scheduled_at") - F("created_at"), filter=has_time)
            )
        }
    hours: dict[int | None, list[float]] = defaultdict(list)
    for where, created_at, scheduled_at in requests.filter(has_time).values_list("where", "created_at", "scheduled_at"):
        hours[where].append((scheduled_at - created_at).total_seconds() / 3600)
    return {
        item["where"]: RequestCounts(item["n"], item["matched"],
                                     statistics.median(hours[item["where"]]) if hours[item["where"]] else None)
        for item in requests.annotate(**counts)
    }


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

    for where, counts in _requests_by_district(period).items():
        if (r := row(where)) is not None:
            r.requests, r.matched, r.median_hours_to_match = counts.requests, counts.matched, counts.median_hours_to_match

    held = _held_lessons(period, now)
    for item in held.values("venue__district_id").annotate(n=Count("*")):
        if (r := row(item["venue__district_id"])) is not None:
            r.lessons = item["n"]

    # Cancelled lessons are not held, but the bookings cancelled in them still count as cancelled.
    bookings = _bookings(period, now, cancelled=True).exclude(state=Booking.State.WAITLISTED)
    for item in bookings.values("lesson__venue__district_id").annotate(
        n=Count("*"),
        attended=Count("state", filter=Q(state=Booking.State.ATTENDED)),
        no_shows=Count("state", filter=Q(state=Booking.State.NO_SHOW)),
        cancelled=Count("state", filter=Q(state=Booking.State.CANCELLED)),
    ):
        if (r := row(item["lesson__venue__district_id"])) is not None:
            r.bookings, r.attended = item["n"], item["attended"]
            r.no_shows, r.cancelled = item["no_shows"], item["cancelled"]

    for item in (
        _bookings(period, now).filter(state=Booking.State.ATTENDED)
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
        lessons = lessons.filter(venue__district=period.district)
    for item in requests.values("topic_id").annotate(
        n=Count("*"), matched=Count("state", filter=Q(state=HelpRequest.State.SCHEDULED))
    ):
        if item["topic_id"] in rows:
            rows[item["topic_id"]].requests = item["n"]
            rows[item["topic_id"]].matched = item["matched"]
    for item in lessons.values("topic_id").annotate(n=Count("*")):
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
    reference = min(period.ends_at, now)
    volunteers = Volunteer.objects.filter(municipality=period.municipality, status=Volunteer.Status.APPROVED)
    if period.district:
        volunteers = volunteers.filter(districts=period.district)
    # Each volunteer's last held lesson (in any municipality): a few index entries of
    # (volunteer, starts_at) read backwards per volunteer, not a MAX over all their lessons.
    last = (
        Lesson.objects.filter(volunteer=OuterRef("pk"), starts_at__lt=reference)
        .exclude(state=Lesson.State.CANCELLED)
        .order_by("-starts_at")
        .values("starts_at")[:1]
    )
    rows = {
        pk: VolunteerRow(volunteer_id=pk, name=name, last_lesson_at=last_lesson_at,
                         active=last_lesson_at is not None and last_lesson_at >= reference - DORMANT_AFTER)
        for pk, name, last_lesson_at in volunteers.annotate(last_lesson_at=Subquery(last))
        .order_by("name_kana", "id").values_list("pk", "name", "last_lesson_at")
    }
    ids = list(rows)
    for item in (
        _held_lessons(period, now)
        .values("volunteer_id")
        .annotate(n=Count("*"), duration=Sum(F("ends_at") - F("starts_at")))
    ):
        if (row := rows.get(item["volunteer_id"])) is None:
            continue  # no longer approved, or not in the chosen district
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
    rows = {
        t.pk: SkillRow(topic_id=t.pk, name=t.display_name)
        for t in Topic.objects.filter(municipality=period.municipality).order_by("order", "id")
    }
    to = "learnerprogress__booking__lesson__"
    reached = LearnerProgress.skills.through.objects.filter(
        _held(period, now, to=to), _in_venue_district(period, to=to)
    )
    for item in reached.values("skill__topic_id").annotate(
        n=Count("*"), learners=Count("learnerprogress__learner_id", distinct=True)
    ):
        if item["skill__topic_id"] in rows:
            rows[item["skill__topic_id"]].skills_reached = item["n"]
            rows[item["skill__topic_id"]].learners = item["learners"]
    attended = _bookings(period, now).filter(_in_venue_district(period, to="lesson__"), state=Booking.State.ATTENDED)
    # Learners served and those who came twice or more, from one pass over the attended bookings.
    learners = attended.values("learner_id").annotate(n=Count("*")).aggregate(
        served=Count("learner_id"), repeat=Count("learner_id", filter=Q(n__gte=2))
    )
    could_teach = LearnerProgress.objects.filter(
        _held(period, now, to="booking__lesson__"), _in_venue_district(period, to="booking__lesson__"),
        could_teach=True,
    )
    former = Volunteer.objects.filter(municipality=period.municipality, former_learner__isnull=False)
    if period.district:
        former = former.filter(former_learner__district=period.district)
    counts = former.aggregate(
        total=Count("id"),
        in_period=Count("id", filter=Q(created_at__gte=period.starts_at, created_at__lt=period.ends_at)),
    )
    return Outcomes(
        skills=list(rows.values()),
        learners_served=learners["served"],
        repeat_learners=learners["repeat"],
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
    months = period.months()
    rows = [MonthRow(month=month) for month in months]

    def month_of(field: str) -> Case:
        # The month's index by comparisons with local midnights, not a time-zone function per
        # row (on SQLite, Django's month truncation is Python, called for every row). With one
        # month it is a constant, and the queries below clear the models' ordering so that
        # PostgreSQL does not sort a single-group aggregate by a column it does not group by.
        return Case(
            *[When(**{f"{field}__lt": period.midnight(later)}, then=Value(i)) for i, later in enumerate(months[1:])],
            default=Value(len(months) - 1),
        )

    held = _held_lessons(period, now).filter(_in_venue_district(period))
    for item in held.order_by().values(m=month_of("starts_at")).annotate(
        lessons=Count("*"), venues=Count("venue_id", distinct=True), volunteers=Count("volunteer_id", distinct=True),
    ):
        row = rows[item["m"]]
        row.lessons_held, row.venues_used, row.volunteers_active = item["lessons"], item["venues"], item["volunteers"]
    attended = _bookings(period, now).filter(state=Booking.State.ATTENDED)
    for item in (
        _bookings(period, now).filter(_in_venue_district(period, to="lesson__"),
                                      state__in=[Booking.State.ATTENDED, Booking.State.NO_SHOW])
        .order_by()
        .values(m=month_of("lesson__starts_at"))
        .annotate(
            attendances=Count("state", filter=Q(state=Booking.State.ATTENDED)),
            participants=Count("learner_id", distinct=True, filter=Q(state=Booking.State.ATTENDED)),
            no_shows=Count("state", filter=Q(state=Booking.State.NO_SHOW)),
        )
    ):
        row = rows[item["m"]]
        row.attendances, row.participants, row.no_shows = item["attendances"], item["participants"], item["no_shows"]
    for item in _requests(period).order_by().values(m=month_of("created_at")).annotate(n=Count("*")):
        rows[item["m"]].requests = item["n"]
    # First-time participants: learners who attended in the period (in the district, if one is
    # chosen) and never before it in this municipality; the first lesson is their earliest in the
    # period, anywhere in the municipality. One query: NOT EXISTS reads each learner's own
    # bookings by (learner, state), and the months are counted in the database (a column each).
    earlier = Booking.objects.filter(
        learner_id=OuterRef("learner_id"), state=Booking.State.ATTENDED,
        lesson__municipality=period.municipality, lesson__starts_at__lt=period.starts_at,
    ).exclude(lesson__state=Lesson.State.CANCELLED)
    firsts = attended.values("learner_id").annotate(first=Min("lesson__starts_at")).filter(~Exists(earlier))
    if period.district:
        firsts = firsts.filter(
            learner_id__in=attended.filter(lesson__venue__district=period.district).values("learner_id")
        )
    counts = firsts.aggregate(**{
        f"m{i}": Count("learner_id", filter=Q(first__gte=period.midnight(month),
                                              first__lt=period.midnight(_next_month(month))))
        for i, month in enumerate(months)
    })
    for i, row in enumerate(rows):
        row.first_time_participants = counts[f"m{i}"]
    return rows


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
