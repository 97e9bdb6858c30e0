"""Coverage numbers against the hand count in tests/coverage/conftest.py::world."""

import datetime as dt

import pytest

from literacy.coverage import selectors
from literacy.coverage.selectors import Period, gini
from literacy.scheduling.models import Booking, Lesson
from tests import factories


@pytest.fixture
def november(world):
    return Period(municipality=world.m, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30))


def by_name(rows):
    return {row.name: row for row in rows}


def test_by_district_counts_by_hand(world, november):
    rows = by_name(selectors.coverage_by_district(november))
    assert list(rows) == ["旧八女市", "上陽", "星野"]  # no unassigned row: every item has a district

    a = rows["旧八女市"]
    assert a.senior_population == 12000
    assert a.learners_served == 2  # P, and U (no home district: the venue's)
    assert a.served_per_thousand_seniors == pytest.approx(2000 / 12000)
    assert (a.requests, a.matched) == (3, 2)  # H1, H3, H5
    assert a.share_matched == pytest.approx(2 / 3)
    assert a.median_hours_to_match == 2.0  # median of 3 h and 1 h
    assert a.lessons == 2  # L1, L2 (L4 was cancelled)
    assert (a.bookings, a.attended, a.no_shows, a.cancelled) == (6, 4, 1, 1)
    assert a.no_show_rate == pytest.approx(1 / 5)
    assert a.cancellation_rate == pytest.approx(1 / 6)

    b = rows["上陽"]  # a district with no volunteers
    assert b.learners_served == 1  # Q
    assert b.served_per_thousand_seniors == pytest.approx(0.5)
    assert (b.requests, b.matched) == (2, 1)  # H2 (venue vB) and H4 (S lives in 上陽)
    assert b.median_hours_to_match == 24.0
    assert b.lessons == 1
    assert (b.bookings, b.attended, b.no_shows, b.cancelled) == (2, 1, 0, 1)
    assert b.no_show_rate == 0
    assert b.cancellation_rate == pytest.approx(0.5)

    c = rows["星野"]  # an empty district
    assert (c.learners_served, c.requests, c.matched, c.lessons, c.bookings) == (0, 0, 0, 0, 0)
    assert c.served_per_thousand_seniors == 0
    assert c.share_matched is None and c.median_hours_to_match is None
    assert c.no_show_rate is None and c.cancellation_rate is None


def test_by_district_filtered_to_one(world, november):
    period = Period(municipality=world.m, start=november.start, end=november.end, district=world.district_b)
    rows = selectors.coverage_by_district(period)
    assert [r.name for r in rows] == ["上陽"]
    assert rows[0].requests == 2


def test_unassigned_row_appears_for_items_without_district(world, november):
    world.h4.learner.district = None
    world.h4.learner.save()
    rows = by_name(selectors.coverage_by_district(november))
    assert rows["上陽"].requests == 1
    assert rows["地区未設定"].requests == 1


def test_by_topic_demand_against_supply(world, november):
    rows = by_name(selectors.coverage_by_topic(november))
    t1, t2 = rows["LINEの使い方"], rows["地図アプリ"]
    assert (t1.requests, t1.matched, t1.lessons) == (4, 2, 2)  # H1 H3 H4 H5; L1 L2
    assert (t1.volunteers, t1.weekly_hours) == (2, 6.0)  # V1 5 h + V2 1 h (applicant V3 not counted)
    assert t1.requests_per_weekly_hour == pytest.approx(4 / 6)
    assert (t2.requests, t2.matched, t2.lessons) == (1, 1, 1)
    assert (t2.volunteers, t2.weekly_hours) == (2, 1.0)  # V2 1 h, V4 no windows


def test_by_topic_in_a_district_with_no_volunteers(world, november):
    period = Period(municipality=world.m, start=november.start, end=november.end, district=world.district_b)
    rows = by_name(selectors.coverage_by_topic(period))
    t1, t2 = rows["LINEの使い方"], rows["地図アプリ"]
    assert (t1.requests, t1.volunteers, t1.weekly_hours) == (1, 0, 0.0)  # H4
    assert t1.requests_per_weekly_hour is None
    assert (t2.requests, t2.lessons, t2.volunteers) == (1, 1, 0)  # H2, L3


