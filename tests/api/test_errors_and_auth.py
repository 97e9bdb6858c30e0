"""One error shape in Japanese or English; device keys and tokens; throttling per scope."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.settings import api_settings

from literacy.kiosk.models import KioskDevice
from tests.api.conftest import KIOSK_KEY, client_with, error_code
from tests.conftest import NOW, TOKYO

pytestmark = pytest.mark.django_db

TUESDAY_10 = dt.datetime.combine((NOW + dt.timedelta(days=1)).date(), dt.time(10), tzinfo=TOKYO)


def booking_body(venue, phone="090-1234-5678", name="八女 花子"):
    return {"topic": "line", "venue": venue.pk, "start": TUESDAY_10.isoformat(),
            "learner": {"phone": phone, "name": name}, "reminder_channel": "sms"}


@pytest.mark.parametrize("language, message", [
    ("ja", "申し訳ありません。この時間はたった今ほかの方が予約されました。"),
    ("en", "Sorry, someone else has just booked this time."),
])
def test_domain_errors_in_the_requests_language(kiosk_api, venue, topic, instant_window, clock, language, message):
    kiosk_api.post("/api/v1/bookings/", booking_body(venue), format="json")
    response = kiosk_api.post("/api/v1/bookings/", booking_body(venue, "090-2222-3333", "黒木 次郎"), format="json",
                              HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 409
    assert response.json() == {"error": {"code": "slot_taken", "message": message}}


@pytest.mark.parametrize("language, message, field_message", [
    ("ja", "入力内容を確認してください。", "電話番号が正しくありません。もう一度お確かめください。"),
    ("en", "Please check the input.", "The phone number is not valid. Please check it."),
])
def test_validation_errors_in_the_requests_language(kiosk_api, venue, topic, clock, language, message, field_message):
    response = kiosk_api.post("/api/v1/bookings/", booking_body(venue, phone="12"), format="json",
                              HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["message"]) == ("invalid", message)
    assert error["fields"] == {"learner.phone": [field_message]}


@pytest.mark.parametrize("language, message", [("ja", "見つかりませんでした。"), ("en", "Not found.")])
def test_not_found_in_both_languages_and_for_unknown_paths(anon, municipality, language, message):
    for path in ("/api/v1/venues/999999/?municipality=402109", "/api/v1/nowhere/", "/api/v1/lessons/abc/",
                 "/api/v1/topics/%C2%A7%0A/"):
        response = anon.get(path, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 404, path
        assert response.json() == {"error": {"code": "not_found", "message": message}}


def test_method_not_allowed_is_in_the_shape(anon, municipality):
    response = anon.delete("/api/v1/topics/?municipality=402109", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 405
    assert response.json()["error"] == {"code": "method_not_allowed", "message": "This method is not allowed here."}


def test_unauthenticated_is_401_with_a_challenge(anon):
    response = anon.get("/api/v1/offers/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["error"] == {"code": "not_authenticated", "message": "Authentication is required."}


@pytest.mark.parametrize("authorization", ["Device wrong-key", "Device", "Token nope", "Device a b"])
def test_bad_credentials_are_401(authorization, municipality, kiosk_device):
    response = client_with(authorization).get("/api/v1/topics/")
    assert response.status_code == 401 and error_code(response) == "authentication_failed"


def test_a_revoked_or_unactivated_kiosk_is_refused(kiosk_device):
    client = client_with(f"Device {KIOSK_KEY}")
    assert client.get("/api/v1/topics/").status_code == 200
    KioskDevice.objects.filter(pk=kiosk_device.pk).update(revoked_at=timezone.now())
    assert client.get("/api/v1/topics/").status_code == 401
    KioskDevice.objects.filter(pk=kiosk_device.pk).update(revoked_at=None, activated_at=None)
    assert client.get("/api/v1/topics/").status_code == 401


def test_drf_create_token_makes_a_working_token(volunteer, capsys):
    call_command("drf_create_token", volunteer.user.email)
    token = Token.objects.get(user=volunteer.user)
    assert token.key in capsys.readouterr().out
    assert client_with(f"Token {token.key}").get("/api/v1/offers/").status_code == 200


@pytest.fixture
def tight_rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"anon": "2/min", "user": "3/min", "kiosk": "4/min"}}
    assert api_settings.DEFAULT_THROTTLE_RATES["anon"] == "2/min"  # DRF re-reads on setting_changed


@pytest.mark.parametrize("client_name, allowed", [("anon", 2), ("volunteer_api", 3), ("kiosk_api", 4)])
def test_each_scope_is_throttled_with_429(request, tight_rates, client_name, allowed, municipality):
    client = request.getfixturevalue(client_name)
    for _ in range(allowed):
        assert client.get("/api/v1/topics/", {"municipality": "402109"}).status_code == 200
    response = client.get("/api/v1/topics/", {"municipality": "402109"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    error = response.json()["error"]
    assert error["code"] == "throttled" and error["message"] == "Too many requests. Please try again shortly."
    assert error["retry_after"] > 0 and int(response["Retry-After"]) > 0


def test_scopes_are_separate_buckets(tight_rates, anon, kiosk_api, municipality):
    for _ in range(2):
        anon.get("/api/v1/topics/", {"municipality": "402109"})
    assert anon.get("/api/v1/topics/", {"municipality": "402109"}).status_code == 429
    # The kiosk in the same building (same address) has its own bucket.
    assert kiosk_api.get("/api/v1/topics/").status_code == 200
