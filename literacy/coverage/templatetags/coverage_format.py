"""How a coverage number reads on the page: percentages, hours, empty as a dash."""

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

register = template.Library()

NOTHING = "—"


def display_value(value, kind: str) -> str:
    if value is None:
        return NOTHING
    if kind == "pct":
        # number_format cuts digits off; round first so 2/3 reads 66.7%, not 66.6%.
        return f"{number_format(round(value * 100, 1), 1)}%"
    if kind in ("num", "hours"):
        places = 2 if kind == "num" else 1
        return number_format(round(value, places), places)
    if kind == "month":
        return value.strftime("%Y-%m")
    if kind == "datetime":
        return timezone.localtime(value).strftime("%Y-%m-%d") if isinstance(value, dt.datetime) else str(value)
    if kind == "bool":
        return _("はい") if value else _("いいえ")
    if kind == "int":
        return number_format(value, 0, force_grouping=True)
    return str(value)


@register.filter
def coverage_cell(cell) -> str:
    value, kind = cell
    return display_value(value, kind)
