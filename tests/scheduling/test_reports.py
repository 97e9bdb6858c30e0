"""Lesson reports: attendance, skills, the peer loop and follow-ups, and what is refused."""

import datetime as dt

import pytest

from literacy.core.errors import NotFoundError
from literacy.followups.models import FollowUp
from literacy.scheduling.models import Booking, Lesson
from literacy.scheduling.services.reports import (
    AttendanceIncomplete,
    LessonNotYetHeld,
    ReportAlreadyFiled,
    UnknownSkill,
    report_create,
)
from tests import factories
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

AFTER = NOW + dt.timedelta(days=2, hours=2)


@pytest.fixture
def group(municipality, volunteer, venue, topic):
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     format=Lesson.Format.GROUP, seats=3, starts_at=NOW + dt.timedelta(days=2))
    came = factories.BookingFactory(lesson=lesson)
    missed = factories.BookingFactory(lesson=lesson)
    factories.BookingFactory(lesson=lesson, state=Booking.State.CANCELLED)
    return lesson, came, missed


def test_report_marks_attendance_and_progress(group, volunteer, topic):
    lesson, came, missed = group
    skill = factories.SkillFactory(topic=topic)
    report = report_create(
        lesson=lesson, volunteer=volunteer, attendance={came.pk: True, missed.pk: False}, duration_minutes=55,
        note_for_next="スタンプの送り方", skills_by_booking={came.pk: [skill.pk]},
        could_teach_by_booking={came.pk: True}, now=AFTER,
    )
    lesson.refresh_from_db()
    came.refresh_from_db()
    missed.refresh_from_db()
    assert lesson.state == Lesson.State.COMPLETED
    assert (came.state, missed.state) == (Booking.State.ATTENDED, Booking.State.NO_SHOW)
    progress = report.progress.get()
    assert progress.booking == came and list(progress.skills.all()) == [skill] and progress.could_teach
    assert list(report.topics_covered.all()) == [topic]
    came.learner.refresh_from_db()
    assert came.learner.could_teach and came.learner.last_active_at == AFTER
    kinds = set(FollowUp.objects.values_list("kind", "learner_id"))
    # The no-show is called back; the learner who could teach is put in front of a coordinator.
    assert kinds == {(FollowUp.Kind.NO_SHOW, missed.learner_id), (FollowUp.Kind.POSSIBLE_TEACHER, came.learner_id)}


def test_follow_up_needed_opens_a_case_per_learner_who_came(group, volunteer):
    lesson, came, missed = group
    report_create(lesson=lesson, volunteer=volunteer, attendance={came.pk: True, missed.pk: True},
                  duration_minutes=60, follow_up_needed=True, note_for_next="もう一度", now=AFTER)
    assert FollowUp.objects.filter(kind=FollowUp.Kind.LESSON_FOLLOW_UP).count() == 2


def test_only_the_lessons_volunteer_reports(group, municipality, topic):
    lesson, came, missed = group
    other = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    with pytest.raises(NotFoundError):
        report_create(lesson=lesson, volunteer=other, attendance={came.pk: True, missed.pk: True},
                      duration_minutes=60, now=AFTER)


def test_a_lesson_is_reported_once(group, volunteer):
    lesson, came, missed = group
    kwargs = {"lesson": lesson, "volunteer": volunteer, "attendance": {came.pk: True, missed.pk: True},
              "duration_minutes": 60, "now": AFTER}
    report_create(**kwargs)
    with pytest.raises(ReportAlreadyFiled):
        report_create(**kwargs)


def test_refuses_before_the_lesson_and_incomplete_or_foreign_input(group, volunteer, municipality):
    lesson, came, missed = group
    with pytest.raises(LessonNotYetHeld):
        report_create(lesson=lesson, volunteer=volunteer, attendance={came.pk: True, missed.pk: True},
                      duration_minutes=60, now=NOW)
    with pytest.raises(AttendanceIncomplete):
        report_create(lesson=lesson, volunteer=volunteer, attendance={came.pk: True}, duration_minutes=60, now=AFTER)
    other_topic_skill = factories.SkillFactory(topic=factories.TopicFactory(municipality=municipality))
    with pytest.raises(UnknownSkill):
        report_create(lesson=lesson, volunteer=volunteer, attendance={came.pk: True, missed.pk: True},
                      skills_by_booking={came.pk: [other_topic_skill.pk]}, duration_minutes=60, now=AFTER)
    lesson.refresh_from_db()
    assert lesson.state == Lesson.State.SCHEDULED and not hasattr(lesson, "report")
