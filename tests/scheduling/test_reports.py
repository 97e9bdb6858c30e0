"""Lesson reports: attendance, skills per learner, the peer loop and the coordinators' cases."""

import datetime as dt

import pytest

from literacy.core.errors import DomainError, InvalidStateChange, NotFoundError
from literacy.followups.models import FollowUp
from literacy.scheduling.models import Booking, LearnerProgress, Lesson
from literacy.scheduling.services import report_create
from tests import factories
from tests.conftest import NOW


@pytest.fixture
def lesson(municipality, volunteer, venue, topic):
    return factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                   starts_at=NOW - dt.timedelta(hours=2), seats=3, format=Lesson.Format.GROUP)


@pytest.fixture
def bookings(lesson):
    return [factories.BookingFactory(lesson=lesson) for _ in range(3)]


@pytest.fixture
def skills(topic):
    return [factories.SkillFactory(topic=topic, name=name) for name in ("友だち追加", "写真を送る")]


def test_report_marks_attendance_records_skills_and_opens_cases(lesson, bookings, skills, volunteer, topic,
                                                                clock):
    came, also_came, absent = bookings
    report = report_create(
        lesson=lesson, volunteer=volunteer, duration_minutes=75, topics_covered=[topic],
        attendance={came.pk: True, also_came.pk: True, absent.pk: False},
        note_for_next="写真の送り方をもう一度", follow_up_needed=True, follow_up_note="機種変更の相談あり",
        skills_by_booking={came.pk: skills, also_came.pk: skills[:1]},
        could_teach_by_booking={came.pk: True},
    )
    lesson.refresh_from_db()
    assert lesson.state == Lesson.State.COMPLETED and report.duration_minutes == 75
    states = {b.pk: b.state for b in Booking.objects.filter(lesson=lesson)}
    assert states == {came.pk: Booking.State.ATTENDED, also_came.pk: Booking.State.ATTENDED,
                      absent.pk: Booking.State.NO_SHOW}
    progress = LearnerProgress.objects.get(booking=came)
    assert set(progress.skills.all()) == set(skills) and progress.could_teach
    assert not LearnerProgress.objects.filter(booking=absent).exists()
    came.learner.refresh_from_db()
    assert came.learner.could_teach
    cases = {(f.kind, f.learner_id) for f in FollowUp.objects.all()}
    assert cases == {
        (FollowUp.Kind.NO_SHOW, absent.learner_id),
        (FollowUp.Kind.POSSIBLE_TEACHER, came.learner_id),
        (FollowUp.Kind.LESSON_FOLLOW_UP, came.learner_id),
        (FollowUp.Kind.LESSON_FOLLOW_UP, also_came.learner_id),
    }
    assert FollowUp.objects.get(kind=FollowUp.Kind.LESSON_FOLLOW_UP, learner=came.learner).detail == "機種変更の相談あり"


def test_a_lesson_is_reported_once(lesson, bookings, volunteer, clock):
    attendance = {b.pk: True for b in bookings}
    report_create(lesson=lesson, volunteer=volunteer, duration_minutes=60, attendance=attendance)
    with pytest.raises(InvalidStateChange):
        report_create(lesson=lesson, volunteer=volunteer, duration_minutes=60, attendance=attendance)


def test_only_the_lessons_volunteer_reports(lesson, bookings, clock):
    with pytest.raises(NotFoundError):
        report_create(lesson=lesson, volunteer=factories.VolunteerFactory(), duration_minutes=60,
                      attendance={b.pk: True for b in bookings})


def test_a_lesson_cannot_be_reported_before_it_starts(municipality, volunteer, venue, topic, clock):
    future = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic)
    with pytest.raises(InvalidStateChange):
        report_create(lesson=future, volunteer=volunteer, duration_minutes=60, attendance={})


def test_every_booking_needs_an_attendance_mark(lesson, bookings, volunteer, clock):
    with pytest.raises(DomainError):
        report_create(lesson=lesson, volunteer=volunteer, duration_minutes=60,
                      attendance={bookings[0].pk: True})
    lesson.refresh_from_db()
    assert lesson.state == Lesson.State.SCHEDULED


def test_skills_must_belong_to_the_lesson_and_to_a_learner_who_came(lesson, bookings, volunteer, municipality,
                                                                    clock):
    other_topic_skill = factories.SkillFactory(topic=factories.TopicFactory(municipality=municipality))
    attendance = {b.pk: True for b in bookings}
    with pytest.raises(DomainError):
        report_create(lesson=lesson, volunteer=volunteer, duration_minutes=60, attendance=attendance,
                      skills_by_booking={bookings[0].pk: [other_topic_skill]})
    attendance[bookings[0].pk] = False
    with pytest.raises(DomainError):
        report_create(lesson=lesson, volunteer=volunteer, duration_minutes=60, attendance=attendance,
                      skills_by_booking={bookings[0].pk: []})


def test_follow_up_with_nobody_present_is_about_the_lesson(lesson, bookings, volunteer, clock):
    report_create(lesson=lesson, volunteer=volunteer, duration_minutes=30,
                  attendance={b.pk: False for b in bookings}, follow_up_needed=True, follow_up_note="会場が閉まっていた")
    case = FollowUp.objects.get(kind=FollowUp.Kind.LESSON_FOLLOW_UP)
    assert case.volunteer == volunteer and case.detail == "会場が閉まっていた"
    assert FollowUp.objects.filter(kind=FollowUp.Kind.NO_SHOW).count() == 3
