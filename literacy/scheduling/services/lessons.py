"""Lessons: create, move (same calendar UID, higher SEQUENCE) and cancel."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from literacy.core.errors import InvalidStateChange
from literacy.notifications import triggers
from literacy.scheduling.models import Booking, Lesson
from literacy.scheduling.services.offers import help_request_create, offers_send
from literacy.scheduling.services.overlap import insert_lesson


@transaction.atomic
def lesson_create(*, lesson: Lesson) -> Lesson:
    """A lesson the program sets up directly (a group class, a drop-in session): inserted, never
    overlapping the volunteer's other lessons, and the volunteer sent its invite."""
    insert_lesson(lesson)
    triggers.lesson_scheduled(lesson=lesson)
    return lesson


@transaction.atomic
def lesson_reschedule(
    *, lesson: Lesson, starts_at: dt.datetime, ends_at: dt.datetime | None = None, venue=None,
) -> Lesson:
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if lesson.state != Lesson.State.SCHEDULED:
        raise InvalidStateChange()
    length = lesson.ends_at - lesson.starts_at
    if (lesson.starts_at, lesson.ends_at) == (starts_at, ends_at or starts_at + length) and (
        venue is None or venue.pk == lesson.venue_id
    ):
        return lesson  # already there (a second click waited for the first): nothing to tell anyone
    lesson.starts_at = starts_at
    lesson.ends_at = ends_at or starts_at + length
    if venue is not None:
        lesson.venue = venue
    lesson.sequence += 1
    insert_lesson(lesson)
    triggers.lesson_changed(lesson=lesson)
    return lesson


@transaction.atomic
def lesson_cancel(
    *, lesson: Lesson, reason: str = "", rematch: bool = True, now: dt.datetime | None = None,
) -> Lesson:
    """Cancel a lesson. With rematch, its future learners go back to waiting for a volunteer
    (a new request at the same time and place, without this volunteer) instead of being dropped."""
    now = now or timezone.now()
    lesson = Lesson.objects.select_for_update().get(pk=lesson.pk)
    if lesson.state == Lesson.State.CANCELLED:
        return lesson
    if lesson.state != Lesson.State.SCHEDULED:
        raise InvalidStateChange()
    lesson.state = Lesson.State.CANCELLED
    lesson.cancelled_at = now
    lesson.cancel_reason = reason
    lesson.sequence += 1
    lesson.save()
    triggers.lesson_cancelled(lesson=lesson)
    for booking in lesson.bookings.active().select_related("learner"):
        if rematch and booking.state == Booking.State.BOOKED and lesson.starts_at > now:
            help_request = help_request_create(
                municipality=lesson.municipality, learner=booking.learner, topic=lesson.topic,
                venue=lesson.venue, starts_at=lesson.starts_at, ends_at=lesson.ends_at,
                channel=booking.channel, exclude_volunteer_ids=frozenset({lesson.volunteer_id}), now=now,
                send_offers=False,
            )
            booking.state = Booking.State.PENDING
            booking.lesson = None
            booking.help_request = help_request
            booking.save()
            triggers.booking_pending(booking=booking)
            offers_send(help_request=help_request, exclude_volunteer_ids=frozenset({lesson.volunteer_id}), now=now)
        else:
            booking.state = Booking.State.CANCELLED
            booking.cancelled_at = now
            booking.cancel_reason = reason
            booking.save()
            triggers.booking_cancelled(booking=booking, by_learner=False)
    return lesson
