"""After a lesson: the volunteer's report — who came, what each learner can now do, what next.

One report per lesson. It completes the lesson, marks every booking attended or no-show, records
each attending learner's skills, and opens the coordinators' cases the report calls for: a call
to each no-show, an invitation for a learner who could teach others (the peer loop), and the
follow-up the volunteer asked for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import DomainError, InvalidStateChange, NotFoundError
from literacy.curriculum.models import Skill, Topic
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_open
from literacy.people.models import Learner, Volunteer
from literacy.scheduling.models import Booking, LearnerProgress, Lesson, LessonReport

MAX_LESSON_MINUTES = 8 * 60


@transaction.atomic
def report_create(
    *,
    lesson: Lesson,
    volunteer: Volunteer,
    attendance: Mapping[int, bool],
    duration_minutes: int,
    topics_covered: Iterable[Topic] = (),
    note_for_next: str = "",
    follow_up_needed: bool = False,
    follow_up_note: str = "",
    skills_by_booking: Mapping[int, Iterable[Skill]] | None = None,
    could_teach_by_booking: Mapping[int, bool] | None = None,
    now: dt.datetime | None = None,
) -> LessonReport:
    """Report a lesson that has started. `attendance` maps every booked booking's id to
    attended (True) or no-show (False); skills and "could teach" are keyed the same way."""
    now = now or timezone.now()
    skills_by_booking = skills_by_booking or {}
    could_teach_by_booking = could_teach_by_booking or {}
    if lesson.volunteer_id != volunteer.pk:
        raise NotFoundError()
    lesson = Lesson.objects.select_for_update(of=("self",)).select_related("municipality").get(pk=lesson.pk)
    if lesson.state == Lesson.State.COMPLETED or LessonReport.objects.filter(lesson=lesson).exists():
        raise InvalidStateChange(_("このレッスンはすでに報告されています。"), code="already_reported")
    if lesson.state != Lesson.State.SCHEDULED:
        raise InvalidStateChange()
    if lesson.starts_at > now:
        raise InvalidStateChange(_("始まる前のレッスンは報告できません。"), code="lesson_not_started")
    if not 1 <= duration_minutes <= MAX_LESSON_MINUTES:
        raise DomainError(_("活動時間は1分から%(max)d分までで入力してください。"), code="bad_duration",
                          max=MAX_LESSON_MINUTES)

    bookings = {b.pk: b for b in lesson.bookings.filter(state=Booking.State.BOOKED).select_related("learner")}
    if set(attendance) != set(bookings):
        raise DomainError(_("予約している受講者全員の出欠を入力してください。"), code="attendance_incomplete")
    topics = list(topics_covered) or [lesson.topic]
    topic_ids = {t.pk for t in topics} | {lesson.topic_id}
    if any(t.municipality_id != lesson.municipality_id for t in topics):
        raise DomainError(_("ほかの市町村の相談内容は選べません。"), code="other_municipality")
    for booking_id, skills in skills_by_booking.items():
        if booking_id not in bookings or not attendance[booking_id]:
            raise DomainError(_("欠席した受講者には、できるようになったことを記録できません。"),
                              code="skills_for_absent_learner")
        if any(skill.topic_id not in topic_ids for skill in skills):
            raise DomainError(_("選んだ相談内容にない項目が含まれています。"), code="skill_not_in_topic")

    report = LessonReport(
        lesson=lesson, volunteer=volunteer, duration_minutes=duration_minutes,
        note_for_next=note_for_next.strip(), follow_up_needed=follow_up_needed,
        follow_up_note=follow_up_note.strip(),
    )
    report.full_clean(exclude=["lesson", "volunteer"])
    report.save()
    report.topics_covered.set(topics)

    municipality = lesson.municipality
    teachers: list[Learner] = []
    for booking_id, booking in bookings.items():
        attended = attendance[booking_id]
        booking.state = Booking.State.ATTENDED if attended else Booking.State.NO_SHOW
        booking.save(update_fields=["state", "updated_at"])
        if not attended:
            followup_open(
                municipality=municipality, kind=FollowUp.Kind.NO_SHOW, booking=booking,
                learner=booking.learner, now=now,
            )
            continue
        could_teach = bool(could_teach_by_booking.get(booking_id))
        progress = LearnerProgress.objects.create(
            report=report, booking=booking, learner=booking.learner, could_teach=could_teach,
        )
        progress.skills.set(skills_by_booking.get(booking_id, ()))
        if could_teach:
            teachers.append(booking.learner)
        if follow_up_needed:
            followup_open(
                municipality=municipality, kind=FollowUp.Kind.LESSON_FOLLOW_UP, booking=booking,
                learner=booking.learner, detail=report.follow_up_note, now=now,
            )
    for learner in teachers:
        if not learner.could_teach:
            learner.could_teach = True
            learner.save(update_fields=["could_teach", "updated_at"])
        followup_open(
            municipality=municipality, kind=FollowUp.Kind.POSSIBLE_TEACHER, learner=learner, now=now,
        )
    if follow_up_needed and not any(attendance.values()):
        # Nobody came, yet the volunteer wants someone to act: the case is about the lesson.
        followup_open(
            municipality=municipality, kind=FollowUp.Kind.LESSON_FOLLOW_UP, volunteer=volunteer,
            detail=report.follow_up_note, now=now,
        )

    lesson.state = Lesson.State.COMPLETED
    lesson.save(update_fields=["state", "updated_at"])
    return report
