"""Every .ics the service writes: invites (METHOD:REQUEST / CANCEL), each volunteer's
subscribable feed and the single-lesson download from the volunteer pages (PUBLISH).

One event builder serves them all. The UID is the lesson's `calendar_uid`, which never changes;
SEQUENCE is the lesson's `sequence`, which the scheduling services raise on every change, so
calendar programs replace the old event instead of adding a second one, whichever of the three
brought it. Times carry the municipality's TZID with its VTIMEZONE; each event links to the
lesson's page. The text is written line by line by ical_lines (a feed of hundreds of lessons
must answer in milliseconds, and icalendar's objects cost about half a millisecond an event);
icalendar reads every kind back in the tests.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.http import HttpResponse
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from literacy.notifications.ical_lines import CRLF, duration, line, local, param, text, utc, vtimezone
from literacy.scheduling.models import Booking, Lesson, LessonReport

PRODID = "-//Oshieai//教え合い//JA"
REQUEST = "REQUEST"
CANCEL = "CANCEL"
PUBLISH = "PUBLISH"
CONTENT_TYPE = "text/calendar; charset=utf-8"
FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 180
ALARM_BEFORE = dt.timedelta(hours=1)
ALARM_TRIGGER = line("TRIGGER", duration(-ALARM_BEFORE))
NEEDS = (
    ("needs_large_print", gettext_lazy("大きな文字")),
    ("needs_hearing_support", gettext_lazy("聞こえの配慮")),
    ("needs_mobility_support", gettext_lazy("移動の配慮")),
    ("needs_home_visit", gettext_lazy("訪問希望")),
)
# What an event shows of its lesson, of the places and topics, and of the learners booked: a
# feed loads only these, and each venue, topic and municipality once, however many lessons.
LESSON_FIELDS = ("calendar_uid", "sequence", "starts_at", "ends_at", "title", "state", "municipality_id",
                 "volunteer_id", "venue_id", "topic_id")
SHARED_FIELDS = {"municipality": ("program_name", "program_phone", "timezone"), "venue": ("name", "address"),
                 "topic": ("name",)}
LEARNER_FIELDS = ("learner__name", "learner__device", *(f"learner__{flag}" for flag, _label in NEEDS))


def _calendar(method: str, events: list[str], *, zones: set[str], name: str | None = None) -> str:
    head = [line("BEGIN", "VCALENDAR"), line("VERSION", "2.0"), line("PRODID", text(PRODID)),
            line("CALSCALE", "GREGORIAN"), line("METHOD", method)]
    if name:
        head += [line("X-WR-CALNAME", text(name)), line("X-WR-TIMEZONE", text(settings.TIME_ZONE))]
    timezones = "".join(vtimezone(tzid) for tzid in sorted(zones))
    return CRLF.join(head) + CRLF + "".join(events) + timezones + line("END", "VCALENDAR") + CRLF


def _organizer(lesson: Lesson) -> str:
    return _organizer_line(lesson.municipality.program_name, settings.DEFAULT_FROM_EMAIL)


@lru_cache(maxsize=64)
def _organizer_line(program_name: str, from_email: str) -> str:
    _name, address = parseaddr(from_email)
    return line("ORGANIZER", f"mailto:{address}", cn=param(program_name))


def _attendee(lesson: Lesson, *, cancelled: bool) -> str:
    return _attendee_line(lesson.volunteer.user.email, lesson.volunteer.name, cancelled)


@lru_cache(maxsize=256)
def _attendee_line(email: str, name: str, cancelled: bool) -> str:
    # The volunteer already said yes in the app (or pre-committed an instant window); a calendar
    # reply would go to our no-reply organizer address and be lost, so none is asked for.
    return line("ATTENDEE", f"mailto:{email}", cn=param(name), role="REQ-PARTICIPANT",
                partstat="DECLINED" if cancelled else "ACCEPTED", rsvp="FALSE")


def location_text(lesson: Lesson) -> str:
    venue = lesson.venue
    return f"{venue.name} {venue.address}".strip()


def lesson_page_url(lesson: Lesson) -> str:
    """The lesson's page on the volunteer pages, where the details a calendar may not hold are."""
    before, after = _lesson_page_url_parts(settings.SITE_URL, get_script_prefix())
    return f"{before}{lesson.pk}{after}"


@lru_cache(maxsize=8)
def _lesson_page_url_parts(site_url: str, script_prefix: str) -> tuple[str, str]:
    # Reversing the URL once per event was a sixth of a long feed's time; the lesson's id is the
    # only part that changes, so reverse it once with a stand-in id and keep what surrounds it.
    stand_in = 987654321
    before, after = reverse("portal:lesson", args=[stand_in]).split(str(stand_in))
    return site_url.rstrip("/") + before, after


