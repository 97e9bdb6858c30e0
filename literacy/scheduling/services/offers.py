"""Help requests and offers: rank volunteers, offer to the best few, first acceptance wins,
declines and expiries move on, and what is still unmatched at its deadline goes to a person."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from literacy.core.errors import NotFoundError, OfferNotAvailable, VolunteerNotActive
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_open, followups_close_for
from literacy.notifications import triggers
from literacy.people.models import Volunteer
from literacy.scheduling.matching import rank_volunteers
from literacy.scheduling.models import Booking, HelpRequest, Lesson, Offer
from literacy.scheduling.services.overlap import insert_lesson
from literacy.scheduling.slots import find_slot

# A request must be settled a little before its lesson, so the learner can be told in time.
SETTLE_BEFORE_START = dt.timedelta(hours=2)
REQUEST_MAX_WAIT = dt.timedelta(hours=24)


def request_deadline(*, starts_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    if starts_at is None:
        return now + REQUEST_MAX_WAIT
    return max(now, min(now + REQUEST_MAX_WAIT, starts_at - SETTLE_BEFORE_START))


@transaction.atomic
def help_request_create(
    *, municipality, learner, topic, venue=None, district=None, starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None, channel: str, entered_by=None, preference_note: str = "",
    exclude_volunteer_ids: frozenset[int] = frozenset(), send_offers: bool = True, kiosk_device=None,
    now: dt.datetime | None = None,
) -> HelpRequest:
    now = now or timezone.now()
    help_request = HelpRequest(
        municipality=municipality, learner=learner, topic=topic, venue=venue,
        district=district or (venue.district if venue else None), wanted_starts_at=starts_at,
        wanted_ends_at=ends_at, channel=channel, entered_by=entered_by, preference_note=preference_note,
        deadline=request_deadline(starts_at=starts_at, now=now), kiosk_device=kiosk_device,
    )
    help_request.full_clean()
    help_request.save()
    if send_offers:
        offers_send(help_request=help_request, exclude_volunteer_ids=exclude_volunteer_ids, now=now)
    return help_request


def _candidates(*, help_request: HelpRequest, exclude: frozenset[int], now: dt.datetime) -> list[Volunteer]:
    """Volunteers free at the wanted time, who have not been offered this request before."""
    if help_request.wanted_starts_at is None or help_request.venue is None:
        return []
    slot = find_slot(
        municipality=help_request.municipality, topic=help_request.topic, venue=help_request.venue,
        starts_at=help_request.wanted_starts_at, now=now, exclude_volunteer_ids=exclude,
    )
    if slot is None:
        return []
    return list(Volunteer.objects.filter(pk__in=slot.volunteer_ids))


@transaction.atomic
def offers_send(
    *, help_request: HelpRequest, exclude_volunteer_ids: frozenset[int] = frozenset(),
    now: dt.datetime | None = None,
) -> list[Offer]:
    """Top up the request's pending offers to the municipality's number at once; when no one is
    left to ask and nothing is pending, hand the request to the coordinators."""
    now = now or timezone.now()
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if help_request.state not in (HelpRequest.State.OPEN, HelpRequest.State.OFFERED):
        return []
    already = set(help_request.offers.values_list("volunteer_id", flat=True))
    pending = help_request.offers.filter(state=Offer.State.PENDING).count()
    wanted = help_request.municipality.offers_at_once - pending
    created: list[Offer] = []
    if wanted > 0:
        candidates = rank_volunteers(
            volunteers=_candidates(help_request=help_request, exclude=frozenset(already) | exclude_volunteer_ids,
                                   now=now),
            learner=help_request.learner, venue=help_request.venue, now=now,
        )
        expires_at = min(now + dt.timedelta(hours=help_request.municipality.offer_hours), help_request.deadline)
        next_rank = len(already) + 1
        for candidate in candidates[:wanted]:
            offer = Offer(
                help_request=help_request, volunteer=candidate.volunteer, score=candidate.score,
                reasons=candidate.reasons, rank=next_rank, expires_at=expires_at,
            )
            offer.full_clean(validate_constraints=False)
            offer.save()
            next_rank += 1
            created.append(offer)
            triggers.offer_created(offer=offer)
    if created or pending:
        if help_request.state != HelpRequest.State.OFFERED:
            help_request.state = HelpRequest.State.OFFERED
            help_request.save(update_fields=["state", "updated_at"])
    else:
        _escalate(help_request=help_request, now=now)
    return created


def _escalate(*, help_request: HelpRequest, now: dt.datetime) -> None:
    help_request.state = HelpRequest.State.ESCALATED
    help_request.escalated_at = now
    help_request.save(update_fields=["state", "escalated_at", "updated_at"])
    help_request.offers.filter(state=Offer.State.PENDING).update(
        state=Offer.State.WITHDRAWN, responded_at=now
    )
    followup_open(
        municipality=help_request.municipality, kind=FollowUp.Kind.UNMATCHED_REQUEST,
        help_request=help_request, learner=help_request.learner, now=now,
    )
    triggers.request_escalated(help_request=help_request)


def _schedule(*, help_request: HelpRequest, offer: Offer, now: dt.datetime) -> Lesson:
    """The request becomes a lesson with the offer's volunteer; everyone else's offer is withdrawn."""
    lesson = insert_lesson(
        Lesson(
            municipality=help_request.municipality, volunteer=offer.volunteer, venue=help_request.venue,
            topic=help_request.topic, starts_at=help_request.wanted_starts_at,
            ends_at=help_request.wanted_ends_at,
        )
    )
    offer.state = Offer.State.ACCEPTED
    offer.responded_at = now
    offer.save()
    help_request.offers.filter(state=Offer.State.PENDING).exclude(pk=offer.pk).update(
        state=Offer.State.WITHDRAWN, responded_at=now
    )
    help_request.state = HelpRequest.State.SCHEDULED
    help_request.lesson = lesson
    help_request.scheduled_at = now
    help_request.save()
    followups_close_for(
        kind=FollowUp.Kind.UNMATCHED_REQUEST, help_request=help_request,
        outcome=str(_("ボランティアが引き受けました")), now=now,
    )
    triggers.lesson_scheduled(lesson=lesson)
    for booking in help_request.bookings.filter(state=Booking.State.PENDING).select_related("learner"):
        booking.state = Booking.State.BOOKED
        booking.lesson = lesson
        booking.save()
        triggers.booking_confirmed(booking=booking, after_waiting=True)
    return lesson


@transaction.atomic
def offer_accept(*, offer: Offer, volunteer: Volunteer, now: dt.datetime | None = None) -> Lesson:
    """The first acceptance wins: the request row is locked, so a second accept waits, then finds
    the request scheduled and gets OfferNotAvailable."""
    now = now or timezone.now()
    if offer.volunteer_id != volunteer.pk:
        raise NotFoundError()
    help_request = HelpRequest.objects.select_for_update().get(pk=offer.help_request_id)
    offer = Offer.objects.select_for_update(of=("self",)).select_related("volunteer").get(pk=offer.pk)
    if offer.state != Offer.State.PENDING or help_request.state not in HelpRequest.ACTIVE_STATES:
        raise OfferNotAvailable()
    if offer.expires_at <= now:
        raise OfferNotAvailable(code="offer_expired")
    if offer.volunteer.status != Volunteer.Status.APPROVED:
        raise VolunteerNotActive()
    return _schedule(help_request=help_request, offer=offer, now=now)


@transaction.atomic
def offer_decline(*, offer: Offer, volunteer: Volunteer, now: dt.datetime | None = None) -> Offer:
    now = now or timezone.now()
    if offer.volunteer_id != volunteer.pk:
        raise NotFoundError()
    help_request = HelpRequest.objects.select_for_update().get(pk=offer.help_request_id)
    offer = Offer.objects.select_for_update().get(pk=offer.pk)
    if offer.state == Offer.State.DECLINED:
        return offer
    if offer.state != Offer.State.PENDING:
        raise OfferNotAvailable()
    offer.state = Offer.State.DECLINED
    offer.responded_at = now
    offer.save()
    offers_send(help_request=help_request, now=now)
    return offer


@transaction.atomic
def help_request_assign(
    *, help_request: HelpRequest, volunteer: Volunteer, assigned_by=None, now: dt.datetime | None = None,
) -> Lesson:
    """A coordinator assigns a volunteer by hand (after a phone call): an accepted offer whose
    reason says so, and the lesson at once."""
    now = now or timezone.now()
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if help_request.state not in HelpRequest.ACTIVE_STATES or help_request.wanted_starts_at is None:
        raise OfferNotAvailable()
    offer, _ = Offer.objects.get_or_create(
        help_request=help_request, volunteer=volunteer,
        defaults={"score": 0, "reasons": [{"code": "assigned", "points": 0}], "expires_at": now,
                  "rank": help_request.offers.count() + 1},
    )
    return _schedule(help_request=help_request, offer=offer, now=now)


@transaction.atomic
def help_request_withdraw(*, help_request: HelpRequest, now: dt.datetime | None = None) -> HelpRequest:
    """The learner no longer needs the help: the request stops and the offers still out to
    volunteers are withdrawn. A request that still has an active booking stays (cancelling the
    booking withdraws it), and one already settled is left as it is, so calling twice is harmless."""
    now = now or timezone.now()
    help_request = HelpRequest.objects.select_for_update().get(pk=help_request.pk)
    if help_request.state not in HelpRequest.ACTIVE_STATES or help_request.bookings.active().exists():
        return help_request
    help_request.state = HelpRequest.State.WITHDRAWN
    help_request.withdrawn_at = now
    help_request.save()
    help_request.offers.filter(state=Offer.State.PENDING).update(state=Offer.State.WITHDRAWN, responded_at=now)
    return help_request


def offers_expire_due(*, now: dt.datetime | None = None) -> int:
    """Expire offers nobody answered in time and move each request on to its next candidates."""
    now = now or timezone.now()
    request_ids = set(
        Offer.objects.filter(state=Offer.State.PENDING, expires_at__lte=now).values_list(
            "help_request_id", flat=True
        )
    )
    expired = 0
    for request_id in request_ids:
        with transaction.atomic():
            help_request = HelpRequest.objects.select_for_update().get(pk=request_id)
            expired += help_request.offers.filter(state=Offer.State.PENDING, expires_at__lte=now).update(
                state=Offer.State.EXPIRED, responded_at=now
            )
            if help_request.deadline <= now:
                if help_request.state in (HelpRequest.State.OPEN, HelpRequest.State.OFFERED):
                    _escalate(help_request=help_request, now=now)
            else:
                offers_send(help_request=help_request, now=now)
    return expired


def help_requests_escalate_due(*, now: dt.datetime | None = None) -> int:
    """Requests still unmatched at their deadline go to the coordinators' queue. None stays open."""
    now = now or timezone.now()
    due = HelpRequest.objects.filter(
        state__in=[HelpRequest.State.OPEN, HelpRequest.State.OFFERED], deadline__lte=now
    ).values_list("pk", flat=True)
    count = 0
    for request_id in list(due):
        with transaction.atomic():
            help_request = HelpRequest.objects.select_for_update().get(pk=request_id)
            if help_request.state in (HelpRequest.State.OPEN, HelpRequest.State.OFFERED):
                _escalate(help_request=help_request, now=now)
                count += 1
    return count
