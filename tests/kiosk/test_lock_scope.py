"""A kiosk booking locks the kiosk's row and the learner's row, and nothing of the city's.

PostgreSQL's FOR UPDATE locks a row of every table the query joins. These locks used to join the
municipality (through the models' default ordering), so every kiosk booking in a city waited for
the one before it, and every foreign-key check on the city's row waited too. Here a booking's
locks are held in one transaction while another connection tries to lock each row at once."""

import pytest
from django.db import OperationalError, connection, transaction

from literacy.kiosk.limits import kiosk_booking_allow
from literacy.people.models import Channel
from literacy.people.services import learner_find_or_create
from tests import factories
from tests.conftest import requires_postgres
from tests.threads import run_together

pytestmark = [requires_postgres, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def free_to_lock(table: str, pk: int) -> bool:
    """Whether another connection can lock this row right now (FOR UPDATE NOWAIT)."""
    def attempt(_n: int) -> bool:
        with transaction.atomic(), connection.cursor() as cursor:
            try:
                cursor.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE NOWAIT", [pk])
            except OperationalError:
                return False
            return True

    return run_together(1, attempt)[0]


def test_a_kiosk_booking_locks_its_own_rows_and_not_the_citys(municipality, venue, kiosk):
    learner = factories.LearnerFactory(municipality=municipality, phone="+819012345678", name="八女 花子")
    with transaction.atomic():
        kiosk_booking_allow(device=kiosk)
        found = learner_find_or_create(municipality=municipality, phone="090-1234-5678", name="八女 花子",
                                       channel=Channel.KIOSK)
        assert found.pk == learner.pk

        assert not free_to_lock("kiosk_kioskdevice", kiosk.pk)  # what the kiosk's limit counts under
        assert not free_to_lock("people_learner", learner.pk)  # what a double click waits on
        assert free_to_lock("places_municipality", municipality.pk)
        assert free_to_lock("places_venue", venue.pk)
        assert free_to_lock("places_district", venue.district_id)
