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


def walk(client, *, topic, venue, day="2026-12-08", slot_index=0, phone="090-1234-5678", name="八女 花子",
         name_kana="やめ はなこ", for_other=False, proxy=None, reminder="sms", stop_before=None):
    """Answer the wizard's steps with plain form posts, as a browser without JavaScript would.
    Stops before the named step (its GET response is returned); otherwise returns the confirm page."""
    steps = ["start", "topic", "place", "day", "time", "phone", "name", "proxy", "reminder", "confirm"]
    response = client.post("/kiosk/book/", {"for": "other" if for_other else "self"})
    assert response.status_code == 302, response
    for step in steps[1:]:
        if step == "proxy" and not for_other:
            continue
        if step == stop_before:
            return client.get(f"/kiosk/book/{'family' if step == 'proxy' else step}/")
        if step == "topic":
            response = client.post("/kiosk/book/topic/", {"topic": topic.pk})
        elif step == "place":
            response = client.post("/kiosk/book/place/", {"venue": venue.pk})
        elif step == "day":
            response = client.post("/kiosk/book/day/", {"day": day})
        elif step == "time":
            page = client.get("/kiosk/book/time/")
            keys = slot_keys(page)
            response = client.post("/kiosk/book/time/", {"slot": keys[slot_index]})
        elif step == "phone":
            response = client.post("/kiosk/book/phone/", {"phone": phone})
        elif step == "name":
            response = client.post("/kiosk/book/name/", {"name": name, "name_kana": name_kana})
        elif step == "proxy":
            response = client.post("/kiosk/book/family/", proxy)
        elif step == "reminder":
            response = client.post("/kiosk/book/reminder/", {"reminder": reminder})
        elif step == "confirm":
            return client.get("/kiosk/book/confirm/")
        assert response.status_code == 302, (step, response.status_code, response.content.decode()[-1500:])


def slot_keys(page) -> list[str]:
    import re

    return re.findall(r'name="slot" value="([0-9:]+)"', page.content.decode())
