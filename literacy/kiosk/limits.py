"""Bookings per kiosk device: a brake on a script (or a stuck finger) booking through one kiosk.

A kiosk in a busy community centre books a few people an hour; dozens in an hour, or hundreds in
a day, is a script using the device's key (through its pages or the API) to fill volunteers'
calendars or to make the city text strangers. Bookings and call-back requests are counted in the
database from the device they record, so every gunicorn worker sees the same count. Over either
limit nothing is booked, and the coordinators' queue gets one case for the device.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from literacy.core.errors import DomainError
from literacy.core.stored_text import in_program_language
from literacy.followups.models import FollowUp
from literacy.followups.services import followup_open
from literacy.kiosk.models import KioskDevice
from literacy.scheduling.models import Booking, HelpRequest

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


class KioskLimitReached(DomainError):
    code = "kiosk_limit_reached"
    message = _("この端末では、しばらくのあいだ予約をお受けできません。お近くの係の者にお声がけいただくか、お電話でお申し込みください。")
    http_status = 429


def kiosk_over_limit(*, device: KioskDevice, now: dt.datetime) -> bool:
    """Whether the device has made its fill of bookings and call-back requests, in the last hour
    or the last day.

    Written as SQL: every kiosk booking asks this, and the ORM took about 2 ms of CPU to build the
    four counts as subqueries, where the whole statement runs in a tenth of that. Both databases
    read it the same way (FILTER is SQLite 3.30+ and PostgreSQL 9.4+); only quoted table names are
    interpolated, every value is a parameter.
    """
    quote = connection.ops.quote_name
    stamp = Booking._meta.get_field("created_at")
    hour_ago, day_ago = (stamp.get_db_prep_value(now - span, connection) for span in (HOUR, DAY))
    made = " UNION ALL ".join(
        f"SELECT created_at FROM {quote(model._meta.db_table)} WHERE kiosk_device_id = %s AND created_at > %s"  # noqa: S608
        for model in (Booking, HelpRequest)
    )
    sql = f"SELECT COUNT(*) FILTER (WHERE created_at > %s), COUNT(*) FROM ({made}) AS made"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [hour_ago, device.pk, day_ago, device.pk, day_ago])
        in_the_hour, in_the_day = cursor.fetchone()
    return in_the_hour >= settings.KIOSK_MAX_BOOKINGS_PER_HOUR or in_the_day >= settings.KIOSK_MAX_BOOKINGS_PER_DAY


def kiosk_booking_allow(*, device: KioskDevice, now: dt.datetime | None = None) -> None:
    """Raise KioskLimitReached when the device has booked its fill for the hour or the day.

    Call it inside the transaction that books: the device's row is locked, so two bookings from
    one kiosk are counted one after the other and the limit is exact. The caller opens the alert
    (kiosk_limit_alert_open) after that transaction has rolled back.
    """
    now = now or timezone.now()
    # get() reads the row alone: .first() would order by the model's ordering, join the
    # municipality and venue, and lock their rows too.
    KioskDevice.objects.select_for_update().values_list("pk").get(pk=device.pk)
    if kiosk_over_limit(device=device, now=now):
        raise KioskLimitReached()


@transaction.atomic
def kiosk_limit_alert_open(*, device: KioskDevice, now: dt.datetime | None = None) -> FollowUp | None:
    """One case in the coordinators' queue for a kiosk over its limit, and no more: none while
    one is open (a database constraint), and none if one was opened for it within the day. Returns
    the case opened, or None when the device had already been reported."""
    now = now or timezone.now()
    reported = FollowUp.objects.filter(kind=FollowUp.Kind.KIOSK_LIMIT, kiosk_device=device)
    if reported.filter(state=FollowUp.State.OPEN).exists() or reported.filter(opened_at__gt=now - DAY).exists():
        return None
    with in_program_language():
        detail = gettext(
            "キオスク端末「%(venue)s / %(device)s」で、1時間に%(per_hour)d件または1日に%(per_day)d件を超える"
            "予約が試みられたため、予約の受付を止めています。"
            "端末の様子を確かめ、不審な使われ方であれば管理画面で端末を無効にしてください。"
        ) % {"venue": device.venue.name, "device": device.name, "per_hour": settings.KIOSK_MAX_BOOKINGS_PER_HOUR,
             "per_day": settings.KIOSK_MAX_BOOKINGS_PER_DAY}
    return followup_open(
        municipality=device.municipality, kind=FollowUp.Kind.KIOSK_LIMIT, kiosk_device=device, now=now,
        detail=detail,
    )
