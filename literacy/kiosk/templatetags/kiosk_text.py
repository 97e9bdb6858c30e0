"""Kiosk labels with optional furigana: {% fg "[予約|よやく]する" %} is translated as 予約する and,
when the furigana switch is on (Japanese only), rendered as <ruby>予約<rt>よやく</rt></ruby>する."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

register = template.Library()

READING = re.compile(r"\[([^|\]]+)\|([^\]]+)\]")


def _furigana_on(context) -> bool:
    return bool(context.get("kiosk_furigana")) and (get_language() or "ja").startswith("ja")


def plain_text(marked: str) -> str:
    return READING.sub(r"\1", marked)


@register.simple_tag(takes_context=True)
def fg(context, marked: str):
    plain = plain_text(marked)
    translated = gettext(plain)
    if translated != plain or not _furigana_on(context):
        return translated
    parts, position = [], 0
    for match in READING.finditer(marked):
        parts.append(escape(marked[position:match.start()]))
        parts.append(format_html("<ruby>{}<rt>{}</rt></ruby>", match[1], match[2]))
        position = match.end()
    parts.append(escape(marked[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


@register.simple_tag(takes_context=True)
def name_ruby(context, obj):
    """A topic's or venue's name in the current language, with its kana reading when asked for."""
    name = obj.display_name
    kana = getattr(obj, "name_kana", "")
    if kana and name == obj.name and _furigana_on(context):
        return format_html("<ruby>{}<rt>{}</rt></ruby>", name, kana)
    return name