def test_volunteer_load_and_spread(world, november):
    rows, spread = selectors.volunteer_load(november)
    rows = {r.volunteer_id: r for r in rows}
    assert set(rows) == {world.v1.pk, world.v2.pk, world.v4.pk}  # the applicant V3 is not counted
    v1, v2, v4 = rows[world.v1.pk], rows[world.v2.pk], rows[world.v4.pk]
    assert (v1.lessons, v1.hours, v1.offers_answered, v1.offers_accepted) == (2, 3.0, 2, 1)
    assert v1.acceptance_rate == 0.5
    assert (v2.lessons, v2.hours, v2.offers_answered, v2.offers_accepted) == (1, 1.0, 1, 0)  # pending not counted
    assert (v4.lessons, v4.hours, v4.acceptance_rate) == (0, 0.0, None)
    assert v1.active and v2.active and not v4.active
    assert (spread.volunteers, spread.active, spread.dormant) == (3, 2, 1)
    assert spread.total_hours == 4.0
    assert (spread.median_hours, spread.max_hours, spread.max_to_median) == (1.0, 3.0, 3.0)
    # hours 0, 1, 3: Gini = 2·(1·0 + 2·1 + 3·3) / (3·4) − 4/3 = 22/12 − 16/12 = 0.5
    assert spread.gini == pytest.approx(0.5)
    assert spread.acceptance_rate == pytest.approx(1 / 3)


def test_dormant_after_sixty_days_without_a_lesson(world):
    # Early December: both volunteers taught in the 60 days before the clock.
    period = Period(municipality=world.m, start=dt.date(2026, 12, 1), end=dt.date(2026, 12, 6))
    rows, spread = selectors.volunteer_load(period)
    assert {r.volunteer_id for r in rows if r.active} == {world.v1.pk, world.v2.pk}
    world.clock.move_to(dt.datetime(2027, 1, 10, 9, tzinfo=world.at(1, 1).tzinfo))
    # V1's lesson on Dec 10 is held by then; V2's last was Nov 10, 61 days before Jan 10 09:00.
    period = Period(municipality=world.m, start=dt.date(2027, 1, 1), end=dt.date(2027, 1, 31))
    rows, spread = selectors.volunteer_load(period)
    assert {r.volunteer_id for r in rows if r.active} == {world.v1.pk}
    assert (spread.active, spread.dormant, spread.gini) == (1, 2, None)  # no hours in January


def test_volunteer_load_in_a_district_with_no_volunteers(world, november):
    period = Period(municipality=world.m, start=november.start, end=november.end, district=world.district_b)
    rows, spread = selectors.volunteer_load(period)
    assert rows == []
    assert (spread.volunteers, spread.median_hours, spread.gini, spread.acceptance_rate) == (0, None, None, None)


def test_outcomes(world, november):
    result = selectors.outcomes(november)
    skills = by_name(result.skills)
    assert (skills["LINEの使い方"].skills_reached, skills["LINEの使い方"].learners) == (3, 2)
    assert (skills["地図アプリ"].skills_reached, skills["地図アプリ"].learners) == (1, 1)
    assert result.learners_served == 3  # P, Q, U
    assert result.repeat_learners == 2  # P (L1, L2) and Q (L1, L3)
    assert result.could_teach == 1
    assert (result.became_volunteers, result.became_volunteers_in_period) == (1, 0)


