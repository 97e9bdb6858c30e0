"""Queue actions: log a call, assign a volunteer by hand, close with a reason — and what the queue
then says. Nothing leaves the queue without an outcome."""

import datetime as dt

import pytest
from django.db import IntegrityError
from django.urls import reverse

from literacy.core.errors import InvalidStateChange, VolunteerUnavailable
from literacy.coverage import selectors
from literacy.followups.models import FollowUp, FollowUpAction
from literacy.followups.services import followup_assign_volunteer, followup_close, followup_log_call
from literacy.people.models import Volunteer
from literacy.people.privacy import erasure_blockers
from literacy.people.services import volunteer_set_status
from literacy.scheduling.models import Booking, HelpRequest, Lesson, Offer
from tests import factories
from tests.conftest import TOKYO
from tests.coverage.conftest import with_totp

TOMORROW_10 = dt.datetime(2026, 12, 8, 10, 0, tzinfo=TOKYO)


@pytest.fixture
def escalated(clock, municipality, venue, topic):
    learner = factories.LearnerFactory(municipality=municipality, name="八女 まつ")
    help_request = HelpRequest.objects.create(
        municipality=municipality, learner=learner, topic=topic, venue=venue, district=venue.district,
        wanted_starts_at=TOMORROW_10, wanted_ends_at=TOMORROW_10 + dt.timedelta(hours=1), channel="kiosk",
        deadline=TOMORROW_10 - dt.timedelta(hours=2), state=HelpRequest.State.ESCALATED,
    )
    return FollowUp.objects.create(
        municipality=municipality, kind=FollowUp.Kind.UNMATCHED_REQUEST, help_request=help_request,
        learner=learner, opened_at=clock_now() - dt.timedelta(hours=5),
    )


def clock_now():
    from django.utils import timezone

    return timezone.now()


@pytest.fixture
def city_client(client, coordinator):
    with_totp(coordinator)
    client.force_login(coordinator)
    return client


def open_cases(municipality):
    return list(selectors.queue_open(municipality=municipality).object_list)


def test_logging_a_call_keeps_the_case_open_and_shows_in_the_queue(escalated, coordinator, city_client):
    followup_log_call(followup=escalated, outcome="no_answer", note="夕方にもう一度", by=coordinator)
    [case] = open_cases(escalated.municipality)
    assert case.calls == 1
    assert case.last_action.note == "出なかった: 夕方にもう一度"
    body = city_client.get(reverse("coverage:queue")).content.decode()
    assert "電話 1 回" in body and "出なかった: 夕方にもう一度" in body


def test_a_call_by_form_is_recorded(escalated, coordinator, city_client):
    response = city_client.post(reverse("coverage:case_call", args=[escalated.pk]),
                                {"outcome": "reached", "note": "来週の希望を伺った"})
    assert response.status_code == 302
    action = FollowUpAction.objects.get(follow_up=escalated)
    assert (action.kind, action.actor, action.note) == ("call", coordinator, "話せた: 来週の希望を伺った")
    # An unknown outcome is refused at the form, and nothing is written.
    city_client.post(reverse("coverage:case_call", args=[escalated.pk]), {"outcome": "maybe"})
    assert FollowUpAction.objects.count() == 1


def test_unknown_call_outcome_and_closed_cases_are_refused(escalated, coordinator):
    with pytest.raises(InvalidStateChange):
        followup_log_call(followup=escalated, outcome="maybe", by=coordinator)
    followup_close(followup=escalated, outcome="解決", closed_by=coordinator)
    with pytest.raises(InvalidStateChange):
        followup_log_call(followup=escalated, outcome="reached", by=coordinator)


def test_nothing_leaves_without_an_outcome(escalated, coordinator, city_client):
    with pytest.raises(InvalidStateChange):
        followup_close(followup=escalated, outcome="  ", closed_by=coordinator)
    city_client.post(reverse("coverage:case_close", args=[escalated.pk]), {"reason": "other", "note": ""})
    escalated.refresh_from_db()
    assert escalated.state == FollowUp.State.OPEN
    # And the database itself refuses a closed case with no outcome.
    with pytest.raises(IntegrityError):
        FollowUp.objects.filter(pk=escalated.pk).update(state="closed", closed_at=escalated.opened_at)


