"""Lesson reports: after a lesson the volunteer records who came, what each learner can now do
on their own, and whether someone should follow up. No-shows are called, not dropped; learners
who could teach are put in front of a coordinator (the peer loop)."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import ConflictError, DomainError, InvalidStateChange, NotFoundError
from literacy.curriculum.models import Skill
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_open
from literacy.people.models import Volunteer
from literacy.scheduling.models import Booking, LearnerProgress, Lesson, LessonReport


class ReportAlreadyFiled(ConflictError):
    code = "report_exists"
    message = _("このレッスンの報告はすでに提出されています。")


class LessonNotYetHeld(InvalidStateChange):
    code = "lesson_not_started"
    message = _("レッスンが始まる前には報告できません。")


class AttendanceIncomplete(DomainError):
    code = "attendance_incomplete"
    message = _("参加された方それぞれについて、出席か欠席かを入力してください。")


class UnknownSkill(DomainError):
    code = "unknown_skill"
    message = _("このレッスンの相談内容にない項目が含まれています。")


@transaction.atomic
def report_create(
    *,
    lesson: Lesson,
    volunteer: Volunteer,
    attendance: dict[int, bool],
    duration_minutes: int,
    note_for_next: str = "",
    follow_up_needed: bool = False,
    skills_by_booking: dict[int, list[int]] | None = None,
    could_teach_by_booking: dict[int, bool] | None = None,
    now: dt.datetime | None = None,
) -> LessonReport:
    """File the report for the volunteer's own lesson and mark it completed.

    attendance names every learner's booking (id → came). Raises NotFoundError for someone
    else's lesson, LessonNotYetHeld before it starts, ReportAlreadyFiled on a second report,
    AttendanceIncomplete / UnknownSkill for input that does not fit the lesson.
    """
    now = now or timezone.now()
    skills_by_booking = skills_by_booking or {}
    could_teach_by_booking = could_teach_by_booking or {}
    lesson = Lesson.objects.select_for_update().select_related("municipality").get(pk=lesson.pk)
    if lesson.volunteer_id != volunteer.pk:
        raise NotFoundError()
    if LessonReport.objects.filter(lesson=lesson).exists():
        raise ReportAlreadyFiled()
    if lesson.state == Lesson.State.CANCELLED:
        raise InvalidStateChange()
    if lesson.starts_at > now:
        raise LessonNotYetHeld()

    bookings = {b.pk: b for b in lesson.bookings.holding_seat().select_related("learner")}
    mentioned = set(attendance) | set(skills_by_booking) | set(could_teach_by_booking)
    if set(attendance) != set(bookings) or not mentioned <= set(bookings):
        raise AttendanceIncomplete()
    skill_ids = {skill_id for ids in skills_by_booking.values() for skill_id in ids}
    known_skills = set(Skill.objects.filter(pk__in=skill_ids, topic_id=lesson.topic_id).values_list("pk", flat=True))
    if skill_ids - known_skills:
        raise UnknownSkill()

    report = LessonReport(
        lesson=lesson, volunteer=volunteer, duration_minutes=duration_minutes, note_for_next=note_for_next,
        follow_up_needed=follow_up_needed,
    )
    report.full_clean(exclude=["lesson", "volunteer"])
    try:
        with transaction.atomic():
            report.save()
    except IntegrityError:
        raise ReportAlreadyFiled() from None
    report.topics_covered.add(lesson.topic_id)

    for booking_id, booking in bookings.items():
        came = attendance[booking_id]
        booking.state = Booking.State.ATTENDED if came else Booking.State.NO_SHOW
        booking.save(update_fields=["state", "updated_at"])
        learner = booking.learner
        if not came:
            followup_open(
                municipality=lesson.municipality, kind=FollowUp.Kind.NO_SHOW, booking=booking, learner=learner,
                now=now,
            )
            continue
        could_teach = bool(could_teach_by_booking.get(booking_id, False))
        progress = LearnerProgress.objects.create(
            report=report, booking=booking, learner=learner, could_teach=could_teach,
        )
        progress.skills.set(skills_by_booking.get(booking_id, []))
        if could_teach:
            if not learner.could_teach:
                learner.could_teach = True
                learner.save(update_fields=["could_teach", "updated_at"])
            followup_open(
                municipality=lesson.municipality, kind=FollowUp.Kind.POSSIBLE_TEACHER, learner=learner, now=now,
            )
        learner.last_active_at = now
        learner.save(update_fields=["last_active_at", "updated_at"])

    if follow_up_needed:
        for booking in bookings.values():
            if attendance[booking.pk]:
                followup_open(
                    municipality=lesson.municipality, kind=FollowUp.Kind.LESSON_FOLLOW_UP, booking=booking,
                    learner=booking.learner, detail=note_for_next, now=now,
                )
    lesson.state = Lesson.State.COMPLETED
    lesson.save(update_fields=["state", "updated_at"])
    return report