def description_text(lesson: Lesson, *, learners: bool = True) -> str:
    """Only what the volunteer needs: given names, topic, needs, the last volunteer's note.
    Without `learners`, only the topic and whom to ask (no query)."""
    if not learners:
        municipality = lesson.municipality
        return _description_without_learners(get_language(), lesson.topic.name, municipality.program_name,
                                             municipality.program_phone)
    return lesson_descriptions([lesson])[lesson.pk]


def lesson_descriptions(lessons: list[Lesson]) -> dict[int, str]:
    """description_text for many lessons in two queries, whatever their number (a feed)."""
    bookings: dict[int, list[Booking]] = defaultdict(list)
    for booking in (
        Booking.objects.filter(lesson__in=[lesson.pk for lesson in lessons], state__in=Booking.SEAT_STATES)
        .select_related("learner").only("lesson_id", "learner_id", "created_at", *LEARNER_FIELDS)
        .order_by("created_at", "pk")
    ):
        bookings[booking.lesson_id].append(booking)
    # The notes of every learner's reported lessons, latest first; each lesson takes the latest
    # from before it began.
    notes: dict[int, list[tuple[dt.datetime, str]]] = defaultdict(list)
    learner_ids = {booking.learner_id for booked in bookings.values() for booking in booked}
    if learner_ids:
        for learner_id, starts_at, note in (
            LessonReport.objects.filter(lesson__bookings__learner_id__in=learner_ids)
            .exclude(note_for_next="").order_by("-lesson__starts_at")
            .values_list("lesson__bookings__learner_id", "lesson__starts_at", "note_for_next")
        ):
            notes[learner_id].append((starts_at, note))
    return {lesson.pk: _description(lesson, bookings[lesson.pk], notes) for lesson in lessons}


@lru_cache(maxsize=256)
def _description_without_learners(language: str, topic: str, program: str, phone: str) -> str:
    # The same few texts for every lesson of a feed: translated once per language, not per event.
    return "\n".join([_("内容: %(topic)s") % {"topic": topic},
                      _("問い合わせ: %(program)s %(phone)s") % {"program": program, "phone": phone}])


def _description(lesson: Lesson, bookings: list[Booking], notes: dict[int, list[tuple[dt.datetime, str]]]) -> str:
    lines = [_("内容: %(topic)s") % {"topic": lesson.topic.name}]
    for booking in bookings:
        learner = booking.learner
        needs = [label for flag, label in NEEDS if getattr(learner, flag)]
        who = _("受講者: %(name)s様") % {"name": learner.given_name}
        if learner.device and learner.device != learner.Device.UNKNOWN:
            who += _("（%(device)s）") % {"device": learner.get_device_display()}
        lines.append(who)
        if needs:
            lines.append(_("配慮: %(needs)s") % {"needs": "、".join(str(n) for n in needs)})
        note = next((note for starts_at, note in notes.get(learner.pk, ()) if starts_at < lesson.starts_at), None)
        if note:
            lines.append(_("前回のボランティアから: %(note)s") % {"note": note})
    lines.append(_("問い合わせ: %(program)s %(phone)s") % {
        "program": lesson.municipality.program_name, "phone": lesson.municipality.program_phone,
    })
    return "\n".join(lines)


def lesson_event(lesson: Lesson | FeedLesson, *, cancelled: bool, now: dt.datetime | None = None, learners: bool = True,
                 description: str | None = None) -> str:
    """One VEVENT (with its alarm unless cancelled), as CRLF-terminated lines. `description` is
    description_text(lesson, learners=learners), when the caller has worked it out already."""
    if description is None:
        description = description_text(lesson, learners=learners)
    zone = lesson.municipality.zone
    tzid = str(zone)
    lines = [
        line("BEGIN", "VEVENT"),
        line("UID", text(lesson.calendar_uid)),
        line("SEQUENCE", str(lesson.sequence)),
        line("DTSTAMP", utc(now or timezone.now())),
        line("DTSTART", local(lesson.starts_at, zone), tzid=tzid),
        line("DTEND", local(lesson.ends_at, zone), tzid=tzid),
        line("SUMMARY", text(f"{lesson.municipality.program_name}: {lesson.title or lesson.topic.name}")),
        line("LOCATION", text(location_text(lesson))),
        line("DESCRIPTION", text(description)),
        line("URL", lesson_page_url(lesson)),
        line("STATUS", "CANCELLED" if cancelled else "CONFIRMED"),
        line("TRANSP", "OPAQUE"),
        _organizer(lesson),
        _attendee(lesson, cancelled=cancelled),
    ]
    if not cancelled:
        lines += [
            line("BEGIN", "VALARM"),
            line("ACTION", "DISPLAY"),
            ALARM_TRIGGER,
            _alarm_description(get_language(), lesson.venue.name),
            line("END", "VALARM"),
        ]
    lines.append(line("END", "VEVENT"))
    return CRLF.join(lines) + CRLF


