"""Two-factor set-up for coordinators: the way from first sign-in to the queue."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY, format_hotp_value, hotp_value
from django.urls import reverse


@pytest.fixture
def signed_in(client, coordinator):
    """Signed in with a password through allauth (so no re-authentication is asked for)."""
    EmailAddress.objects.create(user=coordinator, email=coordinator.email, verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": coordinator.email, "password": "pass-word-123"})
    assert response.status_code == 302
    return client


def test_a_coordinator_without_totp_sets_it_up_then_reaches_the_queue(signed_in, coordinator):
    client = signed_in
    response = client.get(reverse("coverage:queue"))
    assert response["Location"] == reverse("mfa_activate_totp")
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code})
    # Recovery codes are made at once and shown next, with the way back to the queue.
    assert response["Location"] == reverse("mfa_view_recovery_codes")
    assert Authenticator.objects.filter(user=coordinator, type="recovery_codes").exists()
    codes_page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert reverse("coverage:queue") in codes_page
    assert client.get(reverse("coverage:queue")).status_code == 200


def test_a_wrong_code_does_not_turn_totp_on(signed_in, coordinator):
    client = signed_in
    client.get(reverse("mfa_activate_totp"))
    client.post(reverse("mfa_activate_totp"), {"code": "000000"})
    assert not Authenticator.objects.filter(user=coordinator).exists()
    assert client.get(reverse("coverage:queue"))["Location"] == reverse("mfa_activate_totp")
