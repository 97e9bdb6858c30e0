"""bench/dashboard.py renders the whole coverage page as a coordinator it sets up itself."""

import datetime as dt

from bench.dashboard import measure, twelve_months


def test_the_benchmark_renders_every_table_as_a_coordinator_with_two_factor(world):
    result = measure(municipality_id=world.m.pk, baseline={"p50_ms": 1.0}, repeat=1, warmup=0)
    assert result["n"] == 1 and result["queries"] > 0
    assert result["period"] == "2026-01-01..2026-12-07"  # twelve months to the clock's today
    assert result["lessons_held_in_period"] == 4  # L5, L1, L2, L3: L4 was cancelled, L6 is ahead
    assert result["target"] == "under 1 s at prefecture scale"


def test_twelve_months_start_on_the_first_of_the_month_eleven_months_back():
    assert twelve_months(dt.date(2026, 3, 31)) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert twelve_months(dt.date(2026, 1, 1), months=1) == (dt.date(2026, 1, 1), dt.date(2026, 1, 1))