@lru_cache(maxsize=256)
def _alarm_description(language: str, venue_name: str) -> str:
    return line("DESCRIPTION", text(_("まもなくレッスンです: %(venue)s") % {"venue": venue_name}))


def lesson_invite(*, lesson: Lesson, method: str, description: str | None = None) -> str:
    """An iTIP message for one lesson: REQUEST (new or changed) or CANCEL. `description` is
    description_text(lesson), when the caller has it already."""
    event = lesson_event(lesson, cancelled=(method == CANCEL or not lesson.is_active), description=description)
    return _calendar(method, [event], zones={str(lesson.municipality.zone)})


def lesson_download(*, lesson: Lesson) -> str:
    """A single lesson to save into a calendar by hand (PUBLISH: no invitation semantics).

    No learner names or needs: the file is imported into calendars that sync to third parties,
    and the lesson page (the event's URL) shows the details to the volunteer who logs in."""
    event = lesson_event(lesson, cancelled=not lesson.is_active, learners=False)
    return _calendar(PUBLISH, [event], zones={str(lesson.municipality.zone)})


def lesson_filename(lesson: Lesson) -> str:
    return f"lesson-{lesson.pk}.ics"


def calendar_response(text: str, *, filename: str, attachment: bool = False) -> HttpResponse:
    """An .ics over HTTP: a feed is shown inline (calendar apps read it), a download is saved."""
    response = HttpResponse(text, content_type=CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


@dataclass(frozen=True, slots=True)
class FeedLesson:
    """What an event reads of a lesson, for a feed: its own fields and its municipality, venue,
    topic and volunteer, each built once and shared. A model instance per lesson, with a
    descriptor call for every related row set on it, was a third of a long feed's time."""

    pk: int
    calendar_uid: str
    sequence: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    title: str
    state: str
    municipality: object
    venue: object
    topic: object
    volunteer: object

    @property
    def is_active(self) -> bool:
        return self.state != Lesson.State.CANCELLED


def _feed_lessons(volunteer, *, since: dt.datetime, until: dt.datetime) -> list[FeedLesson]:
    rows = list(
        Lesson.objects.filter(volunteer=volunteer, starts_at__gte=since, starts_at__lte=until)
        .order_by("starts_at").values_list("pk", *LESSON_FIELDS)
    )
    shared = {}
    for name, fields in SHARED_FIELDS.items():
        model = Lesson._meta.get_field(name).related_model
        column = LESSON_FIELDS.index(f"{name}_id") + 1
        shared[name] = model.objects.only(*fields).in_bulk({row[column] for row in rows})
    municipalities, venues, topics = shared["municipality"], shared["venue"], shared["topic"]
    volunteer.user  # noqa: B018  (loaded once here, not once per lesson)
    return [
        FeedLesson(pk=pk, calendar_uid=uid, sequence=sequence, starts_at=starts_at, ends_at=ends_at, title=title,
                   state=state, municipality=municipalities[municipality_id], venue=venues[venue_id],
                   topic=topics[topic_id], volunteer=volunteer)
        for pk, uid, sequence, starts_at, ends_at, title, state, municipality_id, _volunteer_id, venue_id, topic_id
        in rows
    ]


def volunteer_feed(*, volunteer, now: dt.datetime | None = None) -> str:
    """Recent and upcoming lessons of one volunteer; cancelled ones stay, marked cancelled.

    No learner names, needs or notes, as in the download: a feed is fetched and kept by outside
    calendar services (anyone holding the address reads it), and each event links to the lesson
    page, where the volunteer who logs in sees who is coming and what they need."""
    now = now or timezone.now()
    lessons = _feed_lessons(volunteer, since=now - dt.timedelta(days=FEED_PAST_DAYS),
                            until=now + dt.timedelta(days=FEED_FUTURE_DAYS))
    events = [lesson_event(lesson, cancelled=not lesson.is_active, now=now, learners=False) for lesson in lessons]
    name = _("%(program)s（%(name)sさん）") % {"program": volunteer.municipality.program_name, "name": volunteer.name}
    return _calendar(PUBLISH, events, zones={str(lesson.municipality.zone) for lesson in lessons}, name=name)
