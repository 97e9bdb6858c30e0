"""The offers inbox and the signed link: who sees what, accept/decline, used and expired links."""

import datetime as dt

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import translation

from literacy.people.models import Volunteer
from literacy.portal.offer_links import OFFER_LINK_MAX_AGE, offer_link_path, offer_link_url
from literacy.scheduling.models import HelpRequest, Lesson, Offer
from literacy.scheduling.services import help_request_create
from tests import factories
from tests.conftest import NOW
from tests.portal.conftest import at, login


def test_inbox_shows_what_the_volunteer_needs_and_why_them(client, volunteer, offer):
    response = login(client, volunteer).get(reverse("portal:offers"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "花子" in page and "はなこ" in page and "LINEの使い方" in page and "八女市中央公民館" in page
    assert "大きな文字" in page and "iPhone を使っています" in page
    assert "八女 花子" not in page and "やめ" not in page  # never the family name
    assert "090" not in page  # no phone number in an offer
    assert "この会場で活動しています" in page  # a reason, in words


def test_inbox_in_english(client, volunteer, offer):
    with translation.override("en"):
        page = login(client, volunteer).get(reverse("portal:offers"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Using LINE" in page and "Accept" in page


def test_accept_in_one_click_makes_the_lesson_and_withdraws_the_others(client, volunteer, offer, other_offer):
    response = login(client, volunteer).post(reverse("portal:offer_answer", args=[offer.pk, "accept"]))
    assert response.status_code == 200
    offer.refresh_from_db()
    other_offer.refresh_from_db()
    assert offer.state == Offer.State.ACCEPTED and other_offer.state == Offer.State.WITHDRAWN
    lesson = Lesson.objects.get()
    assert lesson.volunteer == volunteer and lesson.starts_at == at(10)
    assert reverse("portal:lesson", args=[lesson.pk]) in response.content.decode()


def test_accepting_an_offer_someone_else_took_says_so_kindly(client, volunteer, offer, other_volunteer,
                                                              other_offer):
    login(client, other_volunteer).post(reverse("portal:offer_answer", args=[other_offer.pk, "accept"]))
    response = login(client, volunteer).post(reverse("portal:offer_answer", args=[offer.pk, "accept"]))
    assert response.status_code == 409
    assert "ほかのボランティアが引き受けました" in response.content.decode()
    assert Lesson.objects.get().volunteer == other_volunteer


def test_decline_moves_on(client, volunteer, offer):
    response = login(client, volunteer).post(reverse("portal:offer_answer", args=[offer.pk, "decline"]))
    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.state == Offer.State.DECLINED


def test_another_volunteers_offer_is_a_404(client, volunteer, other_offer):
    login(client, volunteer)
    assert client.post(reverse("portal:offer_answer", args=[other_offer.pk, "accept"])).status_code == 404
    assert client.post(reverse("portal:offer_answer", args=[other_offer.pk, "decline"])).status_code == 404
    other_offer.refresh_from_db()
    assert other_offer.state == Offer.State.PENDING
    page = client.get(reverse("portal:offers")).content.decode()
    assert reverse("portal:offer_answer", args=[other_offer.pk, "accept"]) not in page


def test_pages_need_a_volunteer_profile(client, offer):
    assert client.get(reverse("portal:offers")).status_code == 302  # to the login page
    client.force_login(factories.UserFactory())
    assert client.get(reverse("portal:offers")).status_code == 404
    assert client.post(reverse("portal:offer_answer", args=[offer.pk, "accept"])).status_code == 404


def test_an_unapproved_volunteer_gets_no_offers(client, municipality, topic, venue, learner, clock):
    applicant = factories.VolunteerFactory(municipality=municipality, topics=[topic],
                                           status=Volunteer.Status.APPLIED)
    factories.AvailabilityFactory(volunteer=applicant, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(12))
    request = help_request_create(municipality=municipality, learner=learner, topic=topic, venue=venue,
                                  starts_at=at(10), ends_at=at(11), channel="kiosk")
    assert not Offer.objects.filter(volunteer=applicant).exists()
    request.refresh_from_db()
    assert request.state == HelpRequest.State.ESCALATED
    page = login(client, applicant).get(reverse("portal:offers")).content.decode()
    assert "承認されたボランティアにだけ依頼が届きます" in page


# --- The signed link ---------------------------------------------------------------------------


def test_link_opens_a_confirm_page_without_login_and_accepts(client, volunteer, offer):
    path = offer_link_path(offer)
    assert offer_link_url(offer).endswith(path)
    page = client.get(path)
    assert page.status_code == 200 and "花子" in page.content.decode()
    response = client.post(path, {"answer": "accept"})
    assert response.status_code == 200
    offer.refresh_from_db()
    assert offer.state == Offer.State.ACCEPTED and Lesson.objects.get().volunteer == volunteer


def test_a_used_link_does_nothing_and_says_why(client, volunteer, offer):
    path = offer_link_path(offer)
    client.post(path, {"answer": "decline"})
    again = client.post(path, {"answer": "accept"})
    assert again.status_code == 410
    assert "辞退されています" in again.content.decode() and "一度だけ" in again.content.decode()
    offer.refresh_from_db()
    assert offer.state == Offer.State.DECLINED and not Lesson.objects.exists()


def test_an_accepted_link_cannot_decline_afterwards(client, volunteer, offer):
    path = offer_link_path(offer)
    client.post(path, {"answer": "accept"})
    again = client.post(path, {"answer": "decline"})
    assert again.status_code == 410 and "すでに引き受けて" in again.content.decode()
    assert Lesson.objects.get().state == Lesson.State.SCHEDULED


def test_an_expired_link_does_nothing_and_says_why(client, volunteer, offer, clock):
    path = offer_link_path(offer)
    clock.shift(OFFER_LINK_MAX_AGE + dt.timedelta(minutes=1))
    response = client.post(path, {"answer": "accept"})
    assert response.status_code == 410 and "有効期限が切れています" in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Offer.State.PENDING and not Lesson.objects.exists()


def test_a_link_to_an_offer_past_its_answer_time_says_so(client, volunteer, offer, clock):
    Offer.objects.filter(pk=offer.pk).update(expires_at=NOW - dt.timedelta(minutes=1))
    path = offer_link_path(offer)
    assert "期限が過ぎました" in client.get(path).content.decode()
    response = client.post(path, {"answer": "accept"})
    assert response.status_code in (409, 410)
    assert not Lesson.objects.exists()


def test_a_link_to_an_offer_someone_else_took(client, volunteer, offer, other_volunteer, other_offer):
    login(client, other_volunteer).post(reverse("portal:offer_answer", args=[other_offer.pk, "accept"]))
    client.logout()
    response = client.get(offer_link_path(offer))
    assert response.status_code == 410 and "ほかのボランティアが引き受けた" in response.content.decode()


def test_a_forged_link_is_refused(client, offer):
    forged = signing.TimestampSigner(salt="something-else").sign(str(offer.pk))
    response = client.get(reverse("portal:offer_link", args=[forged]))
    assert response.status_code == 404 and "正しくありません" in response.content.decode()
    offer.refresh_from_db()
    assert offer.state == Offer.State.PENDING


@pytest.mark.parametrize("answer", ["maybe", ""])
def test_link_refuses_an_unknown_answer(client, offer, answer):
    assert client.post(offer_link_path(offer), {"answer": answer}).status_code == 404
