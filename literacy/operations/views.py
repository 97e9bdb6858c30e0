"""Readiness and metrics endpoints for load balancers and monitoring (no personal data)."""

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from literacy.operations.health import readiness
from literacy.operations.metrics import metrics_text


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and a worker has beaten recently; 503 otherwise."""
    ready, details = readiness()
    return JsonResponse({"status": "ok" if ready else "unavailable", **details}, status=200 if ready else 503)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse("Forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(metrics_text(now=timezone.now()),
                        content_type="text/plain; version=0.0.4; charset=utf-8")


def metrics_allowed(request: HttpRequest) -> bool:
    """With METRICS_TOKEN set: `Authorization: Bearer <token>`. Without: only a direct local scrape.

    A request through nginx also comes from 127.0.0.1, so one carrying X-Forwarded-For (which the
    shipped nginx site always sets) is not "local" even when REMOTE_ADDR says so.
    """
    token = settings.METRICS_TOKEN
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False
