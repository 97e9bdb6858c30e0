"""The development outbox page and the coordinators' admin for messages."""

import pytest

from literacy.notifications import triggers
from literacy.notifications.dispatcher import dispatch_due
from literacy.notifications.models import Message
from literacy.notifications.providers.console import ConsoleProvider
from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("staff", [False, True])
def test_dev_outbox_is_hidden_in_production_even_from_staff(client, settings, booking, staff):
    # It lists every municipality's messages, with no two-factor check: staff included, nobody.
    settings.DEBUG = False
    triggers.booking_confirmed(booking=booking)
    if staff:
        client.force_login(factories.UserFactory(is_staff=True, is_superuser=True))
    assert client.get("/dev/outbox/").status_code == 404


@pytest.mark.django_db
def test_dev_outbox_lists_messages_in_development(client, settings, booking):
    settings.DEBUG = True
    triggers.booking_confirmed(booking=booking)
    response = client.get("/dev/outbox/")
    assert response.status_code == 200
    assert "予約確定" in response.content.decode() and booking.code in response.content.decode()


@pytest.mark.django_db
def test_console_provider_logs_the_text(booking, daytime, caplog):
    triggers.booking_confirmed(booking=booking)
    with caplog.at_level("INFO", logger="literacy.outbox"):
        dispatch_due(provider=ConsoleProvider())
    assert booking.code in caplog.text
    assert Message.objects.get(kind=Message.Kind.LEARNER_CONFIRMATION).provider_id.startswith("SMconsole")


@pytest.mark.django_db
def test_admin_shows_a_failed_message_and_resends_it(admin_client, booking, daytime):
    triggers.booking_confirmed(booking=booking)
    message = Message.objects.get(kind=Message.Kind.LEARNER_CONFIRMATION)
    Message.objects.filter(pk=message.pk).update(state="failed", error_code="21211", error_message="invalid number")
    listing = admin_client.get("/admin/notifications/message/?state__exact=failed")
    assert listing.status_code == 200 and "21211" in listing.content.decode()
    assert admin_client.get(f"/admin/notifications/message/{message.pk}/change/").status_code == 200
    response = admin_client.post("/admin/notifications/message/", {
        "action": "resend", "_selected_action": [message.pk],
    })
    assert response.status_code == 302
    copy = Message.objects.exclude(pk=message.pk).get(kind=Message.Kind.LEARNER_CONFIRMATION)
    assert copy.state == "pending" and copy.payload["resend_of"] == message.pk


@pytest.mark.django_db
def test_admin_lists_inbound_and_delivery_events(admin_client):
    for path in ("/admin/notifications/inboundmessage/", "/admin/notifications/deliveryevent/"):
        assert admin_client.get(path).status_code == 200
