"""The coordinators' kiosk pages: the list, registering (the code shown once) and revoking, all
within the coordinator's municipality."""

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from literacy.coverage.kiosk_views import NEW_CODES_SESSION_KEY
from literacy.kiosk.models import KioskDevice
from literacy.kiosk.services import kiosk_activate, kiosk_device_for_key, kiosk_register
from tests import factories
from tests.kiosk.conftest import kiosk_client_for

from .conftest import with_totp

PAGES = ["coverage:kiosks", "coverage:kiosk_new"]


@pytest.fixture
def other_city():
    other = factories.MunicipalityFactory(jis_code="402117", name="筑後市", slug="chikugo")
    venue = factories.VenueFactory(municipality=other, name="筑後公民館")
    device, _code = kiosk_register(venue=venue, name="よその端末")
    return SimpleNamespace(municipality=other, venue=venue, kiosk=device)


def shown_code(response) -> str:
    match = re.search(r'class="kiosk-code"[^>]*>([A-Z0-9]{4}-[A-Z0-9]{4})<', response.content.decode())
    assert match, "no activation code on the page"
    return match.group(1)


def register(client, venue, name="1階ロビー"):
    response = client.post(reverse("coverage:kiosk_new"), {"venue": venue.pk, "name": name})
    assert response.status_code == 302, response.content.decode()
    return response


# --- access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("name", PAGES)
def test_mfa_is_required(client, coordinator, name):
    client.force_login(coordinator)
    response = client.get(reverse(name))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_without_mfa_nothing_is_registered_or_revoked(client, coordinator, venue):
    device, _code = kiosk_register(venue=venue, name="入口")
    client.force_login(coordinator)
    client.post(reverse("coverage:kiosk_new"), {"venue": venue.pk, "name": "ロビー"})
    client.post(reverse("coverage:kiosk_revoke", args=[device.pk]))
    assert KioskDevice.objects.count() == 1
    assert KioskDevice.objects.get().revoked_at is None


def test_a_volunteer_is_refused(client, volunteer, venue):
    device, _code = kiosk_register(venue=venue, name="入口")
    client.force_login(volunteer.user)
    with_totp(volunteer.user)
    assert client.get(reverse("coverage:kiosks")).status_code == 404
    assert client.post(reverse("coverage:kiosk_new"), {"venue": venue.pk, "name": "x"}).status_code == 404
    assert client.post(reverse("coverage:kiosk_revoke", args=[device.pk])).status_code == 404
    assert KioskDevice.objects.get().revoked_at is None


# --- the list ---------------------------------------------------------------------------------------


def test_the_list_shows_each_kiosk_with_its_state_and_who_registered_it(
    coordinator_client, mfa_coordinator, venue, district, clock, other_city
):
    second_venue = factories.VenueFactory(municipality=venue.municipality, district=district, name="黒木図書館")
    active, code = kiosk_register(venue=venue, name="1階ロビー", created_by=mfa_coordinator)
    kiosk_activate(code=code)
    kiosk_register(venue=second_venue, name="閲覧室", created_by=mfa_coordinator)
    revoked, _code = kiosk_register(venue=venue, name="2階", created_by=mfa_coordinator)
    coordinator_client.post(reverse("coverage:kiosk_revoke", args=[revoked.pk]))
    expired, _code = kiosk_register(venue=venue, name="古いコード")
    KioskDevice.objects.filter(pk=expired.pk).update(activation_expires_at=timezone.now() - dt.timedelta(minutes=1))

    response = coordinator_client.get(reverse("coverage:kiosks"))
    assert response.status_code == 200
    rows = [(k.venue.name, k.name, k.state.value) for k in response.context["page"].object_list]
    # By venue; within a venue the working ones first, the revoked last.
    assert rows == [
        ("八女市中央公民館", "1階ロビー", "active"), ("八女市中央公民館", "古いコード", "code_expired"),
        ("八女市中央公民館", "2階", "revoked"), ("黒木図書館", "閲覧室", "waiting"),
    ]
    body = response.content.decode()
    for text in ("使用中", "登録コード待ち", "コードの期限切れ", "停止", "2026-12-07 08:00", mfa_coordinator.email):
        assert text in body
    assert "よその端末" not in body and "筑後公民館" not in body
    # A revoked kiosk has no revoke button; the others do.
    assert reverse("coverage:kiosk_revoke", args=[revoked.pk]) not in body
    assert reverse("coverage:kiosk_revoke", args=[active.pk]) in body


def test_the_list_is_linked_from_the_navigation_and_the_places_page(coordinator_client, world):
    kiosks_url = reverse("coverage:kiosks")
    assert f'href="{kiosks_url}"' in coordinator_client.get(reverse("coverage:queue")).content.decode()
    assert f'href="{kiosks_url}"' in coordinator_client.get(reverse("coverage:places")).content.decode()


