"""Every .ics the service writes: invites (METHOD:REQUEST / CANCEL), each volunteer's
subscribable feed and the single-lesson download from the volunteer pages (PUBLISH).

One event builder serves them all. The UID is the lesson's `calendar_uid`, which never changes;
SEQUENCE is the lesson's `sequence`, which the scheduling services raise on every change, so
calendar programs replace the old event instead of adding a second one, whichever of the three
brought it. Times carry the municipality's TZID with its VTIMEZONE; summary and location are
the Japanese names; icalendar escapes the text.
"""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event, Timezone, vCalAddress, vText

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


@lru_cache(maxsize=8)
def _timezone(tzid: str) -> Timezone:
    """The VTIMEZONE of a zone, built once per process: building it walks the zone's transitions
    and took longer than the rest of an invite."""
    return Timezone.from_tzid(tzid)


def _add_timezones(cal: Calendar, lessons) -> None:
    for tzid in sorted({str(lesson.municipality.zone) for lesson in lessons}):
        cal.add_component(_timezone(tzid))


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


def lesson_page_url(lesson: Lesson) -> str:
    """The lesson's page on the volunteer pages, where the details a calendar may not hold are."""
    return settings.SITE_URL.rstrip("/") + reverse("portal:lesson", args=[lesson.pk])


def description_text(lesson: Lesson, *, learners: bool = True) -> str:
    """Only what the volunteer needs: given names, topic, needs, the last volunteer's note.
    Without `learners`, only the topic and whom to ask."""
    lines = [_("内容: %(topic)s") % {"topic": lesson.topic.name}]
    if learners:
        lines += _learner_lines(lesson)
    lines.append(_("問い合わせ: %(program)s %(phone)s") % {
        "program": lesson.municipality.program_name, "phone": lesson.municipality.program_phone,
    })
    return "\n".join(lines)


def _learner_lines(lesson: Lesson) -> list[str]:
    lines = []
    bookings = (
        Booking.objects.filter(lesson=lesson, state__in=Booking.SEAT_STATES)
        .select_related("learner").order_by("created_at")
    )
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
        note = (
            LessonReport.objects.filter(
                lesson__bookings__learner=learner, lesson__starts_at__lt=lesson.starts_at
            ).exclude(note_for_next="").order_by("-lesson__starts_at").values_list("note_for_next", flat=True).first()
        )
        if note:
            lines.append(_("前回のボランティアから: %(note)s") % {"note": note})
    return lines


def lesson_event(
    lesson: Lesson, *, cancelled: bool, now: dt.datetime | None = None, learners: bool = True,
    description: str | None = None,
) -> Event:
    """The one VEVENT of a lesson, for invites, the feed and the download alike. `description`
    is description_text(lesson, learners=learners), when the caller has worked it out already."""
    zone = lesson.municipality.zone
    event = Event()
    event.add("uid", lesson.calendar_uid)
    event.add("sequence", lesson.sequence)
    event.add("dtstamp", (now or timezone.now()).astimezone(dt.UTC))
    event.add("dtstart", lesson.starts_at.astimezone(zone))
    event.add("dtend", lesson.ends_at.astimezone(zone))
    event.add("summary", f"{lesson.municipality.program_name}: {lesson.title or lesson.topic.name}")
    event.add("location", location_text(lesson))
    event.add("description", description_text(lesson, learners=learners) if description is None else description)
    event.add("url", lesson_page_url(lesson))
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


def lesson_invite(*, lesson: Lesson, method: str, description: str | None = None) -> str:
    """An iTIP message for one lesson: REQUEST (new or changed) or CANCEL."""
    cal = _calendar(method)
    _add_timezones(cal, [lesson])
    cal.add_component(lesson_event(lesson, cancelled=(method == CANCEL or not lesson.is_active),
                                   description=description))
    return cal.to_ical().decode()


def lesson_download(*, lesson: Lesson) -> str:
    """A single lesson to save into a calendar by hand (PUBLISH: no invitation semantics).

    No learner names or needs: the file is imported into calendars that sync to third parties,
    and the lesson page (the event's URL) shows the details to the volunteer who logs in."""
    cal = _calendar(PUBLISH)
    _add_timezones(cal, [lesson])
    cal.add_component(lesson_event(lesson, cancelled=not lesson.is_active, learners=False))
    return cal.to_ical().decode()


def lesson_filename(lesson: Lesson) -> str:
    return f"lesson-{lesson.pk}.ics"


def calendar_response(text: str, *, filename: str, attachment: bool = False) -> HttpResponse:
    """An .ics over HTTP: a feed is shown inline (calendar apps read it), a download is saved."""
    response = HttpResponse(text, content_type=CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def volunteer_feed(*, volunteer, now: dt.datetime | None = None) -> str:
    """Recent and upcoming lessons of one volunteer; cancelled ones stay, marked cancelled.

    No learner names, needs or notes, as in the download: a feed is fetched and kept by outside
    calendar services (anyone holding the address reads it), and each event links to the lesson
    page, where the volunteer who logs in sees who is coming and what they need."""
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
    _add_timezones(cal, lessons)
    for lesson in lessons:
        cal.add_component(lesson_event(lesson, cancelled=not lesson.is_active, now=now, learners=False))
    return cal.to_ical().decode()
