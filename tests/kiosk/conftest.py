"""Kiosk fixtures: an activated kiosk at the venue, a client that carries its device cookie, and
volunteers with free times on Tuesday (instant) and Wednesday (a volunteer must accept)."""

import datetime as dt

import pytest
from django.test import Client

from literacy.kiosk.access import DEVICE_COOKIE, DEVICE_COOKIE_SALT
from literacy.kiosk.services import kiosk_activate, kiosk_register
from tests import factories


@pytest.fixture
def kiosk(venue):
    device, code = kiosk_register(venue=venue, name="入口の端末")
    device, key = kiosk_activate(code=code)
    device.test_key = key
    return device


def kiosk_client_for(key: str) -> Client:
    client = Client()
    # Set exactly as the activation view does (signed with the same salt).
    from django.http import HttpResponse

    response = HttpResponse()
    response.set_signed_cookie(DEVICE_COOKIE, key, salt=DEVICE_COOKIE_SALT)
    client.cookies[DEVICE_COOKIE] = response.cookies[DEVICE_COOKIE].value
    return client


@pytest.fixture
def kiosk_client(kiosk):
    return kiosk_client_for(kiosk.test_key)


@pytest.fixture
def free_times(volunteer, venue):
    """Tuesday 10–12 instant, Wednesday 14–16 asking the volunteer."""
    return [
        factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                      ends=dt.time(12), is_instant=True),
        factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=2, starts=dt.time(14),
                                      ends=dt.time(16), is_instant=False),
    ]
