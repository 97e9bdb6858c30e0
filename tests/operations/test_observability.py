"""Request log lines, message log lines, /readyz and /metrics."""

import datetime as dt
import json
import logging

import pytest
from django.utils import timezone

from literacy.core.event_log import message_event_line
from literacy.followups.models import FollowUp
from literacy.notifications.models import Message
from literacy.operations.services import heartbeat_record
from tests.imports.conftest import city_client  # noqa: F401 - a coordinator signed in with MFA

PHONE = "09012345678"


def request_lines(caplog):
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "literacy.requests"]


def test_one_json_line_per_request_without_personal_data(city_client, caplog):  # noqa: F811
    caplog.set_level(logging.INFO, logger="literacy.requests")
    city_client.get(f"/city/import/999/?m=402109&phone={PHONE}", HTTP_X_REQUEST_ID="4f1c2b9a7d3e4f5a6b7c8d9e0f1a2b3c")
    city_client.get(f"/no/such/page/{PHONE}")
    city_client.post("/city/import/", {"kind": "learners", "phone": PHONE})
    lines = request_lines(caplog)
    assert len(lines) == 3
    first, unmatched, posted = lines
    assert first["method"] == "GET" and first["status"] == 404
    assert first["route"] == "/city/import/<int:batch_id>/" and first["name"] == "imports:preview"
    assert first["request_id"] == "4f1c2b9a7d3e4f5a6b7c8d9e0f1a2b3c"
    assert isinstance(first["duration_ms"], float) and first["duration_ms"] >= 0
    assert unmatched["route"] is None and unmatched["status"] == 404
    assert posted == {**posted, "method": "POST", "route": "/city/import/", "status": 400}
    raw = "\n".join(r.getMessage() for r in caplog.records if r.name == "literacy.requests")
    for secret in (PHONE, "402109", "coord@example.jp", "phone="):
        assert secret not in raw
    assert all("\n" not in r.getMessage() for r in caplog.records if r.name == "literacy.requests")


def test_a_message_line_has_ids_not_content(municipality):
    message = Message.objects.create(
        municipality=municipality, channel="sms", kind="reminder_day_before", to="+819012345678",
        body="八女 花子様 明日10時 中央公民館", send_after=timezone.now(), state="failed", attempts=2,
        error_code="21614", idempotency_key="k1",
    )
    line = json.loads(message_event_line(message=message))
    assert line == {**line, "event": "message_sent", "message_id": message.pk, "channel": "sms",
                    "kind": "reminder_day_before", "state": "failed", "attempts": 2, "error_code": "21614"}
    text = message_event_line(message=message)
    assert "+8190" not in text and "花子" not in text and "公民館" not in text


def test_readyz_needs_a_recent_heartbeat(client, db, settings):
    response = client.get("/readyz")
    assert response.status_code == 503 and "no heartbeat" in response.json()["worker"]
    heartbeat_record(name="run_worker", now=timezone.now() - dt.timedelta(seconds=settings.WORKER_HEARTBEAT_MAX_AGE_SECONDS + 5))
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["worker"]["problem"].startswith("heartbeat too old")
    heartbeat_record(name="run_worker")
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["worker"]["name"] == "run_worker"
    assert client.get("/healthz").status_code == 200  # liveness does not depend on the worker


@pytest.fixture
def outbox(municipality, clock):
    now = timezone.now()

    def message(state, minutes_ago, key):
        return Message.objects.create(municipality=municipality, channel="sms", kind="reminder", to="+819000000000",
                                      body="x", send_after=now - dt.timedelta(minutes=minutes_ago), state=state,
                                      idempotency_key=key)

    message("pending", 10, "a")
    message("pending", -60, "b")  # not due yet
    message("sending", 1, "c")
    message("failed", 30, "d")
    message("expired", 60, "e")
    message("failed", 60 * 48, "f")  # older than the 24-hour window
    FollowUp.objects.create(municipality=municipality, kind="call_back", opened_at=now - dt.timedelta(hours=2))
    heartbeat_record(name="run_worker", now=now - dt.timedelta(seconds=12))


def test_metrics_in_prometheus_format(client, outbox):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.content.decode()
    for line in [
        'oshieai_messages_waiting{state="pending"} 2',
        'oshieai_messages_waiting{state="sending"} 1',
        "oshieai_messages_due 1",
        "oshieai_messages_oldest_due_seconds 600",
        'oshieai_messages_recent{state="failed"} 1',
        'oshieai_messages_recent{state="expired"} 1',
        'oshieai_followups_open{kind="call_back"} 1',
        'oshieai_followups_open{kind="no_show"} 0',
        "oshieai_followups_oldest_open_seconds 7200",
        'oshieai_worker_heartbeat_age_seconds{worker="run_worker"} 12',
    ]:
        assert line in text.splitlines(), line
    assert "# TYPE oshieai_messages_waiting gauge" in text
    assert "+8190" not in text


def test_metrics_need_the_token_when_one_is_set(client, outbox, settings):
    settings.METRICS_TOKEN = "scrape-secret-123"
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-secret-123").status_code == 200


def test_without_a_token_only_direct_local_requests(client, outbox, settings):
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    # Through nginx the address is 127.0.0.1 too, but nginx adds X-Forwarded-For.
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403


def test_django_does_not_log_paths_of_not_found_pages():
    import logging as std_logging

    from django.conf import settings as django_settings
    from django.utils.log import configure_logging

    configure_logging(django_settings.LOGGING_CONFIG, __import__("literacy.settings.base", fromlist=["LOGGING"]).LOGGING)
    try:
        assert not std_logging.getLogger("django.request").isEnabledFor(std_logging.WARNING)
        assert std_logging.getLogger("django.request").isEnabledFor(std_logging.ERROR)
        assert std_logging.getLogger("literacy.requests").isEnabledFor(std_logging.INFO)
    finally:
        configure_logging(django_settings.LOGGING_CONFIG, django_settings.LOGGING)
