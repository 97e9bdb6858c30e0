"""Development: every SMS and call is written to the log (and listed at /dev/outbox/)."""

from __future__ import annotations

import logging
import uuid

from literacy.notifications.providers import SendResult

logger = logging.getLogger("literacy.outbox")


class ConsoleProvider:
    name = "console"

    def send_sms(self, message) -> SendResult:
        logger.info("SMS → %s [%s]\n%s", message.to, message.kind, message.body)
        return SendResult(provider_id=f"SMconsole{uuid.uuid4().hex}")

    def start_call(self, message) -> SendResult:
        logger.info("CALL → %s [%s]\n%s", message.to, message.kind, message.body)
        return SendResult(provider_id=f"CAconsole{uuid.uuid4().hex}")