def test_closing_with_a_reason_takes_it_off_the_queue(escalated, coordinator, city_client):
    response = city_client.post(reverse("coverage:case_close", args=[escalated.pk]),
                                {"reason": "not_needed", "note": "娘さんが教えた"})
    assert response.status_code == 302 and response["Location"] == reverse("coverage:queue")
    escalated.refresh_from_db()
    assert escalated.state == FollowUp.State.CLOSED
    assert escalated.outcome == "ご本人が不要とおっしゃった: 娘さんが教えた"
    assert escalated.closed_by == coordinator
    assert open_cases(escalated.municipality) == []
    assert "八女 まつ" not in city_client.get(reverse("coverage:queue")).content.decode()


@pytest.mark.parametrize("reason", ["not_needed", "solved"])
def test_closing_because_the_help_is_no_longer_needed_withdraws_the_request(
    escalated, volunteer, coordinator, city_client, reason
):
    offer = Offer.objects.create(help_request=escalated.help_request, volunteer=volunteer, score=0,
                                 expires_at=TOMORROW_10, state=Offer.State.PENDING)
    city_client.post(reverse("coverage:case_close", args=[escalated.pk]), {"reason": reason})
    escalated.help_request.refresh_from_db()
    offer.refresh_from_db()
    assert escalated.help_request.state == HelpRequest.State.WITHDRAWN
    assert escalated.help_request.withdrawn_at is not None
    assert offer.state == Offer.State.WITHDRAWN  # the volunteer is no longer asked
    assert not erasure_blockers(learner=escalated.learner)  # a data request can now be answered


@pytest.mark.parametrize("reason", ["unreachable", "booked", "volunteer_signup"])
def test_other_outcomes_leave_the_request_as_it_is(escalated, city_client, reason):
    city_client.post(reverse("coverage:case_close", args=[escalated.pk]), {"reason": reason})
    escalated.refresh_from_db()
    escalated.help_request.refresh_from_db()
    assert escalated.state == FollowUp.State.CLOSED
    assert escalated.help_request.state == HelpRequest.State.ESCALATED
    assert erasure_blockers(learner=escalated.learner)


def test_a_request_with_an_active_booking_is_not_withdrawn_by_closing_its_case(escalated, coordinator):
    factories.BookingFactory(help_request=escalated.help_request, learner=escalated.learner,
                             municipality=escalated.municipality, state=Booking.State.PENDING)
    followup_close(followup=escalated, outcome="不要", closed_by=coordinator, withdraw_request=True)
    escalated.help_request.refresh_from_db()
    assert escalated.help_request.state == HelpRequest.State.ESCALATED


def test_assign_by_hand_makes_the_lesson_and_closes_the_case(escalated, volunteer, coordinator, city_client):
    page = city_client.get(reverse("coverage:case", args=[escalated.pk])).content.decode()
    assert volunteer.name in page and "この会場で活動しています" in page  # suggestion with its reason
    response = city_client.post(reverse("coverage:case_assign", args=[escalated.pk]), {"volunteer": volunteer.pk})
    assert response.status_code == 302
    escalated.refresh_from_db()
    help_request = escalated.help_request
    help_request.refresh_from_db()
    assert help_request.state == HelpRequest.State.SCHEDULED
    lesson = help_request.lesson
    assert (lesson.volunteer, lesson.starts_at) == (volunteer, TOMORROW_10)
    assert escalated.state == FollowUp.State.CLOSED
    assert escalated.closed_by == coordinator and volunteer.name in escalated.outcome
    assert list(escalated.actions.values_list("kind", flat=True)) == ["assign"]
    assert open_cases(escalated.municipality) == []


def test_assign_when_the_volunteer_is_busy_is_a_message_not_a_500(escalated, volunteer, coordinator, city_client):
    factories.LessonFactory(municipality=volunteer.municipality, volunteer=volunteer, starts_at=TOMORROW_10,
                            ends_at=TOMORROW_10 + dt.timedelta(hours=1))
    with pytest.raises(VolunteerUnavailable):
        followup_assign_volunteer(followup=escalated, volunteer=volunteer, by=coordinator)
    response = city_client.post(reverse("coverage:case_assign", args=[escalated.pk]), {"volunteer": volunteer.pk},
                                follow=True)
    assert response.status_code == 200
    assert "対応できるボランティアがいません" in response.content.decode()
    escalated.refresh_from_db()
    assert escalated.state == FollowUp.State.OPEN and Lesson.objects.count() == 1


