"""Open and close cases in the coordinators' queue. A case closes only with an outcome."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from literacy.core.errors import InvalidStateChange
from literacy.followups.models import FollowUp, FollowUpAction


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
def followup_close(*, followup: FollowUp, outcome: str, closed_by=None, now: dt.datetime | None = None) -> FollowUp:
    if not outcome.strip():
        raise InvalidStateChange(code="outcome_required")
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.state != FollowUp.State.OPEN:
        raise InvalidStateChange()
    followup.state = FollowUp.State.CLOSED
    followup.outcome = outcome.strip()
    followup.closed_at = now or timezone.now()
    followup.closed_by = closed_by
    followup.save()
    FollowUpAction.objects.create(follow_up=followup, actor=closed_by, kind="close", note=followup.outcome)
    return followup


def followups_close_for(*, kind: str, outcome: str, now: dt.datetime | None = None, **subject) -> int:
    """Close open cases that resolved themselves (e.g. a late volunteer accepted the request)."""
    return FollowUp.objects.filter(kind=kind, state=FollowUp.State.OPEN, **subject).update(
        state=FollowUp.State.CLOSED, outcome=outcome, closed_at=now or timezone.now()
    )
