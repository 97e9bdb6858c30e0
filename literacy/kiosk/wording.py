"""Dates and times written the way a senior reads them: 12月1日(火), 午前10時 (or Tue 1 Dec, 10:00 am)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import get_language, gettext

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _english() -> bool:
    return (get_language() or "ja").startswith("en")


def day_label(day: dt.date) -> str:
    if _english():
        return f"{WEEKDAYS_EN[day.weekday()]} {day.day} {MONTHS_EN[day.month - 1]}"
    return f"{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"


def time_label(moment: dt.datetime, zone) -> str:
    local = timezone.localtime(moment, zone)
    if _english():
        hour = local.hour % 12 or 12
        return f"{hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    # 12時 is noon: 午後0時 confuses people, so midday reads 午後12時 as on Japanese posters.
    period = "午前" if local.hour < 12 else "午後"
    hour = local.hour if local.hour <= 12 else local.hour - 12
    minutes = f"{local.minute}分" if local.minute else ""
    return f"{period}{hour}時{minutes}"


def when_label(moment: dt.datetime, zone) -> str:
    """Day and time together, for read-backs and the printed slip."""
    local = timezone.localtime(moment, zone)
    separator = ", " if _english() else " "
    return f"{day_label(local.date())}{separator}{time_label(local, zone)}"


def relative_day_label(day: dt.date, today: dt.date) -> str:
    """今日 / 明日 beside a date: the surest way to read a date right."""
    if day == today:
        return gettext("今日")
    if day == today + dt.timedelta(days=1):
        return gettext("明日")
    return ""


def deadline_label(moment: dt.datetime, zone) -> str:
    """A promise 'by …', rounded up to the full hour: 午前9時まで reads easier than 午前8時9分まで,
    and rounding up never promises earlier than the real deadline."""
    local = timezone.localtime(moment, zone)
    if local.minute or local.second or local.microsecond:
        local = local.replace(minute=0, second=0, microsecond=0) + dt.timedelta(hours=1)
    return when_label(local, zone)
