"""Venues and topics, managed by the coordinator within their municipality."""

import pytest
from django.urls import reverse

from literacy.core.errors import InvalidStateChange
from literacy.coverage.services import venue_save
from literacy.curriculum.models import Topic
from literacy.places.models import Venue
from tests import factories


def venue_data(district, **extra):
    return {"name": "黒木公民館", "name_en": "Kurogi", "name_kana": "くろぎこうみんかん", "kind": "community_centre",
            "district": district.pk, "address": "八女市黒木町1", "capacity": 12, "is_active": "on", **extra}


def test_add_and_change_a_venue(coordinator_client, district):
    response = coordinator_client.post(reverse("coverage:venue_new"), venue_data(district))
    assert response.status_code == 302
    venue = Venue.objects.get(name="黒木公民館")
    assert (venue.municipality, venue.capacity, venue.is_active) == (district.municipality, 12, True)
    coordinator_client.post(reverse("coverage:venue_edit", args=[venue.pk]), venue_data(district, capacity=8, is_active=""))
    venue.refresh_from_db()
    assert (venue.capacity, venue.is_active) == (8, False)
    assert "黒木公民館" in coordinator_client.get(reverse("coverage:places")).content.decode()


def test_a_duplicate_name_is_a_form_error_not_a_500(coordinator_client, venue, district):
    response = coordinator_client.post(reverse("coverage:venue_new"), venue_data(district, name=venue.name))
    assert response.status_code == 200 and Venue.objects.filter(name=venue.name).count() == 1


def test_another_citys_venue_district_and_topic_are_out_of_reach(coordinator_client, district):
    other = factories.MunicipalityFactory(jis_code="402117")
    other_venue = factories.VenueFactory(municipality=other)
    other_topic = factories.TopicFactory(municipality=other)
    assert coordinator_client.get(reverse("coverage:venue_edit", args=[other_venue.pk])).status_code == 404
    assert coordinator_client.get(reverse("coverage:topic_edit", args=[other_topic.pk])).status_code == 404
    response = coordinator_client.post(reverse("coverage:venue_new"),
                                       {**venue_data(district), "district": other_venue.district_id})
    assert response.status_code == 200 and not Venue.objects.filter(name="黒木公民館").exists()
    with pytest.raises(InvalidStateChange):
        venue_save(municipality=district.municipality, values={"district": other_venue.district, "name": "x"})


def test_add_and_retire_a_topic(coordinator_client, municipality):
    data = {"name": "防災アプリ", "name_en": "Disaster alerts", "slug": "bousai", "icon": "🚨", "order": 5,
            "is_active": "on"}
    assert coordinator_client.post(reverse("coverage:topic_new"), data).status_code == 302
    topic = Topic.objects.get(slug="bousai")
    assert topic.municipality == municipality
    coordinator_client.post(reverse("coverage:topic_edit", args=[topic.pk]), {**data, "is_active": ""})
    topic.refresh_from_db()
    assert topic.is_active is False
