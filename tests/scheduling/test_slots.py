"""Bookable times: only real free times, inside windows and opening hours, honouring lessons,
exceptions, holidays, weekly caps and minimum notice."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from literacy.people.models import Volunteer
from literacy.scheduling.models import Lesson
from literacy.scheduling.slots import bookable_times, find_slot, is_public_holiday
from tests import factories
from tests.conftest import NOW, TOKYO

MONDAY = NOW.date()  # 2026-12-07


def local(day, hour, minute=0):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


def times(slots):
    return [(s.starts_at.astimezone(TOKYO).strftime("%m-%d %H:%M"), s.instant) for s in slots]


@pytest.fixture
def window(volunteer, venue):
    return factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))


def slots_for(municipality, topic, venue, start, end, **kwargs):
    return bookable_times(municipality=municipality, topic=topic, venue=venue, start_date=start, end_date=end, now=NOW, **kwargs)


def test_window_gives_hourly_times(municipality, topic, venue, window):
    tuesday = MONDAY + dt.timedelta(days=1)
    assert times(slots_for(municipality, topic, venue, MONDAY, MONDAY + dt.timedelta(days=6))) == [
        ("12-08 10:00", False), ("12-08 11:00", False),
    ]
    slot = slots_for(municipality, topic, venue, tuesday, tuesday)[0]
    assert slot.volunteer_ids == (window.volunteer_id,)
    assert slot.seats_left == 1 and slot.format == Lesson.Format.ONE_TO_ONE


def test_instant_window_marks_times_instant(municipality, topic, venue, window):
    window.is_instant = True
    window.save()
    assert all(instant for _, instant in times(slots_for(municipality, topic, venue, MONDAY, MONDAY + dt.timedelta(days=6))))


def test_only_volunteers_who_teach_the_topic_and_are_approved(municipality, topic, venue, window):
    other_topic = factories.TopicFactory(municipality=municipality)
    assert slots_for(municipality, other_topic, venue, MONDAY, MONDAY + dt.timedelta(days=6)) == []
    Volunteer.objects.filter(pk=window.volunteer_id).update(status=Volunteer.Status.PAUSED)
    assert slots_for(municipality, topic, venue, MONDAY, MONDAY + dt.timedelta(days=6)) == []


def test_existing_lesson_removes_overlapping_times_only(municipality, topic, venue, window):
    tuesday = MONDAY + dt.timedelta(days=1)
    factories.LessonFactory(municipality=municipality, volunteer=window.volunteer, venue=venue, topic=topic,
                            starts_at=local(tuesday, 10), ends_at=local(tuesday, 11))
    assert times(slots_for(municipality, topic, venue, tuesday, tuesday)) == [("12-08 11:00", False)]


def test_lesson_elsewhere_also_blocks_the_volunteer(municipality, topic, venue, window):
    tuesday = MONDAY + dt.timedelta(days=1)
    elsewhere = factories.VenueFactory(municipality=municipality, district=venue.district)
    factories.LessonFactory(municipality=municipality, volunteer=window.volunteer, venue=elsewhere, topic=topic,
                            starts_at=local(tuesday, 10, 30), ends_at=local(tuesday, 11, 30))
    assert slots_for(municipality, topic, venue, tuesday, tuesday) == []


def test_cancelled_lesson_frees_the_time(municipality, topic, venue, window):
    tuesday = MONDAY + dt.timedelta(days=1)
    factories.LessonFactory(municipality=municipality, volunteer=window.volunteer, venue=venue, topic=topic,
                            starts_at=local(tuesday, 10), ends_at=local(tuesday, 11), state=Lesson.State.CANCELLED)
    assert len(slots_for(municipality, topic, venue, tuesday, tuesday)) == 2


def test_exception_day_removes_times(municipality, topic, venue, window):
    tuesday = MONDAY + dt.timedelta(days=1)
    factories.AvailabilityExceptionFactory(volunteer=window.volunteer, starts_on=tuesday, ends_on=tuesday)
    assert slots_for(municipality, topic, venue, tuesday, tuesday) == []
    next_tuesday = tuesday + dt.timedelta(days=7)
    assert len(slots_for(municipality, topic, venue, next_tuesday, next_tuesday)) == 2


def test_minimum_notice(municipality, topic, venue, volunteer):
    # Monday window 9–12; it is Monday 08:00 and three hours' notice are needed.
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=0, starts=dt.time(9), ends=dt.time(12))
    assert times(slots_for(municipality, topic, venue, MONDAY, MONDAY)) == [("12-07 11:00", False)]


def test_opening_hours_clip_the_window(municipality, topic, district, volunteer):
    short_venue = factories.VenueFactory(municipality=municipality, district=district, open_every_day=False)
    short_venue.opening_hours.create(weekday=1, opens=dt.time(10, 30), closes=dt.time(13))
    volunteer.venues.add(short_venue)
    factories.AvailabilityFactory(volunteer=volunteer, venue=short_venue, weekday=1, starts=dt.time(9), ends=dt.time(14))
    tuesday = MONDAY + dt.timedelta(days=1)
    assert times(slots_for(municipality, topic, short_venue, tuesday, tuesday)) == [("12-08 10:30", False), ("12-08 11:30", False)]


def test_public_holiday_closes_venue_unless_it_opens_on_holidays(municipality, topic, venue, volunteer):
    new_years_day = dt.date(2027, 1, 1)  # a Friday
    assert is_public_holiday(new_years_day)
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=new_years_day.weekday(),
                                  starts=dt.time(10), ends=dt.time(11))
    assert slots_for(municipality, topic, venue, new_years_day, new_years_day) == []
    venue.opens_on_holidays = True
    venue.save()
    assert len(slots_for(municipality, topic, venue, new_years_day, new_years_day)) == 1


def test_weekly_cap(municipality, topic, venue, window):
    volunteer = window.volunteer
    volunteer.weekly_cap = 1
    volunteer.save()
    wednesday = MONDAY + dt.timedelta(days=2)
    factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                            starts_at=local(wednesday, 14), ends_at=local(wednesday, 15))
    tuesday = MONDAY + dt.timedelta(days=1)
    assert slots_for(municipality, topic, venue, tuesday, tuesday) == []
    # The next week is a fresh week.
    assert len(slots_for(municipality, topic, venue, tuesday + dt.timedelta(days=7), tuesday + dt.timedelta(days=7))) == 2


def test_two_volunteers_same_time_is_one_slot(municipality, topic, venue, window):
    other = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    factories.AvailabilityFactory(volunteer=other, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(11), is_instant=True)
    tuesday = MONDAY + dt.timedelta(days=1)
    first = slots_for(municipality, topic, venue, tuesday, tuesday)[0]
    assert set(first.volunteer_ids) == {window.volunteer_id, other.pk}
    assert first.instant and first.instant_volunteer_ids == (other.pk,)


def test_group_class_seats(municipality, topic, venue, volunteer):
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     format=Lesson.Format.GROUP, seats=3,
                                     starts_at=local(MONDAY + dt.timedelta(days=3), 13), ends_at=local(MONDAY + dt.timedelta(days=3), 15))
    factories.BookingFactory(lesson=lesson)
    slots = slots_for(municipality, topic, venue, MONDAY, MONDAY + dt.timedelta(days=6))
    assert [(s.lesson_id, s.seats_left, s.instant) for s in slots] == [(lesson.pk, 2, True)]
    factories.BookingFactory(lesson=lesson)
    factories.BookingFactory(lesson=lesson)
    assert slots_for(municipality, topic, venue, MONDAY, MONDAY + dt.timedelta(days=6)) == []


def test_district_includes_all_its_venues(municipality, topic, venue, district, window):
    other_venue = factories.VenueFactory(municipality=municipality, district=district)
    factories.AvailabilityFactory(volunteer=window.volunteer, venue=other_venue, weekday=2, starts=dt.time(10), ends=dt.time(11))
    slots = bookable_times(municipality=municipality, topic=topic, district=district, start_date=MONDAY,
                           end_date=MONDAY + dt.timedelta(days=6), now=NOW)
    assert {s.venue_id for s in slots} == {venue.pk, other_venue.pk}


def test_find_slot(municipality, topic, venue, window):
    start = local(MONDAY + dt.timedelta(days=1), 11)
    assert find_slot(municipality=municipality, topic=topic, venue=venue, starts_at=start, now=NOW).starts_at == start
    assert find_slot(municipality=municipality, topic=topic, venue=venue, starts_at=start + dt.timedelta(minutes=30), now=NOW) is None


def test_query_count_does_not_grow_with_range(municipality, topic, venue, window, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        slots = slots_for(municipality, topic, venue, MONDAY, MONDAY + dt.timedelta(days=90))
    # 13 Tuesdays, less 2027-02-23 (Emperor's Birthday, a public holiday), two times each.
    assert len(slots) == 2 * 12


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    windows=st.lists(
        st.tuples(st.integers(0, 6), st.integers(8, 16), st.integers(1, 4), st.booleans()), min_size=1, max_size=5
    ),
    lessons=st.lists(st.tuples(st.integers(0, 13), st.integers(8, 19), st.integers(1, 6)), max_size=6),
    exception_day=st.one_of(st.none(), st.integers(0, 13)),
)
def test_property_times_lie_in_windows_and_never_overlap_lessons(municipality, topic, venue, volunteer, windows, lessons, exception_day):
    volunteer.availabilities.all().delete()
    volunteer.lessons.all().delete()
    volunteer.exceptions.all().delete()
    for weekday, start_hour, hours, instant in windows:
        factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=weekday, starts=dt.time(start_hour),
                                      ends=dt.time(min(start_hour + hours, 23)), is_instant=instant)
    taken = []
    for day_offset, hour, half_hours in lessons:
        start = local(MONDAY + dt.timedelta(days=day_offset), hour)
        end = start + dt.timedelta(minutes=30 * half_hours)
        if any(s < end and e > start for s, e in taken):
            continue
        taken.append((start, end))
        factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic, starts_at=start, ends_at=end)
    if exception_day is not None:
        day = MONDAY + dt.timedelta(days=exception_day)
        factories.AvailabilityExceptionFactory(volunteer=volunteer, starts_on=day, ends_on=day)

    for slot in slots_for(municipality, topic, venue, MONDAY, MONDAY + dt.timedelta(days=13)):
        start, end = slot.starts_at.astimezone(TOKYO), slot.ends_at.astimezone(TOKYO)
        assert start >= NOW + dt.timedelta(hours=municipality.min_notice_hours)
        assert not any(s < end and e > start for s, e in taken), "a free time overlaps a lesson"
        assert any(
            w == start.weekday() and dt.time(h) <= start.time() and end.time() <= dt.time(min(h + n, 23))
            for w, h, n, _ in windows
        ), "a free time lies outside every window"
        assert dt.time(9) <= start.time() and end.time() <= dt.time(17), "outside opening hours"
        if exception_day is not None:
            assert start.date() != MONDAY + dt.timedelta(days=exception_day)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    windows=st.lists(
        st.tuples(st.integers(0, 1), st.integers(0, 6), st.integers(8, 16), st.integers(1, 4), st.booleans()),
        min_size=1, max_size=6,
    ),
    lessons=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 13), st.integers(8, 19), st.integers(1, 6)),
                     max_size=8),
    weekly_caps=st.tuples(st.integers(1, 4), st.integers(1, 4)),
    exception_day=st.one_of(st.none(), st.integers(0, 13)),
    checked_days=st.lists(st.integers(0, 13), min_size=1, max_size=3, unique=True),
)
def test_property_find_slot_agrees_with_bookable_times(municipality, topic, venue, windows, lessons, weekly_caps,
                                                        exception_day, checked_days):
    """find_slot checks one time with narrowed queries; it must answer exactly as the list does,
    for every listed time and for every other half hour of some days (two volunteers, caps,
    lessons elsewhere in the week, a day off)."""
    # Hypothesis runs every example in the same test transaction: each one rolls its rows back.
    with transaction.atomic():
        volunteers = [factories.VolunteerFactory(municipality=municipality, topics=[topic], weekly_cap=cap)
                      for cap in weekly_caps]
        for who, weekday, start_hour, hours, instant in windows:
            factories.AvailabilityFactory(volunteer=volunteers[who], venue=venue, weekday=weekday,
                                          starts=dt.time(start_hour), ends=dt.time(min(start_hour + hours, 23)),
                                          is_instant=instant)
        taken: dict[int, list] = {0: [], 1: []}
        for who, day_offset, hour, half_hours in lessons:
            start = local(MONDAY + dt.timedelta(days=day_offset), hour)
            end = start + dt.timedelta(minutes=30 * half_hours)
            if any(s < end and e > start for s, e in taken[who]):
                continue
            taken[who].append((start, end))
            factories.LessonFactory(municipality=municipality, volunteer=volunteers[who], venue=venue, topic=topic,
                                    starts_at=start, ends_at=end)
        if exception_day is not None:
            day = MONDAY + dt.timedelta(days=exception_day)
            factories.AvailabilityExceptionFactory(volunteer=volunteers[0], starts_on=day, ends_on=day)

        listed = {slot.starts_at: slot for slot in slots_for(municipality, topic, venue, MONDAY,
                                                              MONDAY + dt.timedelta(days=13))}
        candidates = set(listed) | {
            local(MONDAY + dt.timedelta(days=d), hour, minute)
            for d in checked_days for hour in range(8, 20) for minute in (0, 30)
        }
        for starts_at in sorted(candidates):
            found = find_slot(municipality=municipality, topic=topic, venue=venue, starts_at=starts_at, now=NOW)
            expected = listed.get(starts_at)
            assert found == expected, starts_at
            if expected is not None:
                assert (found.volunteer_ids, found.instant_volunteer_ids) == (expected.volunteer_ids,
                                                                               expected.instant_volunteer_ids)
        transaction.set_rollback(True)


def test_find_slot_for_a_class_seat_looks_at_that_class_only(municipality, topic, venue, volunteer,
                                                              django_assert_num_queries):
    starts = local(MONDAY + dt.timedelta(days=3), 13)
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     format=Lesson.Format.GROUP, seats=2, starts_at=starts,
                                     ends_at=starts + dt.timedelta(hours=2))
    factories.BookingFactory(lesson=lesson)
    with django_assert_num_queries(1):
        seat = find_slot(municipality=municipality, topic=topic, venue=venue, starts_at=starts,
                         lesson_id=lesson.pk, now=NOW)
    assert (seat.lesson_id, seat.seats_left) == (lesson.pk, 1)
    assert find_slot(municipality=municipality, topic=topic, venue=venue, starts_at=starts + dt.timedelta(hours=1),
                     lesson_id=lesson.pk, now=NOW) is None
    factories.BookingFactory(lesson=lesson)
    assert find_slot(municipality=municipality, topic=topic, venue=venue, starts_at=starts, lesson_id=lesson.pk,
                     now=NOW) is None


def test_find_slot_reads_only_the_windows_covering_the_time(municipality, topic, venue, window,
                                                            django_assert_num_queries):
    start = local(MONDAY + dt.timedelta(days=1), 11)
    with django_assert_num_queries(2):  # the windows covering it, then that week's lessons of their volunteers
        assert find_slot(municipality=municipality, topic=topic, venue=venue, starts_at=start, now=NOW)
    with django_assert_num_queries(1):  # nobody's window covers Wednesday 11:00: no lessons to read
        assert find_slot(municipality=municipality, topic=topic, venue=venue,
                         starts_at=start + dt.timedelta(days=1), now=NOW) is None
