"""/readyz and /metrics run a fixed number of queries, whether there are 2 or 8 workers beating,
cities, messages in every state and open cases (a scrape every 15 seconds must stay cheap)."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from literacy.followups.models import FollowUp
from literacy.notifications.models import Message
from literacy.operations.services import heartbeat_record
from tests import factories
from tests.query_counts import SIZES, assert_pinned, get, keys_of


@pytest.fixture(params=SIZES, ids=lambda size: f"{size}-of-each")
def running(request, client, db, clock):
    now = timezone.now()
    for n in range(request.param):
        city = factories.MunicipalityFactory()
        heartbeat_record(name=f"worker-{n}", now=now - dt.timedelta(seconds=n))
        for state in Message.State.values:
            Message.objects.create(municipality=city, channel="sms", kind="learner_reminder_morning",
                                   to="+819000000000", body="x", send_after=now - dt.timedelta(minutes=n), state=state,
                                   idempotency_key=f"{n}:{state}")
        for kind in FollowUp.Kind.values:
            FollowUp.objects.create(municipality=city, kind=kind, opened_at=now - dt.timedelta(hours=n))
    return SimpleNamespace(client=client)


CASES = {
    "GET readyz": get("readyz"),
    "GET metrics": get("metrics"),
}
# /metrics: the outbox waiting and recent by state, open cases by kind, and the heartbeats.
PINNED = {
    "GET readyz": 2,
    "GET metrics": 7,
}


@pytest.mark.parametrize("key", keys_of(CASES, PINNED))
def test_query_count_is_pinned_for_every_size(running, key):
    assert_pinned(key, cases=CASES, pinned=PINNED, world=running)
