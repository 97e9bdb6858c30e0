"""The SMS brakes inside the dispatcher: texts go only to numbers the municipality knows, and
never past the daily caps — counted per batch, with no query per row."""

import datetime as dt

import pytest

from literacy.notifications.dispatcher import dispatch_due
from literacy.notifications.models import Message
from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.sms_brakes]


def text(municipality, to, key, **extra):
    return Message.objects.create(
        municipality=municipality, channel="sms", kind=Message.Kind.COORDINATOR_ALERT, to=to, body="本文",
        idempotency_key=key, send_after=dt.datetime.now(dt.UTC), **extra,
    )


def test_a_number_nobody_registered_is_never_texted(municipality, learner, daytime, memory_outbox):
    stranger = text(municipality, "+819099998888", "stranger")
    known = text(municipality, learner.phone, "known")
    report = dispatch_due(batch=10)
    assert report.outcomes == {"sent": 1, "skipped": 1}
    stranger.refresh_from_db()
    known.refresh_from_db()
    assert (stranger.state, stranger.error_code) == ("skipped", "unknown_number")
    assert known.state == "sent" and [m.to for m in memory_outbox] == [learner.phone]


def test_a_proxy_and_a_volunteer_may_be_texted(municipality, learner, volunteer, daytime):
    learner.proxy_phone = "+818011112222"
    learner.save()
    text(municipality, "+818011112222", "proxy")
    text(municipality, volunteer.phone, "volunteer")
    assert dispatch_due(batch=10).outcomes == {"sent": 2}


def test_another_municipalitys_learner_is_unknown_here(municipality, learner, daytime):
    other = factories.MunicipalityFactory()
    text(other, learner.phone, "elsewhere")
    assert dispatch_due(batch=10).outcomes == {"skipped": 1}


def test_daily_cap_per_number_counts_earlier_sends_and_the_same_batch(municipality, learner, daytime, settings):
    settings.SMS_DAILY_CAP_PER_NUMBER = 3
    earlier = text(municipality, learner.phone, "earlier")
    Message.objects.filter(pk=earlier.pk).update(state="sent", sent_at=dt.datetime.now(dt.UTC))
    for n in range(4):
        text(municipality, learner.phone, f"now{n}")
    assert dispatch_due(batch=10).outcomes == {"sent": 2, "skipped": 2}
    assert set(Message.objects.filter(state="skipped").values_list("error_code", flat=True)) == {"cap_per_number"}


def test_daily_cap_per_municipality(municipality, daytime, settings):
    settings.SMS_DAILY_CAP_PER_MUNICIPALITY = 2
    learners = [factories.LearnerFactory(municipality=municipality) for _ in range(3)]
    for n, learner in enumerate(learners):
        text(municipality, learner.phone, f"city{n}")
    assert dispatch_due(batch=10).outcomes == {"sent": 2, "skipped": 1}
    assert Message.objects.get(state="skipped").error_code == "cap_per_city"


@pytest.mark.parametrize("size", [5, 50])
def test_the_brakes_cost_the_same_queries_whatever_the_batch_size(municipality, daytime, size,
                                                                  django_assert_max_num_queries, monkeypatch):
    from literacy.notifications import dispatcher

    monkeypatch.setattr(dispatcher, "RECORD_EVERY", dt.timedelta(hours=1))
    for n in range(size):
        learner = factories.LearnerFactory(municipality=municipality)
        text(municipality, learner.phone, f"q{size}:{n}")
    # The dispatcher's own round (see test_dispatcher_batches) plus four grouped look-ups.
    with django_assert_max_num_queries(11):
        assert dispatch_due(batch=size).outcomes == {"sent": size}
