"""The one way a lesson row is written: never overlapping the volunteer's other lessons."""

from django.db import IntegrityError, transaction

from literacy.core.errors import VolunteerUnavailable
from literacy.scheduling.models import Lesson


def insert_lesson(lesson: Lesson) -> Lesson:
    """Save a new lesson, refusing one that overlaps the volunteer's other active lessons.

    The code check gives the friendly error; on PostgreSQL the exclusion constraint is the real
    guard when two writers race, and its violation becomes the same domain error.
    """
    if (
        Lesson.objects.active()
        .filter(volunteer_id=lesson.volunteer_id)
        .overlapping(lesson.starts_at, lesson.ends_at)
        .exclude(pk=lesson.pk)
        .exists()
    ):
        raise VolunteerUnavailable()
    lesson.full_clean(exclude=["volunteer", "venue", "topic", "municipality"])
    try:
        with transaction.atomic():
            lesson.save()
    except IntegrityError as exc:
        raise VolunteerUnavailable() from exc
    return lesson
