"""One JSON line per request: method, route template, status, duration. No personal data.

The line names the URL pattern (`city/import/<int:batch_id>/`), never the path or the query
string: paths and queries can carry phone numbers, booking codes and calendar tokens.
Lines go to the `literacy.requests` logger at INFO; the root handler prints the message as is,
so journald (or any collector) receives one JSON object per line.
"""

from __future__ import annotations

import json
import logging
import re
import time

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

logger = logging.getLogger("literacy.requests")

# nginx's $request_id (32 hex) or a UUID: anything else is dropped rather than logged.
REQUEST_ID = re.compile(r"[0-9A-Za-z-]{8,64}")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        logger.info(request_line(request, response.status_code, duration_ms))
        return response


def request_line(request: HttpRequest, status: int, duration_ms: float) -> str:
    match = getattr(request, "resolver_match", None)
    request_id = request.META.get("HTTP_X_REQUEST_ID", "")
    line = {
        "event": "request",
        "at": timezone.now().isoformat(timespec="milliseconds"),
        "method": request.method if request.method in KNOWN_METHODS else "OTHER",
        "route": ("/" + match.route) if match is not None and match.route is not None else None,
        "name": match.view_name if match is not None else None,
        "status": status,
        "duration_ms": round(duration_ms, 1),
    }
    if REQUEST_ID.fullmatch(request_id):
        line["request_id"] = request_id
    return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
