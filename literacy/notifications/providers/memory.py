"""The test double: sent messages land in `outbox`, asserted like django.core.mail.outbox."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass

from literacy.notifications.providers import SendResult

_lock = threading.Lock()
_ids = itertools.count(1)


@dataclass(frozen=True)
class Sent:
    channel: str
    to: str
    body: str
    message_id: int
    provider_id: str


outbox: list[Sent] = []


def clear() -> None:
    with _lock:
        outbox.clear()


class MemoryProvider:
    name = "memory"

    def _record(self, channel: str, message, prefix: str) -> SendResult:
        with _lock:
            provider_id = f"{prefix}{next(_ids):032d}"
            outbox.append(Sent(channel, message.to, message.body, message.pk, provider_id))
        return SendResult(provider_id=provider_id)

    def send_sms(self, message) -> SendResult:
        return self._record("sms", message, "SM")

    def start_call(self, message) -> SendResult:
        return self._record("voice", message, "CA")
