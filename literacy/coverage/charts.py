"""Server-rendered SVG charts (pygal) beside the tables: no JavaScript and no CDN.

The charts repeat what the table next to them says, so they are hidden from screen readers
(the table is the accessible form) and carry no script."""

from __future__ import annotations

import re

import pygal
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from pygal.style import Style

from literacy.coverage.tables import Table

STYLE = Style(
    background="white",
    plot_background="white",
    foreground="#111",
    foreground_strong="#111",
    foreground_subtle="#555",
    colors=("#0b4f9c", "#b35900", "#0a5c2b", "#6a1b9a"),
    font_family='"Hiragino Sans","Noto Sans CJK JP","Noto Sans JP","Yu Gothic",sans-serif',
    label_font_size=13,
    major_label_font_size=13,
    legend_font_size=13,
    title_font_size=15,
    value_font_size=12,
)
_SCRIPT = re.compile(r"<script.*?</script>", re.DOTALL)


def _render(chart) -> SafeString:
    svg = chart.render(is_unicode=True)
    svg = _SCRIPT.sub("", svg)
    svg = svg.replace("<svg ", '<svg aria-hidden="true" focusable="false" ', 1)
    return mark_safe(svg)  # noqa: S308 — pygal escapes the labels it draws


def _config(**extra):
    return {"style": STYLE, "js": [], "disable_xml_declaration": True, "height": 320, "width": 640,
            "print_values": False, "legend_at_bottom": True, "truncate_label": -1, **extra}


def _column(table: Table, key: str) -> list:
    return [getattr(row, key) or 0 for row in table.rows]


def chart_for(table: Table) -> SafeString:
    """The chart that goes with a table, or '' when a chart would add nothing."""
    if not table.rows:
        return mark_safe("")
    labels = [str(getattr(row, "name", "")) for row in table.rows]
    if table.slug == "districts":
        chart = pygal.HorizontalBar(**_config())
        chart.x_labels = labels
        chart.add(_("高齢者千人あたりの受講者"), _column(table, "served_per_thousand_seniors"))
    elif table.slug == "topics":
        chart = pygal.HorizontalBar(**_config())
        chart.x_labels = labels
        chart.add(_("相談依頼（需要）"), _column(table, "requests"))
        chart.add(_("週あたりの活動可能時間（供給）"), _column(table, "weekly_hours"))
    elif table.slug == "volunteers":
        chart = pygal.Bar(**_config(show_x_labels=len(labels) <= 20, x_label_rotation=30))
        ordered = sorted(table.rows, key=lambda r: -r.hours)
        chart.x_labels = [r.name for r in ordered]
        chart.add(_("時間"), [r.hours for r in ordered])
    elif table.slug == "skills":
        chart = pygal.HorizontalBar(**_config())
        chart.x_labels = labels
        chart.add(_("できるようになった項目（延べ）"), _column(table, "skills_reached"))
    elif table.slug == "months":
        chart = pygal.Line(**_config())
        chart.x_labels = [row.month.strftime("%Y-%m") for row in table.rows]
        chart.add(_("実施回数"), _column(table, "lessons_held"))
        chart.add(_("参加者（実人数）"), _column(table, "participants"))
        chart.add(_("相談依頼"), _column(table, "requests"))
    else:
        return mark_safe("")
    return _render(chart)
