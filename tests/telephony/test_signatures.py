"""Every Twilio webhook refuses a missing or forged signature with 403."""

import pytest
from twilio.request_validator import RequestValidator

from tests.notifications.fake_twilio import AUTH_TOKEN

WEBHOOKS = ["/twilio/sms/", "/twilio/status/", "/twilio/voice/reminder/1/", "/twilio/voice/reminder/1/answer/"]
FORM = {"MessageSid": "SM" + "a" * 32, "From": "+819012345678", "Body": "1", "MessageStatus": "delivered"}


@pytest.mark.django_db
@pytest.mark.parametrize("path", WEBHOOKS)
def test_missing_signature_is_refused(client, twilio_settings, path):
    assert client.post(path, FORM).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize("path", WEBHOOKS)
def test_forged_signature_is_refused(client, twilio_settings, path):
    forged = RequestValidator("not-our-token").compute_signature(f"http://testserver{path}", FORM)
    assert client.post(path, FORM, HTTP_X_TWILIO_SIGNATURE=forged).status_code == 403


@pytest.mark.django_db
def test_a_signature_for_other_parameters_is_refused(client, twilio_settings):
    signature = RequestValidator(AUTH_TOKEN).compute_signature("http://testserver/twilio/sms/", FORM)
    tampered = {**FORM, "Body": "2"}
    assert client.post("/twilio/sms/", tampered, HTTP_X_TWILIO_SIGNATURE=signature).status_code == 403


@pytest.mark.django_db
def test_a_valid_signature_is_accepted(twilio_post):
    assert twilio_post("/twilio/sms/", FORM).status_code == 200


@pytest.mark.django_db
def test_behind_a_tls_proxy_the_https_url_validates(twilio_post, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Twilio signed https://…; the app sees plain http from the proxy plus X-Forwarded-Proto.
    response = twilio_post("/twilio/sms/", FORM, secure=True, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


@pytest.mark.django_db
def test_no_token_configured_refuses_everything(client, settings):
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_WEBHOOKS_ALLOW_UNSIGNED = False
    assert client.post("/twilio/sms/", FORM).status_code == 403


@pytest.mark.django_db
def test_get_is_not_allowed(client, twilio_settings):
    assert client.get("/twilio/status/").status_code == 405
