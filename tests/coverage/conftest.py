"""A small city with numbers that can be counted by hand (see the comments in `world`)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from literacy.accounts.models import CoordinatorRole
from literacy.people.models import Volunteer
from literacy.scheduling.models import Booking, HelpRequest, LearnerProgress, Lesson, LessonReport, Offer
from tests import factories
from tests.conftest import TOKYO


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TOKYO)


def with_totp(user) -> str:
    """Turn on TOTP for a user; returns the secret (to compute codes in browser tests)."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def mfa_coordinator(coordinator):
    with_totp(coordinator)
    return coordinator


@pytest.fixture
def coordinator_client(client, mfa_coordinator):
    client.force_login(mfa_coordinator)
    return client


def _request(*, municipality, learner, topic, venue, created, scheduled=None, state, district=None):
    request = HelpRequest.objects.create(
        municipality=municipality, learner=learner, topic=topic, venue=venue,
        district=district or (venue.district if venue else None), channel="kiosk",
        deadline=created + dt.timedelta(hours=24), state=state, scheduled_at=scheduled,
    )
    HelpRequest.objects.filter(pk=request.pk).update(created_at=created)
    request.created_at = created
    return request


def _offer(*, help_request, volunteer, state, created):
    offer = Offer.objects.create(
        help_request=help_request, volunteer=volunteer, score=10, expires_at=created + dt.timedelta(hours=12),
        state=state,
    )
    Offer.objects.filter(pk=offer.pk).update(created_at=created)
    return offer


