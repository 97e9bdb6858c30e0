"""coordinator_required: which municipality a coordinator of several is working on."""

from django.urls import reverse

from literacy.accounts.models import CoordinatorRole
from tests import factories


def test_a_coordinator_of_two_cities_switches_and_the_choice_sticks(coordinator_client, mfa_coordinator, municipality):
    second = factories.MunicipalityFactory(jis_code="402117", name="筑後市")
    CoordinatorRole.objects.create(user=mfa_coordinator, municipality=second)
    factories.VolunteerFactory(municipality=second, name="筑後 ボランティア")
    factories.VolunteerFactory(municipality=municipality, name="八女 ボランティア")
    body = coordinator_client.get(reverse("coverage:volunteers")).content.decode()
    assert "八女 ボランティア" in body and "筑後 ボランティア" not in body  # the first by JIS code
    body = coordinator_client.get(reverse("coverage:volunteers"), {"m": "402117"}).content.decode()
    assert "筑後 ボランティア" in body and "八女 ボランティア" not in body
    body = coordinator_client.get(reverse("coverage:volunteers")).content.decode()
    assert "筑後 ボランティア" in body  # remembered
    assert 'name="m"' in body  # the switcher is offered to a coordinator of several


def test_a_city_one_does_not_coordinate_is_never_chosen(coordinator_client, municipality):
    factories.MunicipalityFactory(jis_code="402117")
    coordinator_client.get(reverse("coverage:queue"), {"m": "402117"})
    response = coordinator_client.get(reverse("coverage:queue"))
    assert response.wsgi_request.municipality == municipality
