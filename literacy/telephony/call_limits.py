"""Calls per caller number on the voice line: a brake on a dialler (or a prank) tying up the line.

Every call costs Twilio minutes and may ring the coordinators' phone or fill their voicemail
queue. Calls are counted in the database from the CallSession each one leaves, per caller and
per municipality, in the last hour and the last 24 hours. A caller over the limit hears a short
polite message and the call ends: no menu, no booking, no text, no recording.

Calls without a usable number (withheld — 非通知 — or foreign-looking) cannot be told apart, so
they share one bucket per municipality with higher limits: a single flood of withheld calls
should not shut out every senior who withholds their number, and those callers can still get
through by calling with their number shown.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from literacy.places.models import Municipality
from literacy.telephony.call_sessions import WITHHELD, caller_key_of
from literacy.telephony.models import CallSession

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


def calls_from_caller_since(*, municipality: Municipality, caller_key: str, since: dt.datetime,
                            except_call_sid: str = "") -> int:
    return (
        CallSession.objects.filter(municipality=municipality, caller_key=caller_key, created_at__gt=since)
        .exclude(call_sid=except_call_sid).count()
    )


def caller_over_limit(*, municipality: Municipality, from_number: str, call_sid: str,
                      now: dt.datetime | None = None) -> bool:
    """True when this caller (or, withheld, the withheld bucket) has called its fill for the
    hour or the day. The call itself never counts: Twilio may send its first webhook twice."""
    now = now or timezone.now()
    key = caller_key_of(from_number)
    if key == WITHHELD:
        per_hour, per_day = settings.VOICE_MAX_WITHHELD_CALLS_PER_HOUR, settings.VOICE_MAX_WITHHELD_CALLS_PER_DAY
    else:
        per_hour, per_day = settings.VOICE_MAX_CALLS_PER_HOUR, settings.VOICE_MAX_CALLS_PER_DAY
    counted = {"municipality": municipality, "caller_key": key, "except_call_sid": call_sid}
    if calls_from_caller_since(since=now - HOUR, **counted) >= per_hour:
        return True
    return calls_from_caller_since(since=now - DAY, **counted) >= per_day
