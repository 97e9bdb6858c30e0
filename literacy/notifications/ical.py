"""Calendar invites (METHOD:REQUEST / CANCEL) and each volunteer's subscribable feed (PUBLISH).

The UID is the lesson's `calendar_uid`, which never changes; SEQUENCE is the lesson's
`sequence`, which the scheduling services raise on every change, so calendar programs replace
the old event instead of adding a second one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from literacy.scheduling.models import Booking, Lesson, LessonReport

PRODID = "-//Oshieai//教え合い//JA"
REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"
CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 180
ALARM_BEFORE = dt.timedelta(hours=1)


def _calendar(method: str, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
        cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _organizer(lesson: Lesson) -> vCalAddress:
    _name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address}")
    organizer.params["cn"] = vText(lesson.municipality.program_name)
    return organizer


def _attendee(lesson: Lesson, *, cancelled: bool) -> vCalAddress:
    attendee = vCalAddress(f"mailto:{lesson.volunteer.user.email}")
    attendee.params["cn"] = vText(lesson.volunteer.name)
    attendee.params["role"] = "REQ-PARTICIPANT"
    # The volunteer already said yes in the app (or pre-committed an instant window); a calendar
    # reply would go to our no-reply organizer address and be lost, so none is asked for.
    attendee.params["partstat"] = "DECLINED" if cancelled else "ACCEPTED"
    attendee.params["rsvp"] = "FALSE"
    return attendee


def location_text(lesson: Lesson) -> str:
    venue = lesson.venue
    return f"{venue.name} {venue.address}".strip()


def description_text(lesson: Lesson) -> str:
    """Only what the volunteer needs: given names, topic, needs, the last volunteer's note."""
    return description_texts([lesson])[lesson.pk]


def description_texts(lessons: Sequence[Lesson]) -> dict[int, str]:
    """The description of each lesson by its id, in two queries however many lessons and
    learners there are (a feed holds six months of lessons)."""
    bookings: dict[int, list[Booking]] = defaultdict(list)
    for booking in (
        Booking.objects.filter(lesson__in=lessons, state__in=Booking.SEAT_STATES)
        .select_related("learner").order_by("created_at", "pk")
    ):
        bookings[booking.lesson_id].append(booking)
    notes = _notes_before(lessons, bookings)
    return {lesson.pk: _description(lesson, bookings[lesson.pk], notes) for lesson in lessons}


def _notes_before(lessons: Sequence[Lesson], bookings: dict[int, list[Booking]]) -> dict[tuple[int, int], str]:
    """(learner id, lesson id) → the note for the next volunteer from the learner's latest
    reported lesson before that lesson: one query for all, picked out in Python."""
    learner_ids = {booking.learner_id for seated in bookings.values() for booking in seated}
    if not learner_ids:
        return {}
    latest_start = max(lesson.starts_at for lesson in lessons)
    earlier = (
        LessonReport.objects.filter(lesson__bookings__learner_id__in=learner_ids, lesson__starts_at__lt=latest_start)
        .exclude(note_for_next="")
        .order_by("-lesson__starts_at")
        .values_list("lesson__bookings__learner_id", "lesson__starts_at", "note_for_next")
    )
    by_learner: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    for learner_id, starts_at, note in earlier:
        by_learner[learner_id].append((starts_at, note))
    notes = {}
    for lesson in lessons:
        for booking in bookings[lesson.pk]:
            latest = next((note for starts_at, note in by_learner[booking.learner_id]
                           if starts_at < lesson.starts_at), None)
            if latest:
                notes[(booking.learner_id, lesson.pk)] = latest
    return notes


def _description(lesson: Lesson, bookings: list[Booking], notes: dict[tuple[int, int], str]) -> str:
    lines = [_("内容: %(topic)s") % {"topic": lesson.topic.name}]
    for booking in bookings:
        learner = booking.learner
        needs = [label for flag, label in (
            (learner.needs_large_print, _("大きな文字")),
            (learner.needs_hearing_support, _("聞こえの配慮")),
            (learner.needs_mobility_support, _("移動の配慮")),
            (learner.needs_home_visit, _("訪問希望")),
        ) if flag]
        line = _("受講者: %(name)s様") % {"name": learner.given_name}
        if learner.device and learner.device != learner.Device.UNKNOWN:
            line += _("（%(device)s）") % {"device": learner.get_device_display()}
        lines.append(line)
        if needs:
            lines.append(_("配慮: %(needs)s") % {"needs": "、".join(str(n) for n in needs)})
        note = notes.get((learner.pk, lesson.pk))
        if note:
            lines.append(_("前回のボランティアから: %(note)s") % {"note": note})
    lines.append(_("問い合わせ: %(program)s %(phone)s") % {
        "program": lesson.municipality.program_name, "phone": lesson.municipality.program_phone,
    })
    return "\n".join(lines)


def lesson_event(lesson: Lesson, *, cancelled: bool, now: dt.datetime | None = None,
                 description: str | None = None) -> Event:
    zone = lesson.municipality.zone
    event = Event()
    event.add("uid", lesson.calendar_uid)
    event.add("sequence", lesson.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(dt.UTC))
    event.add("dtstart", lesson.starts_at.astimezone(zone))
    event.add("dtend", lesson.ends_at.astimezone(zone))
    event.add("summary", f"{lesson.municipality.program_name}: {lesson.title or lesson.topic.name}")
    event.add("location", location_text(lesson))
    event.add("description", description_text(lesson) if description is None else description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    event.add("organizer", _organizer(lesson))
    event.add("attendee", _attendee(lesson, cancelled=cancelled))
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -ALARM_BEFORE)
        alarm.add("description", _("まもなくレッスンです: %(venue)s") % {"venue": lesson.venue.name})
        event.add_component(alarm)
    return event


def lesson_invite(*, lesson: Lesson, method: str) -> str:
    """An iTIP message for one lesson: REQUEST (new or changed) or CANCEL."""
    cal = _calendar(method)
    cal.add_component(lesson_event(lesson, cancelled=(method == CANCEL or not lesson.is_active)))
    cal.add_missing_timezones()
    return cal.to_ical().decode()


def lesson_download(*, lesson: Lesson) -> str:
    """A single lesson to save into a calendar by hand (PUBLISH: no invitation semantics)."""
    cal = _calendar(PUBLISH)
    cal.add_component(lesson_event(lesson, cancelled=not lesson.is_active))
    cal.add_missing_timezones()
    return cal.to_ical().decode()


def volunteer_feed(*, volunteer, now: dt.datetime | None = None) -> str:
    """Recent and upcoming lessons of one volunteer; cancelled ones stay, marked cancelled."""
    now = now or timezone.now()
    lessons = (
        Lesson.objects.filter(
            volunteer=volunteer,
            starts_at__gte=now - dt.timedelta(days=FEED_PAST_DAYS),
            starts_at__lte=now + dt.timedelta(days=FEED_FUTURE_DAYS),
        )
        .select_related("municipality", "venue", "topic", "volunteer__user")
        .order_by("starts_at")
    )
    cal = _calendar(PUBLISH, name=_("%(program)s（%(name)sさん）") % {
        "program": volunteer.municipality.program_name, "name": volunteer.name,
    })
    lessons = list(lessons)
    descriptions = description_texts(lessons)
    for lesson in lessons:
        cal.add_component(lesson_event(lesson, cancelled=not lesson.is_active, now=now,
                                       description=descriptions[lesson.pk]))
    cal.add_missing_timezones()
    return cal.to_ical().decode()