# --- registering ------------------------------------------------------------------------------------


def test_register_shows_the_code_once_and_the_code_activates_the_kiosk(
    coordinator_client, mfa_coordinator, venue, clock
):
    form = coordinator_client.get(reverse("coverage:kiosk_new"), {"venue": venue.pk})
    assert form.status_code == 200 and form.context["form"].initial["venue"] == str(venue.pk)
    response = register(coordinator_client, venue)
    device = KioskDevice.objects.get()
    assert response["Location"] == reverse("coverage:kiosk_registered", args=[device.pk])
    assert (device.venue, device.name, device.created_by, device.municipality) == (
        venue, "1階ロビー", mfa_coordinator, venue.municipality)

    page = coordinator_client.get(response["Location"])
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    code = shown_code(page)
    body = page.content.decode()
    assert "http://testserver/kiosk/activate/" in body  # where to type it, for the person at the tablet
    assert "2026-12-08 08:00" in body  # valid for 24 hours
    assert coordinator_client.session[NEW_CODES_SESSION_KEY] == {}  # it left the session as it was shown

    again = coordinator_client.get(response["Location"]).content.decode()
    assert code not in again and "一度だけ表示されます" in again  # once

    activated, key = kiosk_activate(code=code)  # the person at the tablet types it in
    assert activated.pk == device.pk and kiosk_device_for_key(key) == activated


def test_two_registrations_each_show_their_own_code(coordinator_client, venue, clock):
    first = register(coordinator_client, venue, name="入口")
    second = register(coordinator_client, venue, name="奥")
    code_two = shown_code(coordinator_client.get(second["Location"]))
    code_one = shown_code(coordinator_client.get(first["Location"]))
    assert code_one != code_two
    assert kiosk_activate(code=code_one)[0].name == "入口"


def test_a_blank_name_is_a_japanese_form_error(coordinator_client, venue):
    response = coordinator_client.post(reverse("coverage:kiosk_new"), {"venue": venue.pk, "name": "   "})
    assert response.status_code == 200 and not KioskDevice.objects.exists()
    assert "端末の名前を入れてください（例：1階ロビー）。" in response.content.decode()
    assert 'role="alert"' in response.content.decode()


def test_no_venue_is_a_japanese_form_error(coordinator_client, venue):
    response = coordinator_client.post(reverse("coverage:kiosk_new"), {"venue": "", "name": "入口"})
    assert response.status_code == 200 and not KioskDevice.objects.exists()
    assert "端末を置く会場を選んでください。" in response.content.decode()


def test_another_citys_venue_is_a_japanese_form_error(coordinator_client, venue, other_city):
    response = coordinator_client.post(reverse("coverage:kiosk_new"), {"venue": other_city.venue.pk, "name": "入口"})
    assert response.status_code == 200
    assert "この自治体で使用中の会場から選んでください。" in response.content.decode()
    assert list(KioskDevice.objects.values_list("name", flat=True)) == ["よその端末"]
    assert "筑後公民館" not in response.content.decode()  # not even offered


def test_a_retired_venue_is_not_offered(coordinator_client, venue, district):
    retired = factories.VenueFactory(municipality=venue.municipality, district=district, name="閉館した館",
                                     is_active=False)
    response = coordinator_client.get(reverse("coverage:kiosk_new"))
    assert "閉館した館" not in response.content.decode()
    response = coordinator_client.post(reverse("coverage:kiosk_new"), {"venue": retired.pk, "name": "入口"})
    assert response.status_code == 200 and not KioskDevice.objects.exists()


def test_another_citys_registered_page_is_404(coordinator_client, other_city):
    url = reverse("coverage:kiosk_registered", args=[other_city.kiosk.pk])
    assert coordinator_client.get(url).status_code == 404


# --- revoking ---------------------------------------------------------------------------------------


