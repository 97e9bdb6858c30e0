"""allauth's adapter: the client's address for its failed-login limits comes from the one place
the app reads it (allauth's own takes the first X-Forwarded-For entry, which the client writes)."""

from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied

from literacy.core.client_address import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        address = client_ip(request)
        if address is None:
            # As allauth does for an address it cannot read: no login without a limit to count in.
            raise PermissionDenied("The client's address is unknown: check TRUSTED_PROXY_COUNT.")
        return address
