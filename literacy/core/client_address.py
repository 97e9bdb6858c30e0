"""The address of whoever sent a request, for rate limits, lock-outs and the audit log.

Behind the shipped nginx, gunicorn listens on a unix socket: REMOTE_ADDR is empty for everyone,
and the client's address is the entry nginx appended to X-Forwarded-For. Entries to the left of
the trusted proxies' are whatever the client sent, so they are never used: a client that could
choose its address could reset its own limits, or lock everyone else out.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """The address the nearest untrusted hop connected from, or None when there is none to trust.

    settings.TRUSTED_PROXY_COUNT is how many proxies in front of the app append to
    X-Forwarded-For (1 for the shipped nginx, 0 when clients connect to the app directly)."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return _valid(request.META.get("REMOTE_ADDR", ""))
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return None
    return _valid(hops[-proxies])


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None
