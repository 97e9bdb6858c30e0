"""When a learner may be called or texted: between the municipality's allowed hours, local time."""

from __future__ import annotations

import datetime as dt


def next_allowed(now: dt.datetime, municipality) -> dt.datetime | None:
    """None when `now` is inside the allowed hours; otherwise the moment they next begin.

    `quiet_hours_end` is when contact may start (9:00) and `quiet_hours_start` when it must stop
    (20:00); the window is half-open, so 20:00 itself is already quiet.
    """
    zone = municipality.zone
    local = now.astimezone(zone)
    opens, closes = municipality.quiet_hours_end, municipality.quiet_hours_start
    clock = local.time()
    if opens <= clock < closes:
        return None
    day = local.date() if clock < opens else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, opens, tzinfo=zone)
