"""Every page and action under /city/ runs a fixed number of queries, whether the city has 2 or 8
districts, venues, topics, kiosks, volunteers (approved and applying), learners with lessons and
reports, open cases, outbox messages and audit events."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.urls import reverse

from literacy.coverage.models import AuditEvent
from literacy.coverage.services import audit_record
from literacy.coverage.tables import TABLE_SLUGS
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_log_call
from literacy.kiosk.models import KioskDevice
from literacy.kiosk.services import kiosk_register
from literacy.notifications.models import Message
from literacy.people.models import Volunteer
from literacy.scheduling.models import Booking, HelpRequest, LearnerProgress, Lesson, LessonReport
from tests import factories
from tests.conftest import NOW, TOKYO
from tests.coverage.test_places import venue_data
from tests.query_counts import SIZES, assert_pinned, get, keys_of, post

NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}
TOMORROW_10 = dt.datetime(2026, 12, 8, 10, tzinfo=TOKYO)
TOPIC_DATA = {"name": "防災アプリ", "name_en": "Disaster alerts", "slug": "bousai", "icon": "🚨", "order": 5,
              "is_active": "on"}


def november(day, hour=10):
    return dt.datetime(2026, 11, day, hour, tzinfo=TOKYO)


def busy_city(m, district, venue, topic, volunteer, coordinator, size):
    """`size` of every row a city page lists, counts or groups."""
    districts, venues, topics, volunteers = [district], [venue], [topic], [volunteer]
    for n in range(size - 1):
        districts.append(factories.DistrictFactory(municipality=m, order=n + 1))
        venues.append(factories.VenueFactory(municipality=m, district=districts[-1]))
        topics.append(factories.TopicFactory(municipality=m, order=n + 1))
        volunteers.append(factories.VolunteerFactory(municipality=m, topics=[topic, topics[-1]]))
    for n, person in enumerate(volunteers):
        person.districts.add(district)
        factories.AvailabilityFactory(volunteer=person, venue=venue, weekday=1, starts=dt.time(9), ends=dt.time(17))
        factories.VolunteerFactory(municipality=m, topics=[topic], status=Volunteer.Status.APPLIED)
        kiosk_register(venue=venues[n], name=f"端末{n}")
        audit_record(actor=coordinator, municipality=m, action=AuditEvent.Action.VIEW, object_type="learner",
                     object_id=n)
    skill = factories.SkillFactory(topic=topic)
    learners = []
    for n in range(size):
        learner = factories.LearnerFactory(municipality=m, district=districts[n])
        learners.append(learner)
        lesson = factories.LessonFactory(municipality=m, volunteer=volunteers[n], venue=venues[n], topic=topics[n],
                                         starts_at=november(1 + n), state=Lesson.State.COMPLETED)
        booking = factories.BookingFactory(lesson=lesson, learner=learner, state=Booking.State.ATTENDED)
        report = LessonReport.objects.create(lesson=lesson, volunteer=volunteers[n], duration_minutes=60)
        LearnerProgress.objects.create(report=report, booking=booking, learner=learner).skills.set([skill])
        HelpRequest.objects.create(municipality=m, learner=learner, topic=topics[n], venue=venues[n],
                                   district=districts[n], channel="kiosk", deadline=november(1 + n),
                                   state=HelpRequest.State.SCHEDULED, scheduled_at=november(1 + n))
        Message.objects.create(municipality=m, channel="sms", kind="learner_reminder_morning", to=learner.phone,
                               body="あした10時です", send_after=NOW, idempotency_key=f"failed:{n}",
                               learner=learner, state=Message.State.FAILED)
        FollowUp.objects.create(municipality=m, kind=FollowUp.Kind.CALL_BACK, learner=learner,
                                opened_at=NOW - dt.timedelta(hours=n + 1))
    # The case a coordinator opens: a request nobody took, from a learner with a long history,
    # already called about `size` times.
    regular = learners[0]
    for n in range(size):
        lesson = factories.LessonFactory(municipality=m, volunteer=volunteers[n], venue=venue, topic=topic,
                                         starts_at=november(1 + n, 14), state=Lesson.State.COMPLETED)
        factories.BookingFactory(lesson=lesson, learner=regular, state=Booking.State.ATTENDED)
    unmatched = HelpRequest.objects.create(
        municipality=m, learner=regular, topic=topic, venue=venue, district=district, channel="kiosk",
        wanted_starts_at=TOMORROW_10, wanted_ends_at=TOMORROW_10 + dt.timedelta(hours=1),
        deadline=TOMORROW_10 - dt.timedelta(hours=2), state=HelpRequest.State.ESCALATED,
    )
    case = FollowUp.objects.create(municipality=m, kind=FollowUp.Kind.UNMATCHED_REQUEST, help_request=unmatched,
                                   learner=regular, opened_at=NOW - dt.timedelta(hours=5))
    for _ in range(size):
        followup_log_call(followup=case, outcome="no_answer", note="夕方にもう一度", by=coordinator)
    return SimpleNamespace(case=case, regular=regular, settled=learners[1], volunteers=volunteers, venue=venue,
                           topic=topic, kiosk=KioskDevice.objects.filter(municipality=m).first(),
                           district=district, failed=Message.objects.filter(municipality=m).first(),
                           applicant=Volunteer.objects.filter(status=Volunteer.Status.APPLIED).first())


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def city(request, clock, municipality, district, venue, topic, volunteer, mfa_coordinator, coordinator_client):
    world = busy_city(municipality, district, venue, topic, volunteer, mfa_coordinator, request.param)
    world.client = coordinator_client
    return world


def case_pk(w):
    return [w.case.pk]


CASES = {
    "GET coverage:queue": get("coverage:queue"),
    "GET coverage:case": get("coverage:case", args=case_pk),
    "POST coverage:case_call": post("coverage:case_call", {"outcome": "no_answer", "note": "留守"}, args=case_pk),
    "POST coverage:case_close": post("coverage:case_close", {"reason": "solved"}, args=case_pk),
    "POST coverage:case_assign": post("coverage:case_assign", lambda w: {"volunteer": w.volunteers[-1].pk},
                                      args=case_pk),
    "GET coverage:learner": get("coverage:learner", args=lambda w: [w.regular.pk]),
    "GET coverage:coverage": get("coverage:coverage", query=NOVEMBER),
    **{f"GET coverage:coverage_csv {slug}": get("coverage:coverage_csv", args=[slug], query=NOVEMBER)
       for slug in TABLE_SLUGS},
    "GET coverage:monthly": get("coverage:monthly", query={"month": "2026-11"}),
    "GET coverage:monthly_csv": get("coverage:monthly_csv", query={"month": "2026-11"}),
    "GET coverage:volunteers": get("coverage:volunteers"),
    "POST coverage:volunteer_status": post("coverage:volunteer_status", {"status": "approved"},
                                           args=lambda w: [w.applicant.pk]),
    "GET coverage:outbox": get("coverage:outbox"),
    "POST coverage:outbox_resend": post("coverage:outbox_resend", args=lambda w: [w.failed.pk]),
    "GET coverage:places": get("coverage:places"),
    "GET coverage:venue_new": get("coverage:venue_new"),
    "POST coverage:venue_new": post("coverage:venue_new", lambda w: venue_data(w.district)),
    "GET coverage:venue_edit": get("coverage:venue_edit", args=lambda w: [w.venue.pk]),
    "POST coverage:venue_edit": post("coverage:venue_edit", lambda w: venue_data(w.district, capacity=8),
                                     args=lambda w: [w.venue.pk]),
    "GET coverage:topic_new": get("coverage:topic_new"),
    "POST coverage:topic_new": post("coverage:topic_new", TOPIC_DATA),
    "GET coverage:topic_edit": get("coverage:topic_edit", args=lambda w: [w.topic.pk]),
    "POST coverage:topic_edit": post("coverage:topic_edit", {**TOPIC_DATA, "slug": "line"},
                                     args=lambda w: [w.topic.pk]),
    "GET coverage:audit": get("coverage:audit"),
    "GET coverage:kiosks": get("coverage:kiosks"),
    "GET coverage:kiosk_new": get("coverage:kiosk_new"),
    "POST coverage:kiosk_new": post("coverage:kiosk_new", lambda w: {"venue": w.venue.pk, "name": "2階ロビー"}),
    "GET coverage:kiosk_registered": get(
        "coverage:kiosk_registered", args=lambda w: [KioskDevice.objects.get(name="3階ロビー").pk],
        before=lambda w: w.client.post(reverse("coverage:kiosk_new"), {"venue": w.venue.pk, "name": "3階ロビー"}),
    ),
    "GET coverage:kiosk_revoke": get("coverage:kiosk_revoke", args=lambda w: [w.kiosk.pk]),
    "POST coverage:kiosk_revoke": post("coverage:kiosk_revoke", args=lambda w: [w.kiosk.pk]),
    "GET coverage:learner_export": get("coverage:learner_export", args=lambda w: [w.regular.pk]),
    "GET coverage:learner_erase": get("coverage:learner_erase", args=lambda w: [w.regular.pk]),
    "POST coverage:learner_erase": post("coverage:learner_erase", {"reason": "ご本人から電話で", "confirm": "on"},
                                        args=lambda w: [w.settled.pk]),
}
# A page reads the session, the user, the coordinator's municipalities and the two-factor check (4).
# The coverage page is one grouped query per measure (literacy/coverage/selectors.py); a CSV
# export is one table of it plus its audit row.
PINNED = {
    "GET coverage:queue": 11,
    "GET coverage:case": 20,
    "POST coverage:case_call": 11,
    "POST coverage:case_close": 17,
    "POST coverage:case_assign": {"sqlite": 37, "postgresql": 36},
    "GET coverage:learner": 10,
    "GET coverage:coverage": {"sqlite": 28, "postgresql": 27},
    "GET coverage:coverage_csv districts": {"sqlite": 13, "postgresql": 12},
    "GET coverage:coverage_csv topics": 12,
    "GET coverage:coverage_csv volunteers": 10,
    "GET coverage:coverage_csv load": 10,
    "GET coverage:coverage_csv skills": 12,
    "GET coverage:coverage_csv outcomes": 12,
    "GET coverage:coverage_csv months": 11,
    "GET coverage:monthly": 8,
    "GET coverage:monthly_csv": 11,
    "GET coverage:volunteers": 8,
    "POST coverage:volunteer_status": 10,
    "GET coverage:outbox": 9,
    "POST coverage:outbox_resend": 15,
    "GET coverage:places": 6,
    "GET coverage:venue_new": 5,
    "POST coverage:venue_new": 12,
    "GET coverage:venue_edit": 6,
    "POST coverage:venue_edit": 13,
    "GET coverage:topic_new": 4,
    "POST coverage:topic_new": 9,
    "GET coverage:topic_edit": 5,
    "POST coverage:topic_edit": 10,
    "GET coverage:audit": 6,
    "GET coverage:kiosks": 6,
    "GET coverage:kiosk_new": 5,
    "POST coverage:kiosk_new": 15,
    "GET coverage:kiosk_registered": 9,
    "GET coverage:kiosk_revoke": 5,
    "POST coverage:kiosk_revoke": 9,
    "GET coverage:learner_export": 17,
    "GET coverage:learner_erase": 10,
    "POST coverage:learner_erase": 27,
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(city, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=city)
