"""One lesson as an .ics file for the volunteer's own calendar (same UID and SEQUENCE as the
invites the outbox sends, so importing it twice updates rather than duplicates)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from literacy.scheduling.models import Lesson


def lesson_ics(lesson: Lesson) -> bytes:
    """No learner names: calendars are synced to third parties; the lesson page has the details."""
    calendar = Calendar()
    calendar.add("prodid", "-//Oshieai//Volunteer lesson//JA")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", lesson.calendar_uid)
    event.add("sequence", lesson.sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", lesson.starts_at)
    event.add("dtend", lesson.ends_at)
    event.add("summary", f"{lesson.municipality.program_name}: {lesson.topic.display_name}")
    event.add("location", " ".join(part for part in (lesson.venue.name, lesson.venue.address) if part))
    event.add("url", settings.SITE_URL.rstrip("/") + f"/volunteer/lessons/{lesson.pk}/")
    event.add("status", "CANCELLED" if lesson.state == Lesson.State.CANCELLED else "CONFIRMED")
    calendar.add_component(event)
    return calendar.to_ical()
