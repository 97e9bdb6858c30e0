"""iCalendar (RFC 5545) content lines written directly: escaped text, quoted parameters, folded
lines, UTC and local date-times, and each zone's VTIMEZONE block (built once, by icalendar).

icalendar's objects cost about a millisecond per event to build and serialise, so a feed of 500
lessons took most of a second; these lines cost microseconds. icalendar still reads calendars
back (the tests parse every one) and knows the zones' transitions.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone

CRLF = "\r\n"
MAX_OCTETS = 75  # per line, CRLF not counted; a continuation line's leading space counts


def text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped (RFC 5545 3.3.11)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def param(value: str) -> str:
    """A parameter value, quoted; ^, a double quote and a line break as RFC 6868 writes them."""
    value = value.replace("^", "^^").replace('"', "^'").replace("\r\n", "\n").replace("\n", "^n")
    return '"' + "".join(ch for ch in value if ch == "\t" or ch >= " ") + '"'


def utc(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def local(value: dt.datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def duration(value: dt.timedelta) -> str:
    """A DURATION such as -PT1H or P1DT30M (whole seconds)."""
    seconds = int(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, rest = divmod(rest, 60)
    clock = "".join(f"{n}{unit}" for n, unit in ((hours, "H"), (minutes, "M"), (rest, "S")) if n)
    if not days and not clock:
        return "PT0S"
    return f"{sign}P{f'{days}D' if days else ''}{f'T{clock}' if clock else ''}"


def fold(line: str) -> str:
    """Split a line longer than 75 octets, never inside a UTF-8 character."""
    if len(line) <= MAX_OCTETS // 4 or (len(line) <= MAX_OCTETS and line.isascii()):
        return line
    data = line.encode()
    if len(data) <= MAX_OCTETS:
        return line
    parts, start, limit = [], 0, MAX_OCTETS
    while len(data) - start > limit:
        end = start + limit
        while data[end] & 0xC0 == 0x80:  # a UTF-8 continuation byte: cut before its character
            end -= 1
        parts.append(data[start:end].decode())
        start, limit = end, MAX_OCTETS - 1
    parts.append(data[start:].decode())
    return (CRLF + " ").join(parts)


def line(name: str, value: str, **params: str) -> str:
    """NAME;PARAM=value:value, folded. Parameter names are given in lower case with _ for -."""
    if not params:
        return fold(f"{name}:{value}")
    head = name + "".join(f";{key.upper().replace('_', '-')}={val}" for key, val in params.items())
    return fold(f"{head}:{value}")


@lru_cache(maxsize=16)
def vtimezone(tzid: str) -> str:
    """The VTIMEZONE block of a zone, as lines ending in CRLF ("" for a zone icalendar does not
    know, which then goes without one, as icalendar's own add_missing_timezones does)."""
    try:
        return Timezone.from_tzid(tzid).to_ical().decode()
    except ValueError:
        return ""
