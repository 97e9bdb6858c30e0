"""Signed Twilio requests, as Twilio sends them."""

import pytest
from twilio.request_validator import RequestValidator

from tests.notifications.conftest import (  # noqa: F401
    booking,
    daytime,
    learner,
    lesson,
    memory_outbox,
    twilio_settings,
)
from tests.notifications.fake_twilio import AUTH_TOKEN


@pytest.fixture
def twilio_post(client, twilio_settings):  # noqa: F811
    """POST form data to a webhook with a valid X-Twilio-Signature (over http://testserver…)."""

    def post(path, data, *, secure=False, token=AUTH_TOKEN, **extra):
        scheme = "https" if secure else "http"
        signature = RequestValidator(token).compute_signature(f"{scheme}://testserver{path}", data)
        return client.post(path, data, HTTP_X_TWILIO_SIGNATURE=signature, **extra)

    return post
