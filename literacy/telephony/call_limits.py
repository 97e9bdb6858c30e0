"""Calls per caller number on the voice line: a brake on a dialler (or a prank) tying up the line.

Every call costs Twilio minutes and may ring the coordinators' phone or fill their voicemail
queue. Calls are counted in the database from the CallSession each one leaves, per caller and
per municipality, in the last hour and the last 24 hours. A caller over the limit hears a short
polite message and the call ends: no menu, no booking, no text, no recording. The coordinators'
queue gets one case for the number (or the withheld bucket), so a flood, a stuck autodialer or a
confused senior calling again and again is seen by a person.

Calls without a usable number (withheld — 非通知 — or foreign-looking) cannot be told apart, so
they share one bucket per municipality with higher limits: a single flood of withheld calls
should not shut out every senior who withholds their number, and those callers can still get
through by calling with their number shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from literacy.core.stored_text import in_program_language
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_open
from literacy.places.models import Municipality
from literacy.telephony.call_sessions import WITHHELD, caller_key_of
from literacy.telephony.models import CallSession

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class CallCount:
    """A caller's calls taken in the last hour and day, beside the limits that apply to them."""

    caller_key: str  # the E.164 number, or WITHHELD
    last_hour: int
    last_day: int
    per_hour: int
    per_day: int

    @property
    def withheld(self) -> bool:
        return self.caller_key == WITHHELD

    @property
    def over_limit(self) -> bool:
        return self.last_hour >= self.per_hour or self.last_day >= self.per_day


def calls_from_caller(*, municipality: Municipality, from_number: str, call_sid: str,
                      now: dt.datetime | None = None) -> CallCount:
    """This caller's (or, withheld, the withheld bucket's) calls in the last hour and day, in one
    query. The call itself never counts: Twilio may send its first webhook twice."""
    now = now or timezone.now()
    key = caller_key_of(from_number)
    if key == WITHHELD:
        per_hour, per_day = settings.VOICE_MAX_WITHHELD_CALLS_PER_HOUR, settings.VOICE_MAX_WITHHELD_CALLS_PER_DAY
    else:
        per_hour, per_day = settings.VOICE_MAX_CALLS_PER_HOUR, settings.VOICE_MAX_CALLS_PER_DAY
    counted = (
        CallSession.objects.filter(municipality=municipality, caller_key=key, created_at__gt=now - DAY)
        .exclude(call_sid=call_sid)
        .aggregate(day=Count("pk"), hour=Count("pk", filter=Q(created_at__gt=now - HOUR)))
    )
    return CallCount(caller_key=key, last_hour=counted["hour"], last_day=counted["day"],
                     per_hour=per_hour, per_day=per_day)


def call_limit_check(*, municipality: Municipality, from_number: str, call_sid: str,
                     now: dt.datetime | None = None) -> CallCount:
    """Count the caller's calls; over the limit, tell the coordinators (call_limit_alert_open).
    The caller refuses the call when the count says over_limit."""
    now = now or timezone.now()
    count = calls_from_caller(municipality=municipality, from_number=from_number, call_sid=call_sid, now=now)
    if count.over_limit:
        call_limit_alert_open(municipality=municipality, count=count, now=now)
    return count


def _alert_detail(count: CallCount) -> str:
    figures = {"hour": count.last_hour, "day": count.last_day, "per_hour": count.per_hour, "per_day": count.per_day}
    if count.withheld:
        return _(
            "番号を通知しない電話（非通知など）が続いたため、自動音声では非通知の電話をお断りしています"
            "（受け付けた電話は直近1時間に%(hour)d件、24時間に%(day)d件。上限は1時間に%(per_hour)d件、"
            "1日に%(per_day)d件）。番号を通知した電話はこれまでどおり受け付けています。"
            "非通知でおかけのご高齢の方もつながらないため、続くようであれば状況を確かめてください。"
        ) % figures
    return _(
        "この番号から自動音声への電話が続いたため、この番号からの電話をお断りしています"
        "（受け付けた電話は直近1時間に%(hour)d件、24時間に%(day)d件。上限は1時間に%(per_hour)d件、"
        "1日に%(per_day)d件）。お断りした電話は記録していません。"
        "何度もおかけになっているご高齢の方かもしれません。折り返しお電話して用件を伺ってください。"
    ) % figures


def call_limit_alert_open(*, municipality: Municipality, count: CallCount,
                          now: dt.datetime | None = None) -> FollowUp | None:
    """One case in the coordinators' queue for a caller over the limit, and no more: none while
    one is open for the number (a database constraint), and none if one was opened for it within
    the day. The case holds the number (empty for the withheld bucket) the way a voicemail case
    does, so a coordinator can call back. Returns the case, or None when it was already reported.

    Not a transaction of its own: on every refused call of a flood it is the one query that finds
    the case already there, and the constraint, not this check, keeps two racing calls to one case.
    """
    now = now or timezone.now()
    caller_phone = "" if count.withheld else count.caller_key
    reported = FollowUp.objects.filter(municipality=municipality, kind=FollowUp.Kind.CALL_LIMIT,
                                       caller_phone=caller_phone)
    if reported.filter(Q(state=FollowUp.State.OPEN) | Q(opened_at__gt=now - DAY)).exists():
        return None
    with in_program_language():
        detail = _alert_detail(count)
    return followup_open(municipality=municipality, kind=FollowUp.Kind.CALL_LIMIT, caller_phone=caller_phone,
                         detail=detail, now=now)
