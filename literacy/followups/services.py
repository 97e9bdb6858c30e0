"""Open and close cases in the coordinators' queue. A case closes only with an outcome."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from literacy.core.errors import InvalidStateChange
from literacy.followups.models import FollowUp, FollowUpAction

if TYPE_CHECKING:
    from literacy.people.models import Volunteer
    from literacy.scheduling.models import Lesson


@transaction.atomic
def followup_open(
    *, municipality, kind: str, now: dt.datetime | None = None, detail: str = "", **subject
) -> FollowUp:
    """Open a case, or return the one already open for the same subject (never a duplicate)."""
    lookup = {"municipality": municipality, "kind": kind, "state": FollowUp.State.OPEN, **subject}
    existing = FollowUp.objects.filter(**lookup).first()
    if existing:
        return existing
    followup = FollowUp(opened_at=now or timezone.now(), detail=detail, **lookup)
    followup.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            followup.save()
    except IntegrityError:
        return FollowUp.objects.get(**lookup)
    return followup


@transaction.atomic
def followup_close(
    *, followup: FollowUp, outcome: str, closed_by=None, withdraw_request: bool = False,
    now: dt.datetime | None = None,
) -> FollowUp:
    """Close a case with its outcome. With withdraw_request (the learner said they no longer need
    the help, or it was solved on the phone) the case's request stops too, so it neither waits
    for a volunteer nor blocks erasing the learner's data; a request with a booking stays."""
    if not outcome.strip():
        raise InvalidStateChange(code="outcome_required")
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.state != FollowUp.State.OPEN:
        raise InvalidStateChange()
    if withdraw_request and followup.help_request_id:
        # Imported here: scheduling imports this module to open and close cases.
        from literacy.scheduling.services import help_request_withdraw

        help_request_withdraw(help_request=followup.help_request, now=now)
    followup.state = FollowUp.State.CLOSED
    followup.outcome = outcome.strip()
    followup.closed_at = now or timezone.now()
    followup.closed_by = closed_by
    followup.save()
    FollowUpAction.objects.create(follow_up=followup, actor=closed_by, kind="close", note=followup.outcome)
    return followup


def followups_close_for(
    *, kind: str, outcome: str, now: dt.datetime | None = None, closed_by=None, **subject
) -> int:
    """Close open cases that were settled elsewhere (a late volunteer accepted the request, a
    coordinator approved the volunteer from their page)."""
    return FollowUp.objects.filter(kind=kind, state=FollowUp.State.OPEN, **subject).update(
        state=FollowUp.State.CLOSED, outcome=outcome, closed_at=now or timezone.now(), closed_by=closed_by
    )


class CallOutcome:
    """What happened on a call a coordinator made for a case (stored on the action's note)."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    WRONG_NUMBER = "wrong_number"

    CHOICES = (
        (REACHED, gettext_lazy("話せた")),
        (NO_ANSWER, gettext_lazy("出なかった")),
        (LEFT_MESSAGE, gettext_lazy("留守電に伝言した")),
        (WRONG_NUMBER, gettext_lazy("番号違い・つながらない")),
    )

    @classmethod
    def label(cls, code: str) -> str:
        return str(dict(cls.CHOICES).get(code, code))


NO_TIME_YET = gettext_lazy("希望の日時が決まっていない依頼です。お電話で日時を伺い、電話窓口から予約してください。")


def _open_case(followup: FollowUp) -> FollowUp:
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.state != FollowUp.State.OPEN:
        raise InvalidStateChange()
    return followup


@transaction.atomic
def followup_log_call(
    *, followup: FollowUp, outcome: str, note: str = "", by=None, now: dt.datetime | None = None
) -> FollowUpAction:
    """A coordinator called about the case: record who, when and how it went. The case stays open
    (a call is a step, not an outcome) until it is closed with a reason."""
    if outcome not in dict(CallOutcome.CHOICES):
        raise InvalidStateChange(code="unknown_call_outcome")
    followup = _open_case(followup)
    action = FollowUpAction(
        follow_up=followup, actor=by, kind="call", note=f"{CallOutcome.label(outcome)}: {note.strip()}".rstrip(": ")
    )
    action.full_clean()
    action.save()
    if now is not None:
        # created_at is auto_now_add; a caller that passes a clock wants that time on record.
        FollowUpAction.objects.filter(pk=action.pk).update(created_at=now)
        action.created_at = now
    return action


@transaction.atomic
def followup_assign_volunteer(
    *, followup: FollowUp, volunteer: Volunteer, by=None, now: dt.datetime | None = None
) -> Lesson:
    """Assign a volunteer by hand to the case's request: the lesson is made at once (through
    scheduling's help_request_assign) and the case closes with the assignment as its outcome."""
    # Imported here: scheduling imports this module to open and close cases.
    from literacy.people.models import Volunteer
    from literacy.scheduling.services import help_request_assign

    now = now or timezone.now()
    followup = _open_case(followup)
    if followup.help_request_id is None:
        raise InvalidStateChange(code="no_request_to_assign")
    if volunteer.municipality_id != followup.municipality_id or volunteer.status != Volunteer.Status.APPROVED:
        raise InvalidStateChange(code="volunteer_not_assignable")
    if followup.help_request.wanted_starts_at is None:
        raise InvalidStateChange(NO_TIME_YET, code="request_has_no_time")
    lesson = help_request_assign(help_request=followup.help_request, volunteer=volunteer, assigned_by=by, now=now)
    outcome = _("%(name)s さんに担当を依頼しました") % {"name": volunteer.name}
    FollowUpAction.objects.create(follow_up=followup, actor=by, kind="assign", note=outcome)
    followup.refresh_from_db()
    if followup.state == FollowUp.State.OPEN:
        followup_close(followup=followup, outcome=outcome, closed_by=by, now=now)
    else:
        # Scheduling closed the case itself (it resolves unmatched-request cases); say who did it.
        FollowUp.objects.filter(pk=followup.pk).update(closed_by=by, outcome=outcome)
    return lesson
