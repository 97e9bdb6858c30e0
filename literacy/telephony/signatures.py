"""Every Twilio webhook starts here: check X-Twilio-Signature, or answer 403.

With no auth token configured, webhooks refuse everything unless TWILIO_WEBHOOKS_ALLOW_UNSIGNED
is on (development only). Behind a TLS-terminating proxy, SECURE_PROXY_SSL_HEADER makes
build_absolute_uri() give the https URL Twilio signed.
"""

from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator


def signature_is_valid(request: HttpRequest) -> bool:
    token = settings.TWILIO_AUTH_TOKEN
    if not token:
        return bool(settings.TWILIO_WEBHOOKS_ALLOW_UNSIGNED)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    params = request.POST.dict() if request.method == "POST" else {}
    return RequestValidator(token).validate(request.build_absolute_uri(), params, signature)


def twilio_webhook(view):
    """POST only, no CSRF token (Twilio cannot send one), signature checked before anything else."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not signature_is_valid(request):
            return HttpResponseForbidden("invalid signature")
        return view(request, *args, **kwargs)

    return wrapper
