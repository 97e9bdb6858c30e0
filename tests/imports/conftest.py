"""A coordinator signed in with two-factor authentication on (coordinators need it for /city/)."""

import pytest
from allauth.mfa.models import Authenticator


@pytest.fixture
def city_client(client, coordinator):
    Authenticator.objects.create(user=coordinator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    client.force_login(coordinator)
    return client
