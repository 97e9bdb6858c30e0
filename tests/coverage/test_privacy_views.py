"""A learner's data on request, from their page: download everything held (JSON) and erase it
(confirmation, reason, tick), both in the audit log and both scoped to the coordinator's city."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from literacy.coverage.models import AuditEvent
from literacy.people.models import Learner
from literacy.people.privacy import ANONYMISED_NAME
from literacy.scheduling.models import Booking, HelpRequest, LearnerProgress
from tests import factories

from .conftest import with_totp

ERASE = {"reason": "12月7日、ご本人から電話で消去の依頼", "confirm": "on"}


def export_url(learner):
    return reverse("coverage:learner_export", args=[learner.pk])


def erase_url(learner):
    return reverse("coverage:learner_erase", args=[learner.pk])


def audit_trail():
    return [(e.action, e.object_type, e.object_id, e.detail) for e in AuditEvent.objects.order_by("id")]


def counts():
    """What the city's statistics count: these rows must all stay."""
    return (Booking.objects.count(), HelpRequest.objects.count(), LearnerProgress.objects.count(),
            Learner.objects.count())


# --- the learner page offers both -------------------------------------------------------------------


def test_the_learner_page_offers_the_download_and_the_erasure(coordinator_client, world):
    body = coordinator_client.get(reverse("coverage:learner", args=[world.q.pk])).content.decode()
    assert f'href="{export_url(world.q)}"' in body and f'href="{erase_url(world.q)}"' in body
    assert "この方について保有している情報をすべてダウンロード（JSON）" in body and "消去の請求に応じる" in body


# --- export -----------------------------------------------------------------------------------------


def test_export_downloads_everything_as_utf8_json_and_is_audited(coordinator_client, world, mfa_coordinator):
    response = coordinator_client.get(export_url(world.q), REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="oshieai-402109-learner-{world.q.pk}-20261207.json"'
    )
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode("utf-8")
    assert "上陽 なつ" in text  # readable Japanese, not \\u escapes
    data = json.loads(text)
    assert data["profile"]["id"] == world.q.pk and data["profile"]["name"] == "上陽 なつ"
    assert len(data["bookings"]) == 2 and len(data["progress"]) == 2
    assert "八女 はる" not in text and "筑後" not in text  # nobody else

    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id) == ("export", "learner", str(world.q.pk))
    assert (event.actor, event.ip, event.municipality) == (mfa_coordinator, "192.0.2.9", world.m)
    body = coordinator_client.get(reverse("coverage:audit")).content.decode()
    assert f"learner #{world.q.pk}" in body and "出力" in body and "learner_export" in body


def test_export_of_an_erased_learner_holds_only_the_anonymised_record(coordinator_client, world):
    coordinator_client.post(erase_url(world.q), ERASE)
    data = json.loads(coordinator_client.get(export_url(world.q)).content)
    assert data["profile"]["name"] == ANONYMISED_NAME and data["profile"]["anonymised_at"]
    assert "上陽 なつ" not in json.dumps(data, ensure_ascii=False)


def test_export_is_get_only(coordinator_client, world):
    assert coordinator_client.post(export_url(world.q)).status_code == 405
    assert not AuditEvent.objects.exists()


# --- erase: the confirmation page ---------------------------------------------------------------------


def test_the_confirmation_page_explains_and_erases_nothing(coordinator_client, world):
    response = coordinator_client.get(erase_url(world.q))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    body = response.content.decode()
    for text in ("上陽 なつ さんの個人情報を消去する", "消去するもの", "残すもの（匿名の統計）",
                 "市の集計の数字が変わらないように", "消去の理由", 'type="checkbox"', 'method="post"'):
        assert text in body
    assert Learner.objects.get(pk=world.q.pk).anonymised_at is None
    assert audit_trail() == [("view", "learner", str(world.q.pk), "erase_form")]


