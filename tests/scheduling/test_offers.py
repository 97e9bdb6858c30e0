"""Offers: first acceptance wins, declines and expiries move on, the deadline escalates."""

import datetime as dt

import pytest

from literacy.core.errors import NotFoundError, OfferNotAvailable
from literacy.followups.models import FollowUp
from literacy.scheduling.models import Booking, HelpRequest, Lesson, Offer
from literacy.scheduling.services import (
    LearnerDetails,
    booking_create,
    help_request_assign,
    help_requests_escalate_due,
    offer_accept,
    offer_decline,
    offers_expire_due,
)
from tests import factories
from tests.conftest import NOW, TOKYO

TUESDAY = NOW.date() + dt.timedelta(days=1)
ELEVEN = dt.datetime.combine(TUESDAY, dt.time(11), tzinfo=TOKYO)


@pytest.fixture
def volunteers(municipality, topic, venue):
    """Four volunteers free on Tuesday 10–12 at the venue; offers go to three at once."""
    people = []
    for _ in range(4):
        v = factories.VolunteerFactory(municipality=municipality, topics=[topic])
        factories.AvailabilityFactory(volunteer=v, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))
        people.append(v)
    return people


@pytest.fixture
def pending(municipality, topic, venue, volunteers, clock):
    result = booking_create(
        municipality=municipality, topic=topic, venue=venue, starts_at=ELEVEN, channel="kiosk",
        learner_details=LearnerDetails(phone="090-1234-5678", name="八女 花子"), now=NOW,
    )
    return result.booking


def test_offers_go_to_the_best_few_with_reasons(pending, volunteers):
    offers = list(pending.help_request.offers.order_by("rank"))
    assert len(offers) == 3 and all(o.state == Offer.State.PENDING for o in offers)
    assert [o.rank for o in offers] == [1, 2, 3]
    assert all(o.reasons and o.score == pytest.approx(sum(r["points"] for r in o.reasons)) for o in offers)
    assert all(o.expires_at <= pending.help_request.deadline for o in offers)


def test_first_acceptance_wins_and_others_are_withdrawn(pending):
    first, second, third = pending.help_request.offers.order_by("rank")
    lesson = offer_accept(offer=second, volunteer=second.volunteer, now=NOW)
    assert lesson.volunteer == second.volunteer and lesson.starts_at == ELEVEN
    pending.refresh_from_db()
    assert pending.state == Booking.State.BOOKED and pending.lesson == lesson
    states = dict(pending.help_request.offers.values_list("pk", "state"))
    assert states == {first.pk: "withdrawn", second.pk: "accepted", third.pk: "withdrawn"}
    with pytest.raises(OfferNotAvailable):
        offer_accept(offer=first, volunteer=first.volunteer, now=NOW)


def test_cannot_accept_someone_elses_offer(pending):
    first, second, _ = pending.help_request.offers.order_by("rank")
    with pytest.raises(NotFoundError):
        offer_accept(offer=first, volunteer=second.volunteer, now=NOW)


def test_decline_moves_on_to_the_next_candidate(pending, volunteers):
    first = pending.help_request.offers.get(rank=1)
    offer_decline(offer=first, volunteer=first.volunteer, now=NOW)
    offers = pending.help_request.offers
    assert offers.filter(state=Offer.State.PENDING).count() == 3
    assert set(offers.values_list("volunteer_id", flat=True)) == {v.pk for v in volunteers}


def test_everyone_declines_then_escalates(pending):
    for _ in range(4):
        offer = pending.help_request.offers.filter(state=Offer.State.PENDING).first()
        offer_decline(offer=offer, volunteer=offer.volunteer, now=NOW)
    request = HelpRequest.objects.get(pk=pending.help_request_id)
    assert request.state == HelpRequest.State.ESCALATED
    followup = FollowUp.objects.get(kind=FollowUp.Kind.UNMATCHED_REQUEST)
    assert followup.help_request == request and followup.learner == pending.learner


def test_expiry_moves_on_and_deadline_escalates(pending, clock):
    request = pending.help_request
    clock.move_to(request.offers.first().expires_at + dt.timedelta(seconds=1))
    assert offers_expire_due() == 3
    assert request.offers.filter(state=Offer.State.PENDING).count() == 1  # the fourth volunteer
    clock.move_to(request.deadline + dt.timedelta(seconds=1))
    offers_expire_due()
    help_requests_escalate_due()
    request.refresh_from_db()
    assert request.state == HelpRequest.State.ESCALATED
    assert not request.offers.filter(state=Offer.State.PENDING).exists()
    assert FollowUp.objects.filter(help_request=request, state=FollowUp.State.OPEN).count() == 1


def test_expired_offer_cannot_be_accepted(pending, clock):
    offer = pending.help_request.offers.first()
    clock.move_to(offer.expires_at + dt.timedelta(minutes=1))
    with pytest.raises(OfferNotAvailable):
        offer_accept(offer=offer, volunteer=offer.volunteer)


def test_no_candidate_escalates_immediately(municipality, topic, venue, clock):
    lonely = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    factories.AvailabilityFactory(volunteer=lonely, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))
    booking = booking_create(municipality=municipality, topic=topic, venue=venue, starts_at=ELEVEN, channel="kiosk",
                             learner_details=LearnerDetails(phone="090-1234-5678", name="八女 花子"), now=NOW).booking
    offer = booking.help_request.offers.get()
    offer_decline(offer=offer, volunteer=lonely, now=NOW)
    assert HelpRequest.objects.get().state == HelpRequest.State.ESCALATED


def test_coordinator_assigns_by_hand_and_queue_case_closes(pending, volunteers, coordinator):
    for offer in pending.help_request.offers.filter(state=Offer.State.PENDING):
        offer_decline(offer=offer, volunteer=offer.volunteer, now=NOW)
    offer_decline(offer=pending.help_request.offers.get(state="pending"), volunteer=volunteers[3], now=NOW)
    request = HelpRequest.objects.get(pk=pending.help_request_id)
    assert request.state == HelpRequest.State.ESCALATED
    lesson = help_request_assign(help_request=request, volunteer=volunteers[0], assigned_by=coordinator, now=NOW)
    assert lesson.volunteer == volunteers[0]
    assert not FollowUp.objects.filter(state=FollowUp.State.OPEN).exists()
    pending.refresh_from_db()
    assert pending.state == Booking.State.BOOKED


def test_accept_when_volunteer_became_busy_is_refused(pending, municipality, venue, topic):
    offer = pending.help_request.offers.get(rank=1)
    factories.LessonFactory(municipality=municipality, volunteer=offer.volunteer, venue=venue, topic=topic,
                            starts_at=ELEVEN - dt.timedelta(minutes=30), ends_at=ELEVEN + dt.timedelta(minutes=30))
    with pytest.raises(OfferNotAvailable.__mro__[1]):  # a ConflictError: VolunteerUnavailable
        offer_accept(offer=offer, volunteer=offer.volunteer, now=NOW)
    assert Lesson.objects.filter(starts_at=ELEVEN).count() == 0
