"""API fixtures: clients for each kind of caller, and a second city to prove scoping."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from literacy.kiosk.models import KioskDevice, hash_secret
from tests import factories

KIOSK_KEY = "kiosk-key-for-tests-0123456789"


@pytest.fixture(autouse=True)
def _fresh_throttle_buckets():
    # Throttle counters live in the cache; every test starts with empty buckets.
    cache.clear()
    yield
    cache.clear()


def client_with(authorization: str | None = None) -> APIClient:
    client = APIClient()
    if authorization:
        client.credentials(HTTP_AUTHORIZATION=authorization)
    return client


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def coordinator_api(coordinator):
    return client_with(f"Token {Token.objects.create(user=coordinator).key}")


@pytest.fixture
def volunteer_api(volunteer):
    return client_with(f"Token {Token.objects.create(user=volunteer.user).key}")


@pytest.fixture
def kiosk_device(municipality, venue):
    return KioskDevice.objects.create(
        municipality=municipality, venue=venue, name="玄関の端末", key_hash=hash_secret(KIOSK_KEY),
        activated_at=timezone.now(),
    )


@pytest.fixture
def kiosk_api(kiosk_device):
    return client_with(f"Device {KIOSK_KEY}")


@pytest.fixture
def instant_window(volunteer, venue):
    """Tuesdays 10:00–12:00 at the venue, confirmed at once."""
    return factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                         ends=dt.time(12), is_instant=True)


@pytest.fixture
def other_city(db):
    """A second municipality with its own venue, topic, volunteer and coordinator."""
    city = factories.MunicipalityFactory(jis_code="402036", name="久留米市", name_en="Kurume", slug="kurume")
    district = factories.DistrictFactory(municipality=city, name="中央")
    venue = factories.VenueFactory(municipality=city, district=district, name="久留米市中央公民館")
    topic = factories.TopicFactory(municipality=city, slug="line", name="LINEの使い方")
    volunteer = factories.VolunteerFactory(municipality=city, topics=[topic])
    volunteer.venues.add(venue)
    coordinator = factories.CoordinatorFactory(municipality=city, email="kurume@example.jp")
    return {"municipality": city, "district": district, "venue": venue, "topic": topic, "volunteer": volunteer,
            "coordinator": coordinator}


def error_code(response) -> str:
    return response.json()["error"]["code"]
