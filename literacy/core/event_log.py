"""One JSON line per message sent (or refused), for the logs: ids and outcome, never the content.

The dispatcher calls `message_event_log` after each attempt. The line carries the outbox row's
id, channel, kind, state, attempt count and the provider's error code: enough to follow a
message in the outbox page, and no phone number, address or text.
"""

from __future__ import annotations

import json
import logging

from django.utils import timezone

logger = logging.getLogger("literacy.messages")


def message_event_line(*, message, event: str = "message_sent") -> str:
    line = {
        "event": event,
        "at": timezone.now().isoformat(timespec="milliseconds"),
        "message_id": message.pk,
        "municipality_id": message.municipality_id,  # the id, not a lookup: no query per message
        "channel": message.channel,
        "kind": message.kind,
        "state": message.state,
        "attempts": message.attempts,
        "error_code": message.error_code or None,
        "has_provider_id": bool(message.provider_id),
    }
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def message_event_log(*, message, event: str = "message_sent") -> None:
    logger.info(message_event_line(message=message, event=event))
