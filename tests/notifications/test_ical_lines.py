"""iCalendar text written by hand must read back the same with icalendar: escaping, quoting,
folding at 75 octets without splitting a character, durations."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from literacy.notifications import ical_lines
from literacy.notifications.ical_lines import CRLF, duration, fold, line, param, text


def read_back(*lines: str) -> Calendar:
    body = CRLF.join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//JA", "BEGIN:VEVENT", *lines,
                      "END:VEVENT", "END:VCALENDAR"]) + CRLF
    return Calendar.from_ical(body).walk("VEVENT")[0]


def test_text_values_read_back_unchanged():
    value = 'あ,い;う\\え\n二行目\r\n三行目 "引用"'
    event = read_back(line("DESCRIPTION", text(value)))
    assert str(event["DESCRIPTION"]) == value.replace("\r\n", "\n")


def test_parameter_values_are_quoted_and_read_back_unchanged():
    name = 'Name, "quoted"; x:y ^ 山田'
    event = read_back(line("ATTENDEE", "mailto:a@example.jp", cn=param(name), partstat="ACCEPTED"))
    assert event["ATTENDEE"].params["CN"] == name
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_control_characters_never_reach_a_parameter():
    assert param("a\x00b\x07c") == '"abc"'


@pytest.mark.parametrize("value", ["x" * 300, "あ" * 120, "ab" + "😀" * 40 + "c" * 33, "short"])
def test_long_lines_fold_at_75_octets_and_unfold_to_the_original(value):
    folded = fold(f"DESCRIPTION:{value}")
    pieces = folded.split(CRLF)
    assert all(len(piece.encode()) <= 75 for piece in pieces)  # encode() fails on a split character
    assert all(piece.startswith(" ") for piece in pieces[1:])
    assert "".join([pieces[0], *(piece[1:] for piece in pieces[1:])]) == f"DESCRIPTION:{value}"
    assert str(read_back(folded)["DESCRIPTION"]) == value


@pytest.mark.parametrize(("delta", "expected"), [
    (-dt.timedelta(hours=1), "-PT1H"),
    (dt.timedelta(minutes=90), "PT1H30M"),
    (dt.timedelta(days=1, seconds=5), "P1DT5S"),
    (dt.timedelta(days=2), "P2D"),
    (dt.timedelta(0), "PT0S"),
])
def test_durations(delta, expected):
    assert duration(delta) == expected
    assert read_back(f"TRIGGER:{expected}").decoded("TRIGGER") == delta


def test_local_and_utc_times():
    tokyo = ZoneInfo("Asia/Tokyo")
    moment = dt.datetime(2026, 12, 9, 5, 0, tzinfo=dt.UTC)
    event = read_back(line("DTSTART", ical_lines.local(moment, tokyo), tzid="Asia/Tokyo"),
                      line("DTSTAMP", ical_lines.utc(moment)))
    assert event.decoded("DTSTART") == dt.datetime(2026, 12, 9, 14, 0, tzinfo=tokyo)
    assert event.decoded("DTSTAMP") == moment


def test_a_zone_icalendar_does_not_know_gets_no_vtimezone():
    assert ical_lines.vtimezone("Asia/Tokyo").startswith("BEGIN:VTIMEZONE")
    assert ical_lines.vtimezone("Not/AZone") == ""