@pytest.fixture
def world(clock, municipality, district, venue, topic, volunteer):
    """November 2026 in 八女市 (the clock stands at 2026-12-07):

    districts  A 旧八女市 (12,000 seniors, venue vA)   B 上陽 (2,000, venue vB, no volunteers)
               C 星野 (500: nothing happens there)
    volunteers V1 (topic T1; A; windows Mon 10–12 + Wed 13–16 = 5 h)   V2 (T1+T2; A; Tue 9–10 = 1 h)
               V4 (T2; A; no windows; a former learner, Q)   V3 applied (not counted)
    learners   P (A)  Q (B)  R (no district)  S (B)  U (no district)
    lessons    L5 Oct 20 V2 vA T1: P attended (P's first lesson)
               L1 Nov 2 10–11 V1 vA T1: P attended, Q attended      (report: P s1+s2, Q s1 could teach)
               L2 Nov 9 10–12 V1 vA T1: P attended, R no-show, U attended
               L3 Nov 10 13–14 V2 vB T2: Q attended, S cancelled    (report: Q s3)
               L4 Nov 16 V1 vA T1 cancelled: P cancelled
               L6 Dec 10 V1 (future, outside)
    requests   H0 Oct 15 (A, T1, open)   H1 Nov 1 09:00 P vA T1 scheduled +3 h
               H2 Nov 3 10:00 Q vB T2 scheduled +24 h   H3 Nov 5 10:00 R vA T1 scheduled +1 h
               H4 Nov 6 S T1 no venue (counts in S's district B) escalated   H5 Nov 20 P vA T1 withdrawn
    offers     V1 accepted H1, V1 declined H3, V2 expired H2, V2 pending H4 (all in November)
    elsewhere  another city with a lesson, an attended booking and a request in November.
    """
    m = municipality
    district_a = district
    district_b = factories.DistrictFactory(municipality=m, name="上陽", senior_population=2000, order=1)
    district_c = factories.DistrictFactory(municipality=m, name="星野", senior_population=500, order=2)
    venue_a = venue
    venue_b = factories.VenueFactory(municipality=m, district=district_b, name="上陽公民館")
    t1 = topic
    t2 = factories.TopicFactory(municipality=m, slug="maps", name="地図アプリ", name_en="Maps", order=1)
    s1 = factories.SkillFactory(topic=t1, name="友だち追加")
    s2 = factories.SkillFactory(topic=t1, name="写真を送る")
    s3 = factories.SkillFactory(topic=t2, name="道順を調べる")

    v1 = volunteer
    v1.name_kana = "あ"
    v1.save()
    v2 = factories.VolunteerFactory(municipality=m, topics=[t1, t2], name_kana="い")
    v2.districts.add(district_a)
    v4 = factories.VolunteerFactory(municipality=m, topics=[t2], name_kana="う")
    v4.districts.add(district_a)
    v3 = factories.VolunteerFactory(municipality=m, topics=[t1], status=Volunteer.Status.APPLIED, name_kana="え")
    factories.AvailabilityFactory(volunteer=v1, venue=venue_a, weekday=0, starts=dt.time(10), ends=dt.time(12))
    factories.AvailabilityFactory(volunteer=v1, venue=venue_a, weekday=2, starts=dt.time(13), ends=dt.time(16))
    factories.AvailabilityFactory(volunteer=v2, venue=venue_a, weekday=1, starts=dt.time(9), ends=dt.time(10))
    factories.AvailabilityFactory(volunteer=v3, venue=venue_a, weekday=1, starts=dt.time(9), ends=dt.time(17))

    p = factories.LearnerFactory(municipality=m, district=district_a, name="八女 はる")
    q = factories.LearnerFactory(municipality=m, district=district_b, name="上陽 なつ")
    r = factories.LearnerFactory(municipality=m, district=None, name="無地 あき")
    s = factories.LearnerFactory(municipality=m, district=district_b, name="上陽 ふゆ")
    u = factories.LearnerFactory(municipality=m, district=None, name="無地 うめ")
    v4.former_learner = q
    v4.save()

    def lesson(vol, ven, top, starts, hours=1, state=Lesson.State.COMPLETED):
        return factories.LessonFactory(
            municipality=m, volunteer=vol, venue=ven, topic=top, starts_at=starts,
            ends_at=starts + dt.timedelta(hours=hours), state=state, seats=4,
        )

    def book(les, learner, state):
        return factories.BookingFactory(lesson=les, learner=learner, state=state)

    l5 = lesson(v2, venue_a, t1, at(10, 20))
    book(l5, p, Booking.State.ATTENDED)
    l1 = lesson(v1, venue_a, t1, at(11, 2))
    b1p = book(l1, p, Booking.State.ATTENDED)
    b1q = book(l1, q, Booking.State.ATTENDED)
    l2 = lesson(v1, venue_a, t1, at(11, 9), hours=2)
    book(l2, p, Booking.State.ATTENDED)
    book(l2, r, Booking.State.NO_SHOW)
    book(l2, u, Booking.State.ATTENDED)
    l3 = lesson(v2, venue_b, t2, at(11, 10, 13))
    b3q = book(l3, q, Booking.State.ATTENDED)
    book(l3, s, Booking.State.CANCELLED)
    l4 = lesson(v1, venue_a, t1, at(11, 16), state=Lesson.State.CANCELLED)
    book(l4, p, Booking.State.CANCELLED)
    lesson(v1, venue_a, t1, at(12, 10), state=Lesson.State.SCHEDULED)

    report1 = LessonReport.objects.create(lesson=l1, volunteer=v1, duration_minutes=60)
    LearnerProgress.objects.create(report=report1, booking=b1p, learner=p).skills.set([s1, s2])
    LearnerProgress.objects.create(report=report1, booking=b1q, learner=q, could_teach=True).skills.set([s1])
    report3 = LessonReport.objects.create(lesson=l3, volunteer=v2, duration_minutes=60)
    LearnerProgress.objects.create(report=report3, booking=b3q, learner=q).skills.set([s3])

    S = HelpRequest.State
    _request(municipality=m, learner=p, topic=t1, venue=venue_a, created=at(10, 15), state=S.OPEN)
    h1 = _request(municipality=m, learner=p, topic=t1, venue=venue_a, created=at(11, 1, 9),
                  scheduled=at(11, 1, 12), state=S.SCHEDULED)
    h2 = _request(municipality=m, learner=q, topic=t2, venue=venue_b, created=at(11, 3),
                  scheduled=at(11, 4), state=S.SCHEDULED)
    h3 = _request(municipality=m, learner=r, topic=t1, venue=venue_a, created=at(11, 5),
                  scheduled=at(11, 5, 11), state=S.SCHEDULED)
    h4 = _request(municipality=m, learner=s, topic=t1, venue=None, created=at(11, 6), state=S.ESCALATED)
    _request(municipality=m, learner=p, topic=t1, venue=venue_a, created=at(11, 20), state=S.WITHDRAWN)
    _offer(help_request=h1, volunteer=v1, state=Offer.State.ACCEPTED, created=at(11, 1, 9))
    _offer(help_request=h3, volunteer=v1, state=Offer.State.DECLINED, created=at(11, 5))
    _offer(help_request=h2, volunteer=v2, state=Offer.State.EXPIRED, created=at(11, 3))
    _offer(help_request=h4, volunteer=v2, state=Offer.State.PENDING, created=at(11, 6))

    other = factories.MunicipalityFactory(jis_code="402117", name="筑後市", slug="chikugo")
    other_venue = factories.VenueFactory(municipality=other, name="筑後公民館")
    other_learner = factories.LearnerFactory(municipality=other, name="筑後 よそ")
    other_lesson = factories.LessonFactory(municipality=other, venue=other_venue, starts_at=at(11, 12),
                                           ends_at=at(11, 12, 11), state=Lesson.State.COMPLETED)
    factories.BookingFactory(lesson=other_lesson, learner=other_learner, state=Booking.State.ATTENDED)
    other_request = _request(municipality=other, learner=other_learner, topic=other_lesson.topic,
                             venue=other_venue, created=at(11, 12), state=S.ESCALATED)
    other_coordinator = factories.CoordinatorFactory(email="other@example.jp")
    CoordinatorRole.objects.create(user=other_coordinator, municipality=other)

    return SimpleNamespace(at=at, **locals())
