"""Two volunteers press "accept" on the same request at the same moment, through the pages,
on PostgreSQL with real threads: exactly one wins, the other is told kindly (409), never a 500."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from literacy.portal.offer_links import offer_link_path
from literacy.scheduling.models import Lesson, Offer
from tests.conftest import requires_postgres

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(requests):
    """Run each (client, path, data) at once; return the responses' status codes and bodies."""
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(i, client, path, data):
        try:
            barrier.wait()
            response = client.post(path, data)
            results[i] = (response.status_code, response.content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.parametrize("rounds", range(3))
def test_two_volunteers_accept_at_once_from_the_inbox(volunteer, other_volunteer, offer, other_offer, rounds):
    clients = []
    for person in (volunteer, other_volunteer):
        client = Client()
        client.force_login(person.user)
        clients.append(client)
    results = race([
        (clients[0], reverse("portal:offer_answer", args=[offer.pk, "accept"]), {}),
        (clients[1], reverse("portal:offer_answer", args=[other_offer.pk, "accept"]), {}),
    ])
    assert sorted(status for status, _ in results) == [200, 409]
    loser_page = next(body for status, body in results if status == 409)
    assert "ほかのボランティアが引き受けました" in loser_page
    assert Lesson.objects.count() == 1
    assert Offer.objects.filter(state=Offer.State.ACCEPTED).count() == 1
    winner = Offer.objects.get(state=Offer.State.ACCEPTED).volunteer
    assert Lesson.objects.get().volunteer == winner


def test_two_volunteers_accept_at_once_from_their_links(offer, other_offer):
    results = race([
        (Client(), offer_link_path(offer), {"answer": "accept"}),
        (Client(), offer_link_path(other_offer), {"answer": "accept"}),
    ])
    assert sorted(status for status, _ in results) in ([200, 409], [200, 410])
    assert Lesson.objects.count() == 1
    assert Offer.objects.filter(state=Offer.State.ACCEPTED).count() == 1
