"""Coverage's own writes: the audit record and resending a failed message from the outbox."""

import pytest
from django.urls import reverse

from literacy.core.errors import InvalidStateChange
from literacy.coverage.models import AuditEvent
from literacy.coverage.services import audit_record, outbox_resend
from literacy.notifications.models import Message


@pytest.fixture
def failed(clock, municipality):
    from django.utils import timezone

    return Message.objects.create(
        municipality=municipality, channel=Message.Channel.SMS, kind="learner_reminder_day_before", to="+819011112222",
        body="スマホ相談です。明日10時…", send_after=timezone.now(), state=Message.State.FAILED,
        attempts=3, error_code="21614", error_message="not a mobile number", idempotency_key="reminder:1:day",
    )


def test_audit_record_keeps_who_what_where(clock, municipality, coordinator):
    event = audit_record(actor=coordinator, municipality=municipality, action="export",
                         object_type="coverage_table", object_id="districts", ip="203.0.113.9")
    assert (event.actor_email, event.action, event.object_id, event.ip) == (
        "coord@example.jp", "export", "districts", "203.0.113.9")
    coordinator.delete()
    event.refresh_from_db()
    assert event.actor is None and event.actor_email == "coord@example.jp"  # the trail outlives the account


def test_audit_record_refuses_an_unknown_action(clock, municipality, coordinator):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        audit_record(actor=coordinator, municipality=municipality, action="peek", object_type="learner")
    assert not AuditEvent.objects.exists()


def test_resend_makes_a_fresh_pending_copy(failed, coordinator):
    copy = outbox_resend(message=failed, by=coordinator)
    failed.refresh_from_db()
    assert failed.state == Message.State.FAILED  # the record of the failure stays
    assert copy.pk != failed.pk and copy.state == Message.State.PENDING
    assert (copy.to, copy.body, copy.kind, copy.fallback_of) == (failed.to, failed.body, failed.kind, failed)
    assert copy.idempotency_key != failed.idempotency_key and copy.attempts == 0 and copy.error_code == ""
    second = outbox_resend(message=failed, by=coordinator)
    assert second.idempotency_key != copy.idempotency_key


@pytest.mark.parametrize("state", ["pending", "sending", "sent", "delivered", "cancelled", "skipped"])
def test_only_failed_messages_are_resent(failed, coordinator, state):
    Message.objects.filter(pk=failed.pk).update(state=state)
    with pytest.raises(InvalidStateChange):
        outbox_resend(message=failed, by=coordinator)


def test_outbox_page_shows_errors_resends_and_is_audited(failed, mfa_coordinator, coordinator_client):
    body = coordinator_client.get(reverse("coverage:outbox")).content.decode()
    assert "21614" in body and "もう一度送る" in body
    assert AuditEvent.objects.filter(object_type="outbox", action="view").count() == 1
    response = coordinator_client.post(reverse("coverage:outbox_resend", args=[failed.pk]))
    assert response.status_code == 302
    assert Message.objects.filter(fallback_of=failed, state="pending").count() == 1
    body = coordinator_client.get(reverse("coverage:outbox"), {"state": "pending"}).content.decode()
    assert "送信待ち" in body and "もう一度送る" not in body