def test_get_asks_for_confirmation_and_does_not_revoke(coordinator_client, venue):
    device, _code = kiosk_register(venue=venue, name="入口")
    response = coordinator_client.get(reverse("coverage:kiosk_revoke", args=[device.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "元に戻すことはできません" in body and 'method="post"' in body
    assert KioskDevice.objects.get(pk=device.pk).revoked_at is None


def test_revoking_through_the_page_stops_the_kiosk_at_once(coordinator_client, mfa_coordinator, venue, topic, clock):
    device, code = kiosk_register(venue=venue, name="入口")
    device, key = kiosk_activate(code=code)
    kiosk = kiosk_client_for(key)
    assert kiosk.get("/kiosk/").status_code == 200
    kiosk.post("/kiosk/book/", {"for": "self"})
    kiosk.post("/kiosk/book/topic/", {"topic": topic.pk})

    response = coordinator_client.post(reverse("coverage:kiosk_revoke", args=[device.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("coverage:kiosks")
    device.refresh_from_db()
    assert (device.revoked_at, device.revoked_by) == (timezone.now(), mfa_coordinator)
    assert "「入口」を停止しました" in coordinator_client.get(response["Location"]).content.decode()

    # The very next touch on that kiosk lands on the activation page, with its answers gone.
    assert kiosk.get("/kiosk/book/place/").url == "/kiosk/activate/"
    assert "kiosk_booking" not in kiosk.session
    assert kiosk_device_for_key(key) is None


def test_revoking_an_unused_code_stops_the_code(coordinator_client, venue):
    device, code = kiosk_register(venue=venue, name="入口")
    coordinator_client.post(reverse("coverage:kiosk_revoke", args=[device.pk]))
    response = Client().post("/kiosk/activate/", {"code": code})
    assert response.status_code == 400


def test_a_second_revoke_is_harmless(coordinator_client, mfa_coordinator, venue, clock):
    device, _code = kiosk_register(venue=venue, name="入口")
    coordinator_client.post(reverse("coverage:kiosk_revoke", args=[device.pk]))
    first = KioskDevice.objects.get(pk=device.pk)
    clock.shift(dt.timedelta(minutes=5))
    response = coordinator_client.post(reverse("coverage:kiosk_revoke", args=[device.pk]), follow=True)
    assert response.status_code == 200 and "すでに停止しています" in response.content.decode()
    again = KioskDevice.objects.get(pk=device.pk)
    assert (again.revoked_at, again.revoked_by) == (first.revoked_at, mfa_coordinator)
    confirm = coordinator_client.get(reverse("coverage:kiosk_revoke", args=[device.pk])).content.decode()
    assert 'method="post"' not in confirm.split("<main", 1)[1]  # nothing left to confirm


def test_another_citys_kiosk_is_404_and_stays_on(coordinator_client, other_city):
    url = reverse("coverage:kiosk_revoke", args=[other_city.kiosk.pk])
    assert coordinator_client.get(url).status_code == 404
    assert coordinator_client.post(url).status_code == 404
    assert KioskDevice.objects.get(pk=other_city.kiosk.pk).revoked_at is None


def test_other_methods_are_refused(coordinator_client, venue):
    device, _code = kiosk_register(venue=venue, name="入口")
    assert coordinator_client.put(reverse("coverage:kiosk_revoke", args=[device.pk])).status_code == 405
    assert coordinator_client.delete(reverse("coverage:kiosk_revoke", args=[device.pk])).status_code == 405
    assert KioskDevice.objects.get(pk=device.pk).revoked_at is None


# --- English, query counts --------------------------------------------------------------------------


def test_kiosk_pages_read_in_english(coordinator_client, venue, clock):
    kiosk_register(venue=venue, name="入口")
    coordinator_client.post(reverse("set_language"), {"language": "en", "next": "/city/"})
    body = coordinator_client.get(reverse("coverage:kiosks")).content.decode()
    assert "Register a kiosk" in body and "Waiting for its code" in body and ">Kiosks<" in body
    response = coordinator_client.post(reverse("coverage:kiosk_new"), {"venue": venue.pk, "name": ""})
    assert "Enter a name for the kiosk" in response.content.decode()
    body = coordinator_client.get(register(coordinator_client, venue)["Location"]).content.decode()
    assert "For the person setting up the tablet" in body


def test_kiosk_page_query_counts_are_pinned(coordinator_client, mfa_coordinator, venue, district, clock,
                                            django_assert_max_num_queries):
    # More kiosks, venues and registrars must not mean more queries.
    for i in range(6):
        place = factories.VenueFactory(municipality=venue.municipality, district=district, name=f"会場{i}")
        registrar = factories.CoordinatorFactory(municipality=venue.municipality)
        device, _code = kiosk_register(venue=place, name=f"端末{i}", created_by=registrar)
        if i % 2:
            coordinator_client.post(reverse("coverage:kiosk_revoke", args=[device.pk]))
    with django_assert_max_num_queries(6):
        coordinator_client.get(reverse("coverage:kiosks"))
    with django_assert_max_num_queries(5):
        coordinator_client.get(reverse("coverage:kiosk_new"))
    with django_assert_max_num_queries(15):
        response = register(coordinator_client, venue)
    with django_assert_max_num_queries(8):
        coordinator_client.get(response["Location"])
    with django_assert_max_num_queries(5):
        coordinator_client.get(reverse("coverage:kiosk_revoke", args=[device.pk]))
