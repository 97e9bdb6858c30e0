"""Matching: rank the volunteers who could take a request, and say why.

Each factor adds points and a reason a coordinator can read on the offer:
  continuity   the volunteer taught this learner before and it went well
  same_venue / same_district   they already go to this place or area
  fairness     fewer hours taught in the last 30 days
  rest         not offered something in the last hour (a penalty otherwise)
  reliability  how often they accept offers and turn up to their lessons
  language     they speak the learner's language
All counts come from a handful of grouped queries for the whole candidate list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from literacy.people.models import Learner, Volunteer
from literacy.places.models import Venue
from literacy.scheduling.expressions import AmongIds, SecondsBetween
from literacy.scheduling.models import LearnerProgress, Lesson, Offer

WEIGHTS = {
    "continuity": 30.0,
    "same_venue": 20.0,
    "same_district": 10.0,
    "fairness": 15.0,
    "rest": -10.0,
    "reliability": 10.0,
    "language": 15.0,
}
FAIRNESS_WINDOW = dt.timedelta(days=30)
FAIRNESS_HOURS_FOR_ZERO = 10.0  # a volunteer with this many recent hours gets no fairness points
REST_WINDOW = dt.timedelta(hours=1)

REASON_LABELS = {
    "continuity": _("以前この方を担当し、うまくいきました"),
    "same_venue": _("この会場で活動しています"),
    "same_district": _("この地区で活動しています"),
    "fairness": _("最近の活動時間が少なめです"),
    "rest": _("少し前に別の依頼を受け取ったばかりです"),
    "reliability": _("依頼への回答と出席が確実です"),
    "language": _("受講者のことばを話せます"),
}


def reason_label(code: str) -> str:
    return str(REASON_LABELS.get(code, code))


@dataclass
class Candidate:
    volunteer: Volunteer
    score: float
    reasons: list[dict]


def rank_volunteers(
    *,
    volunteers: list[Volunteer],
    learner: Learner,
    venue: Venue | None,
    now: dt.datetime | None = None,
) -> list[Candidate]:
    """Best first. Ties break on the volunteer id so the order is deterministic."""
    now = now or timezone.now()
    ids = [v.pk for v in volunteers]
    if not ids:
        return []
    among = AmongIds("volunteer_id", ids)

    taught_well = set(
        LearnerProgress.objects.filter(AmongIds("report__volunteer_id", ids), learner=learner, went_well=True)
        .values_list("report__volunteer_id", flat=True)
    )
    venue_ids_by_volunteer: dict[int, set[int]] = {}
    district_ids_by_volunteer: dict[int, set[int]] = {}
    if venue is not None:
        for vid, venue_id in Volunteer.venues.through.objects.filter(among).values_list(
            "volunteer_id", "venue_id"
        ):
            venue_ids_by_volunteer.setdefault(vid, set()).add(venue_id)
        for vid, district_id in Volunteer.districts.through.objects.filter(among).values_list(
            "volunteer_id", "district_id"
        ):
            district_ids_by_volunteer.setdefault(vid, set()).add(district_id)
    recent_seconds = dict(
        Lesson.objects.active()
        # ends_at is implied by starts_at (a lesson ends after it starts) and bounds the scan of the
        # (volunteer, ends_at) index to the window instead of each volunteer's whole history.
        .filter(among, starts_at__gte=now - FAIRNESS_WINDOW, starts_at__lt=now + FAIRNESS_WINDOW,
                ends_at__gt=now - FAIRNESS_WINDOW)
        .values("volunteer_id")
        .annotate(seconds=Sum(SecondsBetween("starts_at", "ends_at")))
        .values_list("volunteer_id", "seconds")
    )
    resting = set(
        Offer.objects.filter(among, created_at__gte=now - REST_WINDOW).order_by().values_list(
            "volunteer_id", flat=True
        )
    )
    responses = {
        row["volunteer_id"]: row
        for row in Offer.objects.filter(among)
        .exclude(state__in=[Offer.State.PENDING, Offer.State.WITHDRAWN])
        .order_by()  # Meta.ordering would join help requests for nothing
        .values("volunteer_id")
        .annotate(total=Count("id"), accepted=Count("id", filter=Q(state=Offer.State.ACCEPTED)))
    }

    candidates = []
    for volunteer in volunteers:
        points: list[tuple[str, float]] = []
        if volunteer.pk in taught_well:
            points.append(("continuity", WEIGHTS["continuity"]))
        if venue is not None:
            if venue.pk in venue_ids_by_volunteer.get(volunteer.pk, ()):
                points.append(("same_venue", WEIGHTS["same_venue"]))
            elif venue.district_id in district_ids_by_volunteer.get(volunteer.pk, ()):
                points.append(("same_district", WEIGHTS["same_district"]))
        hours = (recent_seconds.get(volunteer.pk) or 0.0) / 3600
        points.append(("fairness", WEIGHTS["fairness"] * max(0.0, 1 - hours / FAIRNESS_HOURS_FOR_ZERO)))
        if volunteer.pk in resting:
            points.append(("rest", WEIGHTS["rest"]))
        history = responses.get(volunteer.pk)
        # No history yet counts as average, so newcomers are neither favoured nor buried.
        rate = history["accepted"] / history["total"] if history and history["total"] else 0.5
        points.append(("reliability", WEIGHTS["reliability"] * rate))
        if learner.language != "ja" and learner.language in volunteer.language_list:
            points.append(("language", WEIGHTS["language"]))
        reasons = [{"code": code, "points": round(value, 1)} for code, value in points if value]
        candidates.append(
            Candidate(volunteer=volunteer, score=round(sum(r["points"] for r in reasons), 1), reasons=reasons)
        )
    candidates.sort(key=lambda c: (-c.score, c.volunteer.pk))
    return candidates
