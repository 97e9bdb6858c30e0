"""The one way a lesson row is written: never overlapping the volunteer's other lessons."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from literacy.core.errors import VolunteerUnavailable
from literacy.scheduling.models import Lesson

# PostgreSQL's code for a violated exclusion constraint (lesson_volunteer_no_overlap).
EXCLUSION_VIOLATION = "23P01"


def insert_lesson(lesson: Lesson) -> Lesson:
    """Save a new lesson, refusing one that overlaps the volunteer's other active lessons.

    On PostgreSQL the exclusion constraint is the check: its violation (a racer, or a lesson
    already there) becomes VolunteerUnavailable. SQLite has no such constraint, so there the code
    checks first (under the write lock its IMMEDIATE transactions take). The unique calendar UID
    and the check constraints are the database's too: only when the insert is refused for one of
    them are they validated, for the same ValidationError full_clean gave before the insert.
    """
    if (
        connection.vendor != "postgresql"
        and Lesson.objects.active()
        .filter(volunteer_id=lesson.volunteer_id)
        .overlapping(lesson.starts_at, lesson.ends_at)
        .exclude(pk=lesson.pk)
        .exists()
    ):
        raise VolunteerUnavailable()
    lesson.full_clean(
        exclude=["volunteer", "venue", "topic", "municipality"], validate_unique=False, validate_constraints=False
    )
    try:
        with transaction.atomic():
            lesson.save()
    except IntegrityError as exc:
        if getattr(exc.__cause__, "sqlstate", None) != EXCLUSION_VIOLATION:
            _raise_if_invalid(lesson)
        raise VolunteerUnavailable() from exc
    return lesson


def _raise_if_invalid(lesson: Lesson) -> None:
    """The ValidationError full_clean would have raised, if the refusal was a unique key or a check."""
    errors = {}
    for validate in (lesson.validate_unique, lesson.validate_constraints):
        try:
            validate(exclude={"volunteer", "venue", "topic", "municipality"})
        except ValidationError as error:
            errors = error.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