def test_monthly_trends_in_the_national_shape(world):
    period = Period(municipality=world.m, start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 30))
    october, november = selectors.monthly_trends(period)
    assert october.month == dt.date(2026, 10, 1)
    assert (october.lessons_held, october.venues_used, october.volunteers_active) == (1, 1, 1)
    assert (october.participants, october.attendances, october.first_time_participants) == (1, 1, 1)
    assert (october.requests, october.no_shows) == (1, 0)
    assert (november.lessons_held, november.venues_used, november.volunteers_active) == (3, 2, 2)
    assert (november.participants, november.attendances) == (3, 5)
    assert november.first_time_participants == 2  # Q and U; P first came in October
    assert (november.requests, november.no_shows) == (5, 1)


def test_monthly_summary_is_one_month(world):
    summary = selectors.monthly_summary(municipality=world.m, month=dt.date(2026, 11, 15))
    assert (summary.month, summary.lessons_held, summary.first_time_participants) == (dt.date(2026, 11, 1), 3, 2)


def test_other_municipality_never_counted(world, november):
    other = Period(municipality=world.other, start=november.start, end=november.end)
    assert selectors.monthly_trends(other)[0].lessons_held == 1
    assert sum(r.requests for r in selectors.coverage_by_district(november)) == 5


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], None), ([0, 0], None), ([2, 2, 2], 0.0), ([0, 0, 0, 4], 0.75), ([0, 1, 3], 0.5)],
)
def test_gini(values, expected):
    assert gini(values) == (pytest.approx(expected) if expected is not None else None)


def test_median_of_an_even_count_is_the_mean_of_the_middle_two(world, november):
    # A third matched request in 上陽 (+6 h): times 24 h and 6 h → median 15 h, on both databases.
    from literacy.scheduling.models import HelpRequest

    request = HelpRequest.objects.create(
        municipality=world.m, learner=world.q, topic=world.t1, venue=world.venue_b, district=world.district_b,
        channel="kiosk", deadline=world.at(11, 25), state=HelpRequest.State.SCHEDULED, scheduled_at=world.at(11, 21, 16),
    )
    HelpRequest.objects.filter(pk=request.pk).update(created_at=world.at(11, 21, 10))
    rows = by_name(selectors.coverage_by_district(november))
    assert rows["上陽"].median_hours_to_match == 15.0
    assert rows["旧八女市"].median_hours_to_match == 2.0


def test_first_time_in_a_district_is_the_first_lesson_anywhere_in_the_city(world):
    # Q also came to L5 (Oct 20, 旧八女市). In 上陽 Q's first lesson there (Nov 10) is not a first
    # time: the first lesson anywhere in the city was in October, in the other district.
    factories.BookingFactory(lesson=world.l5, learner=world.q, state=Booking.State.ATTENDED)
    in_b = Period(municipality=world.m, start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 30), district=world.district_b)
    october, november = selectors.monthly_trends(in_b)
    assert (october.first_time_participants, november.first_time_participants) == (1, 0)
    assert (october.participants, november.participants) == (0, 1)  # Q came to 上陽 only in November
    november_only = Period(municipality=world.m, start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30),
                           district=world.district_b)
    assert selectors.monthly_trends(november_only)[0].first_time_participants == 0


def test_an_attendance_in_a_cancelled_lesson_is_not_a_first_time(world):
    # Attendances recorded in cancelled lessons never count: U's in L4 (Nov 16) changes nothing,
    # and Q's in a lesson cancelled on Oct 5 does not make Q's first lesson an October one.
    factories.BookingFactory(lesson=world.l4, learner=world.u, state=Booking.State.ATTENDED)
    cancelled_october = factories.LessonFactory(
        municipality=world.m, volunteer=world.v2, venue=world.venue_a, topic=world.t1, starts_at=world.at(10, 5),
        ends_at=world.at(10, 5, 11), state=Lesson.State.CANCELLED,
    )
    factories.BookingFactory(lesson=cancelled_october, learner=world.q, state=Booking.State.ATTENDED)
    period = Period(municipality=world.m, start=dt.date(2026, 10, 1), end=dt.date(2026, 11, 30))
    october, november = selectors.monthly_trends(period)
    assert (october.first_time_participants, november.first_time_participants) == (1, 2)  # P; Q and U