def test_erase_on_request_anonymises_keeps_the_statistics_and_is_audited(coordinator_client, world, mfa_coordinator):
    before = counts()
    response = coordinator_client.post(erase_url(world.q), ERASE, REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302 and response["Location"] == reverse("coverage:learner", args=[world.q.pk])
    learner = Learner.objects.get(pk=world.q.pk)
    assert learner.name == ANONYMISED_NAME and learner.anonymised_at is not None
    assert "上陽" not in learner.phone
    assert counts() == before

    event = AuditEvent.objects.get(action="erase")
    assert (event.object_type, event.object_id, event.actor, event.ip) == (
        "learner", str(world.q.pk), mfa_coordinator, "192.0.2.10")
    assert ERASE["reason"] in event.detail

    page = coordinator_client.get(response["Location"]).content.decode()
    assert "個人情報を消去しました" in page
    assert ANONYMISED_NAME in page and "匿名化済み" in page and "上陽 なつ" not in page
    assert "tel:" not in page  # the placeholder phone is not offered as a number to call
    assert f'href="{erase_url(world.q)}"' not in page  # nothing left to erase
    audit = coordinator_client.get(reverse("coverage:audit")).content.decode()
    assert "消去" in audit and ERASE["reason"] in audit


def test_a_second_erase_is_harmless(coordinator_client, world, clock):
    coordinator_client.post(erase_url(world.q), ERASE)
    first = Learner.objects.get(pk=world.q.pk).anonymised_at
    clock.shift(dt.timedelta(minutes=3))
    response = coordinator_client.post(erase_url(world.q), ERASE, follow=True)
    assert response.status_code == 200 and "すでに消去されています" in response.content.decode()
    assert Learner.objects.get(pk=world.q.pk).anonymised_at == first
    assert AuditEvent.objects.filter(action="erase").count() == 1
    assert coordinator_client.get(erase_url(world.q)).status_code == 302  # no form for the erased


@pytest.mark.parametrize("data, error", [
    ({"confirm": "on"}, "消去の理由を書いてください"),
    ({"reason": "   ", "confirm": "on"}, "消去の理由を書いてください"),
    ({"reason": "ご本人から依頼"}, "確認のチェックを入れてください。"),
    ({}, "確認のチェックを入れてください。"),
])
def test_reason_and_tick_are_required(coordinator_client, world, data, error):
    response = coordinator_client.post(erase_url(world.q), data)
    assert response.status_code == 200
    body = response.content.decode()
    assert error in body and 'role="alert"' in body
    assert Learner.objects.get(pk=world.q.pk).anonymised_at is None
    assert not AuditEvent.objects.filter(action="erase").exists()


def test_an_open_request_refuses_the_erasure_with_a_clear_message(coordinator_client, world):
    # P still has an open request (H0): a volunteer could yet be sent to someone we forgot.
    before = counts()
    response = coordinator_client.post(erase_url(world.p), ERASE)
    assert response.status_code == 409
    body = response.content.decode()
    assert "予約または相談の依頼が進行中のため、消去できません" in body and "何も消去していません" in body
    assert "先に取り消しが必要なもの" in body and "相談の依頼" in body
    learner = Learner.objects.get(pk=world.p.pk)
    assert learner.anonymised_at is None and learner.name == "八女 はる"
    assert counts() == before
    assert not AuditEvent.objects.filter(action="erase").exists()


def test_an_upcoming_booking_refuses_the_erasure_and_is_listed(coordinator_client, world):
    lesson = factories.LessonFactory(municipality=world.m, venue=world.venue_a, topic=world.t1,
                                     starts_at=world.at(12, 14), ends_at=world.at(12, 14, 11))
    booking = factories.BookingFactory(lesson=lesson, learner=world.q, state=Booking.State.BOOKED)
    page = coordinator_client.get(erase_url(world.q)).content.decode()
    assert booking.code in page and "2026-12-14 10:00" in page  # warned before the form is sent
    response = coordinator_client.post(erase_url(world.q), ERASE)
    assert response.status_code == 409
    assert Learner.objects.get(pk=world.q.pk).anonymised_at is None
    Booking.objects.filter(pk=booking.pk).update(state=Booking.State.CANCELLED)
    assert coordinator_client.post(erase_url(world.q), ERASE).status_code == 302  # cancelled first: erased


# --- scope and access -------------------------------------------------------------------------------


def test_another_citys_learner_is_404_for_both(coordinator_client, world):
    other = world.other_learner
    assert coordinator_client.get(export_url(other)).status_code == 404
    assert coordinator_client.get(erase_url(other)).status_code == 404
    assert coordinator_client.post(erase_url(other), ERASE).status_code == 404
    assert Learner.objects.get(pk=other.pk).anonymised_at is None
    assert not AuditEvent.objects.exists()


def test_the_other_citys_coordinator_cannot_reach_our_learner(client, world):
    with_totp(world.other_coordinator)
    client.force_login(world.other_coordinator)
    assert client.get(export_url(world.q)).status_code == 404
    assert client.post(erase_url(world.q), ERASE).status_code == 404
    assert Learner.objects.get(pk=world.q.pk).anonymised_at is None


def test_without_mfa_nothing_is_exported_or_erased(client, coordinator, world):
    client.force_login(coordinator)
    for response in (client.get(export_url(world.q)), client.get(erase_url(world.q)),
                     client.post(erase_url(world.q), ERASE)):
        assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    assert Learner.objects.get(pk=world.q.pk).anonymised_at is None
    assert not AuditEvent.objects.exists()


def test_anonymous_and_volunteers_are_refused(client, world):
    response = client.get(export_url(world.q))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world.v1.user)
    assert client.get(export_url(world.q)).status_code == 404
    assert client.post(erase_url(world.q), ERASE).status_code == 404
    assert Learner.objects.get(pk=world.q.pk).anonymised_at is None


# --- English, query counts --------------------------------------------------------------------------


def test_privacy_pages_read_in_english(coordinator_client, world):
    coordinator_client.post(reverse("set_language"), {"language": "en", "next": "/city/"})
    body = coordinator_client.get(reverse("coverage:learner", args=[world.q.pk])).content.decode()
    assert "Download everything held about this person (JSON)" in body and "Erase on request" in body
    body = coordinator_client.get(erase_url(world.q)).content.decode()
    assert "What is erased" in body and "What is kept (anonymous statistics)" in body
    body = coordinator_client.post(erase_url(world.p), ERASE).content.decode()
    assert "cannot be erased" in body


def test_privacy_page_query_counts_are_pinned(coordinator_client, world, django_assert_max_num_queries):
    # More history must not mean more queries.
    for day in range(1, 6):
        lesson = factories.LessonFactory(municipality=world.m, venue=world.venue_a, topic=world.t1,
                                         starts_at=world.at(10, day), ends_at=world.at(10, day, 11))
        factories.BookingFactory(lesson=lesson, learner=world.q, state=Booking.State.ATTENDED)
    with django_assert_max_num_queries(10):
        coordinator_client.get(reverse("coverage:learner", args=[world.q.pk]))
    with django_assert_max_num_queries(17):
        coordinator_client.get(export_url(world.q))
    with django_assert_max_num_queries(10):
        coordinator_client.get(erase_url(world.q))
    with django_assert_max_num_queries(27):
        coordinator_client.post(erase_url(world.q), ERASE)