def test_assign_refuses_other_cities_volunteers_and_cases_without_request(escalated, coordinator):
    stranger = factories.VolunteerFactory()
    with pytest.raises(InvalidStateChange):
        followup_assign_volunteer(followup=escalated, volunteer=stranger, by=coordinator)
    voicemail = FollowUp.objects.create(
        municipality=escalated.municipality, kind=FollowUp.Kind.VOICEMAIL, caller_phone="+81943231111",
        opened_at=escalated.opened_at,
    )
    with pytest.raises(InvalidStateChange):
        followup_assign_volunteer(followup=voicemail, volunteer=stranger, by=coordinator)


def test_approving_a_volunteer_closes_their_approval_case(clock, municipality, coordinator, city_client):
    applicant = factories.VolunteerFactory(municipality=municipality, status=Volunteer.Status.APPLIED, name="申請 はな")
    case = FollowUp.objects.create(municipality=municipality, kind=FollowUp.Kind.VOLUNTEER_APPROVAL,
                                   volunteer=applicant, opened_at=clock_now())
    assert selectors.queue_summary(municipality=municipality).total == 1
    assert "申請 はな" in city_client.get(reverse("coverage:queue")).content.decode()
    city_client.post(reverse("coverage:volunteer_status", args=[applicant.pk]), {"status": "approved"})
    applicant.refresh_from_db()
    case.refresh_from_db()
    assert (applicant.status, applicant.approved_by, applicant.approved_at) == ("approved", coordinator, clock_now())
    assert (case.state, case.outcome, case.closed_by) == ("closed", "承認済み", coordinator)
    assert selectors.queue_summary(municipality=municipality).total == 0


def test_applicants_without_a_case_are_listed_too(clock, municipality):
    factories.VolunteerFactory(municipality=municipality, status=Volunteer.Status.APPLIED)
    summary = selectors.queue_summary(municipality=municipality)
    assert (summary.applied_volunteers, summary.total) == (1, 1)


def test_pause_and_retire_keep_the_first_approval(clock, volunteer, coordinator):
    volunteer_set_status(volunteer=volunteer, status="approved", changed_by=coordinator)
    volunteer.refresh_from_db()
    first = volunteer.approved_at
    volunteer_set_status(volunteer=volunteer, status="paused", changed_by=coordinator)
    volunteer_set_status(volunteer=volunteer, status="retired", changed_by=coordinator)
    volunteer.refresh_from_db()
    assert (volunteer.status, volunteer.approved_at) == ("retired", first)
    with pytest.raises(InvalidStateChange):
        volunteer_set_status(volunteer=volunteer, status="fired", changed_by=coordinator)


def test_an_applicant_with_a_case_is_listed_once_and_approved_from_the_case(clock, municipality, city_client):
    applicant = factories.VolunteerFactory(municipality=municipality, status=Volunteer.Status.APPLIED, name="申請 もも")
    case = FollowUp.objects.create(municipality=municipality, kind=FollowUp.Kind.VOLUNTEER_APPROVAL,
                                   volunteer=applicant, opened_at=clock_now())
    # Another open case about the same person must not hide them from the count.
    FollowUp.objects.create(municipality=municipality, kind=FollowUp.Kind.CALL_BACK, volunteer=applicant,
                            opened_at=clock_now())
    assert selectors.volunteers_applied(municipality=municipality) == []
    body = city_client.get(reverse("coverage:queue")).content.decode()
    assert body.count("申請 もも") == 2  # one line per case, not a third in the applicants' table
    assert "承認待ちのボランティア (1)" in body
    page = city_client.get(reverse("coverage:case", args=[case.pk])).content.decode()
    assert "承認する" in page
    city_client.post(reverse("coverage:volunteer_status", args=[applicant.pk]), {"status": "approved"})
    case.refresh_from_db()
    assert case.state == FollowUp.State.CLOSED


def test_a_request_without_a_time_cannot_be_assigned_and_says_why(escalated, volunteer, coordinator, city_client):
    HelpRequest.objects.filter(pk=escalated.help_request_id).update(
        wanted_starts_at=None, wanted_ends_at=None, preference_note="平日の午前")
    escalated.refresh_from_db()
    with pytest.raises(InvalidStateChange) as error:
        followup_assign_volunteer(followup=escalated, volunteer=volunteer, by=coordinator)
    assert error.value.code == "request_has_no_time"
    page = city_client.get(reverse("coverage:case", args=[escalated.pk])).content.decode()
    assert "希望の日時が決まっていない依頼です" in page and "平日の午前" in page
