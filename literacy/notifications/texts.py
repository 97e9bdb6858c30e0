"""What each message says: rendered from templates/notifications/, Japanese by default.

Learner SMS must fit one UCS-2 message (70 characters), name the program and give its phone
number, and never carry a URL (seniors are taught to ignore texts with links). When a long name
or venue would overflow, the text is shortened step by step: family name only, then a clipped
venue, then no name — never the program, its number, the time or the booking code.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone, translation

from literacy.core.errors import InvalidPhoneNumber
from literacy.core.phones import parse_phone

SMS_LIMIT = 70
URL_PATTERN = re.compile(r"https?://|www\.|\.(?:jp|com|net|org)\b", re.IGNORECASE)


@dataclass(frozen=True)
class EmailText:
    subject: str
    body: str


def display_phone(raw: str) -> str:
    """The program's number as a senior would dial it (0943-23-1111), whatever it was stored as."""
    try:
        return parse_phone(raw).national
    except InvalidPhoneNumber:
        return raw


def family_name(name: str) -> str:
    parts = unicodedata.normalize("NFKC", name or "").split()
    return parts[0] if len(parts) > 1 else (name or "")


def one_line(text: str) -> str:
    return " ".join(text.split())


def _render(template: str, context: dict, *, zone, language: str = "ja") -> str:
    # Dates in the templates use the |date filter, which follows the active time zone.
    with translation.override(language), timezone.override(zone):
        return render_to_string(template, context)


def render_sms(template: str, context: dict, *, zone, language: str = "ja") -> str:
    """One line, at most 70 characters, shortening the name and the venue when it must."""

    def attempt(ctx: dict) -> str:
        return one_line(_render(template, ctx, zone=zone, language=language))

    steps: list[Callable[[dict, int], dict]] = [
        lambda ctx, over: {**ctx, "name": family_name(ctx.get("name", ""))},
        lambda ctx, over: {**ctx, "venue": clip(ctx.get("venue", ""), len(ctx.get("venue", "")) - over)},
        lambda ctx, over: {**ctx, "name": ""},
        lambda ctx, over: {**ctx, "venue": clip(ctx.get("venue", ""), len(ctx.get("venue", "")) - over)},
    ]
    text = attempt(context)
    for step in steps:
        if len(text) <= SMS_LIMIT:
            break
        context = step(context, len(text) - SMS_LIMIT)
        text = attempt(context)
    return text


def clip(text: str, length: int) -> str:
    """Cut to `length` characters, the last one an ellipsis; never below three characters."""
    length = max(3, length)
    return text if len(text) <= length else text[: length - 1] + "…"


def render_line(template: str, context: dict, *, zone, language: str = "ja") -> str:
    return one_line(_render(template, context, zone=zone, language=language))


def render_email(template_base: str, context: dict, *, zone, language: str = "ja") -> EmailText:
    subject = one_line(_render(f"{template_base}_subject.txt", context, zone=zone, language=language))
    body = _render(f"{template_base}.txt", context, zone=zone, language=language).strip() + "\n"
    return EmailText(subject=subject, body=body)


def booking_context(booking, *, municipality=None) -> dict:
    """What a learner's message may mention about their booking."""
    municipality = municipality or booking.municipality
    lesson = booking.lesson
    learner = booking.learner
    # A booking still waiting for a volunteer has no lesson yet: its request holds the wish.
    wish = booking.help_request if lesson is None else None
    venue = lesson.venue if lesson else (wish.venue if wish else None)
    return {
        "name": learner.name,
        "name_kana": learner.name_kana or learner.name,
        "code": booking.code,
        "starts_at": lesson.starts_at if lesson else (wish.wanted_starts_at if wish else None),
        "venue": venue.name if venue else "",
        "topic": lesson.topic.name if lesson else (wish.topic.name if wish else ""),
        "program": municipality.program_name,
        "phone": display_phone(municipality.program_phone),
    }
