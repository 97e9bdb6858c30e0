"""Rate limits per kind of caller: anonymous (by address), accounts (by user), kiosks (by device).

Rates are read when a request is checked, not when the class is imported, so settings
overrides (and the environment variables in base.py) take effect.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.tenancy import is_account, kiosk_device


class _ScopedThrottle(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        # SimpleRateThrottle parses the rate in __init__; re-read it for overridden settings.
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)


class AnonymousThrottle(_ScopedThrottle):
    scope = "anon"

    def get_cache_key(self, request, view):
        if request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class UserThrottle(_ScopedThrottle):
    scope = "user"

    def get_cache_key(self, request, view):
        if not is_account(request):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class KioskThrottle(_ScopedThrottle):
    scope = "kiosk"

    def get_cache_key(self, request, view):
        device = kiosk_device(request)
        if device is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": device.pk}
