"""Kiosk devices: register, activate once, revoke; the cookie; pages refuse without an active device."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from literacy.kiosk.access import DEVICE_COOKIE
from literacy.kiosk.models import KioskDevice, hash_secret
from literacy.kiosk.services import (
    ActivationCodeInvalid,
    kiosk_activate,
    kiosk_device_for_key,
    kiosk_register,
    kiosk_revoke,
)
from tests.conftest import NOW
from tests.kiosk.conftest import kiosk_client_for

KIOSK_PAGES = [
    "/kiosk/", "/kiosk/book/topic/", "/kiosk/book/place/", "/kiosk/book/day/", "/kiosk/book/time/",
    "/kiosk/book/phone/", "/kiosk/book/name/", "/kiosk/book/family/", "/kiosk/book/reminder/",
    "/kiosk/book/confirm/", "/kiosk/book/done/", "/kiosk/check/", "/kiosk/check/code/",
    "/kiosk/check/booking/", "/kiosk/check/cancel/",
]


def test_register_keeps_only_hashes_and_the_code_expires(venue, coordinator, clock):
    device, code = kiosk_register(venue=venue, name="入口", created_by=coordinator)
    assert len(code) == 8 and code.isalnum() and code.isupper()
    assert device.activation_code_hash == hash_secret(code) and code not in str(device.__dict__)
    assert device.municipality == venue.municipality and device.created_by == coordinator
    assert device.activation_expires_at == timezone.now() + dt.timedelta(hours=24)
    assert not device.is_active


def test_activate_gives_a_key_once(venue, clock):
    device, code = kiosk_register(venue=venue, name="入口")
    activated, key = kiosk_activate(code=f" {code[:4].lower()}-{code[4:]} ")  # typed loosely
    assert activated.pk == device.pk and activated.is_active and activated.key_hash == hash_secret(key)
    assert kiosk_device_for_key(key) == activated
    with pytest.raises(ActivationCodeInvalid):
        kiosk_activate(code=code)  # one time only


def test_expired_or_wrong_code_is_refused(venue, clock):
    _device, code = kiosk_register(venue=venue, name="入口")
    with pytest.raises(ActivationCodeInvalid):
        kiosk_activate(code="ABCDEFGH")
    clock.shift(dt.timedelta(hours=24, seconds=1))
    with pytest.raises(ActivationCodeInvalid):
        kiosk_activate(code=code)


def test_revoke_stops_the_key_and_an_unused_code(venue, clock):
    device, code = kiosk_register(venue=venue, name="入口")
    other, other_code = kiosk_register(venue=venue, name="奥")
    device, key = kiosk_activate(code=code)
    kiosk_revoke(device=device)
    kiosk_revoke(device=other)
    assert kiosk_device_for_key(key) is None
    with pytest.raises(ActivationCodeInvalid):
        kiosk_activate(code=other_code)
    assert KioskDevice.objects.get(pk=device.pk).revoked_at == timezone.now()


def test_create_kiosk_command_prints_a_working_code(venue, clock):
    out = StringIO()
    call_command("create_kiosk", "--venue", str(venue.pk), "--name", "ロビー", stdout=out)
    printed = out.getvalue()
    code_line = next(line for line in printed.splitlines() if line.startswith("Activation code:"))
    code = code_line.split(":", 1)[1].strip()
    device, _key = kiosk_activate(code=code)
    assert device.name == "ロビー" and device.venue == venue
    with pytest.raises(CommandError):
        call_command("create_kiosk", "--venue", "999999", stdout=StringIO())


def test_activation_page_sets_a_signed_httponly_long_lived_cookie(client, venue, clock):
    _device, code = kiosk_register(venue=venue, name="入口")
    page = client.get("/kiosk/activate/")
    assert page.status_code == 200 and "登録コード" in page.content.decode()
    response = client.post("/kiosk/activate/", {"code": code})
    assert response.status_code == 302 and response.url == "/kiosk/"
    cookie = response.cookies[DEVICE_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and int(cookie["max-age"]) > 365 * 24 * 3600
    assert ":" in cookie.value  # signed, not the raw key
    assert client.get("/kiosk/").status_code == 200


def test_wrong_activation_code_says_so(client, venue, clock):
    response = client.post("/kiosk/activate/", {"code": "WRONG123"})
    assert response.status_code == 400
    assert "コードが正しくないか、期限が切れています" in response.content.decode()
    assert DEVICE_COOKIE not in response.cookies


@pytest.mark.parametrize("path", KIOSK_PAGES)
def test_no_device_means_the_activation_page_and_no_data(client, db, path):
    response = client.get(path)
    assert response.status_code == 302 and response.url == "/kiosk/activate/"


@pytest.mark.parametrize("path", KIOSK_PAGES)
def test_a_revoked_device_cannot_reach_any_page(kiosk, path, clock):
    client = kiosk_client_for(kiosk.test_key)
    assert client.get("/kiosk/").status_code == 200
    kiosk_revoke(device=kiosk)
    response = client.get(path)
    assert response.status_code == 302 and response.url == "/kiosk/activate/"


def test_a_tampered_cookie_is_refused(client, kiosk):
    client.cookies[DEVICE_COOKIE] = kiosk.test_key  # the raw key, unsigned
    assert client.get("/kiosk/").url == "/kiosk/activate/"
    client.cookies[DEVICE_COOKIE] = "x" * 40 + ":forged:signature"
    assert client.get("/kiosk/").url == "/kiosk/activate/"


def test_a_revoked_kiosk_loses_its_session(kiosk, topic, clock):
    client = kiosk_client_for(kiosk.test_key)
    client.post("/kiosk/book/", {"for": "self"})
    client.post("/kiosk/book/topic/", {"topic": topic.pk})
    assert "kiosk_booking" in client.session
    kiosk_revoke(device=kiosk)
    client.get("/kiosk/book/place/")
    assert "kiosk_booking" not in client.session


def test_last_seen_is_noted_at_most_every_few_minutes(clock, kiosk_client, kiosk):
    first = KioskDevice.objects.get(pk=kiosk.pk).last_seen_at
    clock.shift(dt.timedelta(minutes=1))
    kiosk_client.get("/kiosk/")
    assert KioskDevice.objects.get(pk=kiosk.pk).last_seen_at == first
    clock.shift(dt.timedelta(minutes=5))
    kiosk_client.get("/kiosk/")
    assert KioskDevice.objects.get(pk=kiosk.pk).last_seen_at == timezone.now()


def test_admin_action_revokes(admin_client, kiosk):
    response = admin_client.post("/admin/kiosk/kioskdevice/", {"action": "revoke", "_selected_action": [kiosk.pk]})
    assert response.status_code == 302
    assert KioskDevice.objects.get(pk=kiosk.pk).revoked_at is not None


def test_revoke_records_who_and_a_second_revoke_changes_nothing(venue, coordinator, clock):
    device, _code = kiosk_register(venue=venue, name="入口")
    kiosk_revoke(device=device, revoked_by=coordinator)
    clock.shift(dt.timedelta(hours=1))
    again = kiosk_revoke(device=device, revoked_by=None)
    assert (again.revoked_at, again.revoked_by) == (NOW, coordinator)


def test_state_follows_the_devices_life(venue, clock):
    device, code = kiosk_register(venue=venue, name="入口")
    assert device.state == KioskDevice.State.WAITING
    clock.shift(dt.timedelta(hours=25))
    assert device.state == KioskDevice.State.CODE_EXPIRED
    fresh, fresh_code = kiosk_register(venue=venue, name="奥")
    fresh, _key = kiosk_activate(code=fresh_code)
    assert fresh.state == KioskDevice.State.ACTIVE
    assert kiosk_revoke(device=fresh).state == KioskDevice.State.REVOKED
