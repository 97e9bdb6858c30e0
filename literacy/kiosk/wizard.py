"""The booking wizard's state, kept in the session (never in the page): which step comes next,
what each choice invalidates, and clearing it all at the end or on reset."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase

BOOKING = "kiosk_booking"
CHECK = "kiosk_check"
DONE = "kiosk_done"
PREFS = "kiosk_prefs"

# Steps in order, each with the session field it fills.
STEPS = (
    ("topic", "topic_id"),
    ("place", "venue_id"),
    ("day", "day"),
    ("time", "starts_ts"),
    ("phone", "phone"),
    ("name", "name"),
    ("proxy", "proxy"),
    ("reminder", "reminder"),
)
# Choosing again at a step throws away what depended on the old choice.
DEPENDENTS = {
    "topic_id": ("venue_id", "day", "starts_ts", "lesson_id", "callback"),
    "venue_id": ("day", "starts_ts", "lesson_id", "callback"),
    "day": ("starts_ts", "lesson_id"),
    "phone": ("reminder",),
}


@dataclass
class BookingWizard:
    session: SessionBase

    @classmethod
    def start(cls, session: SessionBase, *, for_someone_else: bool) -> BookingWizard:
        session.pop(DONE, None)
        session.pop(CHECK, None)
        # The token makes the final submit idempotent: a double tap books once.
        session[BOOKING] = {"token": secrets.token_urlsafe(16), "for_other": for_someone_else}
        return cls(session)

    @property
    def started(self) -> bool:
        return BOOKING in self.session

    @property
    def data(self) -> dict:
        return self.session.get(BOOKING, {})

    def get(self, field: str, default=None):
        return self.data.get(field, default)

    def set(self, **values) -> None:
        data = dict(self.data)
        for field, value in values.items():
            if data.get(field) != value:
                for dependent in DEPENDENTS.get(field, ()):
                    data.pop(dependent, None)
            data[field] = value
        self.session[BOOKING] = data

    @property
    def for_someone_else(self) -> bool:
        return bool(self.get("for_other"))

    @property
    def callback(self) -> bool:
        """No suitable time: the senior asked to be called back instead of choosing one."""
        return bool(self.get("callback"))

    def applies(self, step: str) -> bool:
        if step == "proxy":
            return self.for_someone_else
        if step in ("day", "time"):
            return not self.callback
        return True

    def missing_step(self) -> str | None:
        """The first step still to be answered, or None when everything is there to confirm."""
        for step, field in STEPS:
            if not self.applies(step):
                continue
            if field not in self.data:
                return step
        return None

    def may_show(self, step: str) -> bool:
        """A step can be shown once every step before it is answered."""
        if not self.started:
            return False
        for earlier, field in STEPS:
            if earlier == step:
                return True
            if self.applies(earlier) and field not in self.data:
                return False
        return self.missing_step() is None  # "confirm"

    def previous_step(self, step: str) -> str:
        order = [s for s, _ in STEPS if self.applies(s)] + ["confirm"]
        index = order.index(step) if step in order else 0
        return order[index - 1] if index > 0 else "welcome"

    def step_number(self, step: str) -> tuple[int, int]:
        order = [s for s, _ in STEPS if self.applies(s)] + ["confirm"]
        return (order.index(step) + 1 if step in order else 1), len(order)

    @property
    def day(self) -> dt.date | None:
        value = self.get("day")
        return dt.date.fromisoformat(value) if value else None

    @property
    def starts_at(self) -> dt.datetime | None:
        value = self.get("starts_ts")
        return dt.datetime.fromtimestamp(value, tz=dt.UTC) if value is not None else None

    @property
    def idempotency_key(self) -> str:
        return f"kiosk:{self.get('token')}"

    def finish(self, *, kind: str, pk: int) -> None:
        """The booking is made: forget the answers, remember only what the done screen shows."""
        self.session.pop(BOOKING, None)
        self.session[DONE] = {"kind": kind, "id": pk}
