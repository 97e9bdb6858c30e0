"""A brake on guessing booking codes at a kiosk: after a few wrong phone-and-code pairs in a short
time, that kiosk stops looking codes up for a while (a person at the screen is never that fast)."""

from django.core.cache import cache

WRONG_PAIRS_ALLOWED = 8
WINDOW_SECONDS = 15 * 60


def _key(device_id: int) -> str:
    return f"kiosk:wrong-pairs:{device_id}"


def lookups_blocked(*, device_id: int) -> bool:
    return cache.get(_key(device_id), 0) >= WRONG_PAIRS_ALLOWED


def note_wrong_pair(*, device_id: int) -> None:
    key = _key(device_id)
    if not cache.add(key, 1, timeout=WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW_SECONDS)
