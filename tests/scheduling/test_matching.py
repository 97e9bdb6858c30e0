"""Matching: each factor moves the ranking and leaves a reason."""

import datetime as dt

from literacy.scheduling.matching import rank_volunteers, reason_label
from literacy.scheduling.models import LearnerProgress, LessonReport, Offer
from tests import factories
from tests.conftest import NOW


def codes(candidate):
    return {r["code"] for r in candidate.reasons}


def test_place_continuity_fairness_rest_reliability_language(db, municipality, venue, topic, clock):
    learner = factories.LearnerFactory(municipality=municipality, language="en")
    plain, local, former, busy, english = (factories.VolunteerFactory(municipality=municipality) for _ in range(5))
    local.venues.add(venue)
    english.languages = "ja,en"
    english.save()
    lesson = factories.LessonFactory(municipality=municipality, volunteer=former, venue=venue, topic=topic,
                                     starts_at=NOW - dt.timedelta(days=90), ends_at=NOW - dt.timedelta(days=90, hours=-1))
    booking = factories.BookingFactory(lesson=lesson, learner=learner)
    report = LessonReport.objects.create(lesson=lesson, volunteer=former, duration_minutes=60)
    LearnerProgress.objects.create(report=report, booking=booking, learner=learner, went_well=True)
    for day in range(1, 8):  # busy taught 7 hours in the last month
        factories.LessonFactory(municipality=municipality, volunteer=busy, venue=venue, topic=topic,
                                starts_at=NOW - dt.timedelta(days=day), ends_at=NOW - dt.timedelta(days=day, hours=-1))

    ranked = rank_volunteers(volunteers=[plain, local, former, busy, english], learner=learner, venue=venue, now=NOW)
    by_volunteer = {c.volunteer: c for c in ranked}
    assert "continuity" in codes(by_volunteer[former]) and ranked[0].volunteer == former
    assert "same_venue" in codes(by_volunteer[local])
    assert "language" in codes(by_volunteer[english])
    assert by_volunteer[busy].score < by_volunteer[plain].score
    assert all(reason_label(code) for c in ranked for code in codes(c))


def test_recent_offer_is_a_rest_penalty_and_reliability_counts(db, municipality, venue, topic, clock):
    learner = factories.LearnerFactory(municipality=municipality)
    rested, tired, reliable = (factories.VolunteerFactory(municipality=municipality) for _ in range(3))
    request = factories_help_request(municipality, learner, topic)
    Offer.objects.create(help_request=request, volunteer=tired, score=0, expires_at=NOW, state=Offer.State.PENDING)
    other = factories_help_request(municipality, learner, topic)
    accepted = Offer.objects.create(help_request=other, volunteer=reliable, score=0, expires_at=NOW, state=Offer.State.ACCEPTED)
    Offer.objects.filter(pk=accepted.pk).update(created_at=NOW - dt.timedelta(days=10))  # long enough ago to be rested
    ranked = {c.volunteer: c for c in rank_volunteers(volunteers=[rested, tired, reliable], learner=learner, venue=venue, now=NOW)}
    assert "rest" in codes(ranked[tired]) and ranked[tired].score < ranked[rested].score
    assert ranked[reliable].score > ranked[rested].score  # accepted its offers: rate 1.0 beats the default 0.5


def test_ranking_is_deterministic_and_uses_a_fixed_number_of_queries(db, municipality, venue, clock, django_assert_max_num_queries):
    learner = factories.LearnerFactory(municipality=municipality)
    volunteers = [factories.VolunteerFactory(municipality=municipality) for _ in range(30)]
    with django_assert_max_num_queries(6):
        first = rank_volunteers(volunteers=volunteers, learner=learner, venue=venue, now=NOW)
    second = rank_volunteers(volunteers=list(reversed(volunteers)), learner=learner, venue=venue, now=NOW)
    assert [c.volunteer for c in first] == [c.volunteer for c in second]


def factories_help_request(municipality, learner, topic):
    from literacy.scheduling.models import HelpRequest

    return HelpRequest.objects.create(municipality=municipality, learner=learner, topic=topic, channel="kiosk", deadline=NOW)
