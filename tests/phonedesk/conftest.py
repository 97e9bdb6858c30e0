"""Phone-desk fixtures: coordinators with two-factor authentication on (allauth TOTP)."""

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import generate_totp_secret
from allauth.mfa.utils import encrypt

from tests import factories


def enable_totp(user) -> Authenticator:
    """Store a TOTP authenticator the way allauth does after activation (encrypted secret)."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(generate_totp_secret())}
    )


@pytest.fixture
def desk_user(coordinator):
    enable_totp(coordinator)
    return coordinator


@pytest.fixture
def desk(client, desk_user):
    client.force_login(desk_user)
    return client


@pytest.fixture
def other_city_desk(client, db):
    other = factories.MunicipalityFactory(jis_code="402117", name="筑後市", slug="chikugo")
    user = factories.CoordinatorFactory(municipality=other, email="chikugo@example.jp")
    enable_totp(user)
    client.force_login(user)
    return client
