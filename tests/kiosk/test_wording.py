"""Dates and times as a senior reads them, in Japanese and in English."""

import datetime as dt

from django.utils import translation

from literacy.kiosk.wording import day_label, deadline_label, relative_day_label, time_label, when_label
from tests.conftest import TOKYO


def at(hour, minute=0, day=dt.date(2026, 12, 1)):
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TOKYO)


def test_japanese():
    with translation.override("ja"):
        assert day_label(dt.date(2026, 12, 1)) == "12月1日(火)"
        assert time_label(at(10), TOKYO) == "午前10時"
        assert time_label(at(13, 30), TOKYO) == "午後1時30分"
        assert time_label(at(12), TOKYO) == "午後12時"
        assert when_label(at(9, 5).astimezone(dt.UTC), TOKYO) == "12月1日(火) 午前9時5分"
        assert relative_day_label(dt.date(2026, 12, 1), dt.date(2026, 12, 1)) == "今日"
        assert relative_day_label(dt.date(2026, 12, 2), dt.date(2026, 12, 1)) == "明日"
        assert relative_day_label(dt.date(2026, 12, 3), dt.date(2026, 12, 1)) == ""


def test_english():
    with translation.override("en"):
        assert day_label(dt.date(2026, 12, 1)) == "Tue 1 Dec"
        assert time_label(at(10), TOKYO) == "10:00 am"
        assert time_label(at(13, 30), TOKYO) == "1:30 pm"
        assert when_label(at(12), TOKYO) == "Tue 1 Dec, 12:00 pm"
        assert relative_day_label(dt.date(2026, 12, 2), dt.date(2026, 12, 1)) == "tomorrow"


def test_a_deadline_is_rounded_up_to_the_hour():
    with translation.override("ja"):
        assert deadline_label(at(8, 9), TOKYO) == "12月1日(火) 午前9時"
        assert deadline_label(at(8), TOKYO) == "12月1日(火) 午前8時"
        assert deadline_label(at(23, 30), TOKYO) == "12月2日(水) 午前0時"
