"""The home page and the health check."""

from unittest import mock

from django.db.utils import OperationalError


def test_home_links_and_is_japanese_by_default(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="ja">' in response.content.decode()


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_healthz_reports_an_unreachable_database(client, db):
    with mock.patch("literacy.core.views.connection.cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")
    assert response.status_code == 503
