"""A coordinator in a real browser: sign in with a password and a TOTP code, work one case of the
queue, download a CSV, register and revoke a kiosk, download a learner's data and try to erase it;
axe-core finds no serious or critical problems on the coordinator pages."""

import datetime as dt
import json
import os
import re
import time
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone

from literacy.followups.models import FollowUp
from literacy.kiosk.models import KioskDevice
from literacy.kiosk.services import ActivationCodeInvalid, kiosk_activate
from literacy.notifications.models import Message
from literacy.people.models import Learner
from literacy.scheduling.models import Booking, HelpRequest, Lesson
from tests import factories
from tests.conftest import chromium_path, sync_playwright

from .conftest import with_totp

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None and os.environ.get("REQUIRE_BROWSER") != "1",
        reason="Chromium is not installed (set REQUIRE_BROWSER=1 to make this a failure)",
    ),
]


def totp_now(secret: str) -> str:
    """RFC 6238: the code for the current 30-second step, as the coordinator's phone shows it."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


@pytest.fixture
def city(transactional_db):
    m = factories.MunicipalityFactory(jis_code="402109", name="八女市", name_en="Yame", slug="yame")
    district = factories.DistrictFactory(municipality=m, name="旧八女市", senior_population=12000)
    venue = factories.VenueFactory(municipality=m, district=district, name="八女市中央公民館")
    topic = factories.TopicFactory(municipality=m, slug="line", name="LINEの使い方", name_en="Using LINE")
    volunteer = factories.VolunteerFactory(municipality=m, topics=[topic], name="支援 一郎")
    volunteer.venues.add(venue)
    volunteer.districts.add(district)
    factories.VolunteerFactory(municipality=m, topics=[topic], name="申請 花子", status="applied")
    learner = factories.LearnerFactory(municipality=m, district=district, name="八女 まつ")
    now = timezone.now()
    starts = now.replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=2)
    help_request = HelpRequest.objects.create(
        municipality=m, learner=learner, topic=topic, venue=venue, district=district,
        wanted_starts_at=starts, wanted_ends_at=starts + dt.timedelta(hours=1), channel="voice",
        deadline=now, state=HelpRequest.State.ESCALATED,
    )
    FollowUp.objects.create(municipality=m, kind=FollowUp.Kind.UNMATCHED_REQUEST, help_request=help_request,
                            learner=learner, opened_at=now - dt.timedelta(hours=30))
    FollowUp.objects.create(municipality=m, kind=FollowUp.Kind.VOICEMAIL, caller_phone="+81943231234",
                            detail="スマホの使い方を聞きたいとのこと", opened_at=now - dt.timedelta(hours=3))
    past = factories.LessonFactory(municipality=m, volunteer=volunteer, venue=venue, topic=topic,
                                   starts_at=now - dt.timedelta(days=3), ends_at=now - dt.timedelta(days=3, hours=-1),
                                   state=Lesson.State.COMPLETED)
    factories.BookingFactory(lesson=past, learner=learner, state=Booking.State.ATTENDED)
    Message.objects.create(municipality=m, channel="sms", kind="reminder", to=learner.phone, body="スマホ相談です。",
                           send_after=now, state=Message.State.FAILED, error_code="21614", idempotency_key="b-1")
    coordinator = factories.CoordinatorFactory(municipality=m, email="coord@example.jp")
    EmailAddress.objects.create(user=coordinator, email=coordinator.email, verified=True, primary=True)
    secret = with_totp(coordinator)
    return {"secret": secret, "learner": learner, "volunteer": volunteer}


@pytest.fixture
def page(live_server):
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path() or "/usr/bin/chromium",
                                             args=BROWSER_ARGS)
        context = browser.new_context(accept_downloads=True, locale="ja-JP", viewport={"width": 1400, "height": 1000})
        yield context.new_page()
        context.close()
        browser.close()


def axe_serious(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]


def test_coordinator_signs_in_with_totp_works_a_case_and_downloads_a_csv(live_server, city, page):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server.url}/accounts/login/?next=/city/")
    page.fill("input[name=login]", "coord@example.jp")
    page.fill("input[name=password]", "pass-word-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/2fa/authenticate/**")
    page.screenshot(path=str(SCREENSHOTS / "city-totp.png"))
    problems = {"totp": axe_serious(page)}
    page.fill("input[name=code]", totp_now(city["secret"]))
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/city/")

    assert "八女 まつ" in page.content() and "申請 花子" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "city-queue.png"), full_page=True)
    problems["queue"] = axe_serious(page)

    page.get_by_role("link", name="割り当てる・電話する").first.click()
    page.wait_for_url("**/city/queue/*/")
    assert "この会場で活動しています" in page.content()  # the suggestion's reason, in words
    problems["case"] = axe_serious(page)
    page.screenshot(path=str(SCREENSHOTS / "city-case.png"), full_page=True)
    page.get_by_label("出なかった").check()
    page.get_by_label("メモ", exact=True).first.fill("夕方にもう一度")
    page.get_by_role("button", name="電話を記録する").click()
    assert "電話の記録を残しました" in page.content() and "出なかった: 夕方にもう一度" in page.content()
    page.get_by_role("button", name=f"この方に割り当てる {city['volunteer'].name}").click()
    page.wait_for_url(f"{live_server.url}/city/")
    assert "ボランティアを割り当て、レッスンを確定しました" in page.content()
    assert "八女 まつ" not in page.content()  # the case left the queue, with its outcome

    page.goto(f"{live_server.url}/city/coverage/")
    assert page.locator("table").count() == 7 and page.locator("figure.chart svg").count() >= 3
    page.screenshot(path=str(SCREENSHOTS / "city-coverage.png"), full_page=True)
    problems["coverage"] = axe_serious(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="「地区別」をCSVで保存").click()
    download = info.value
    content = Path(download.path()).read_bytes()
    assert content.startswith("\ufeff".encode()) and "旧八女市".encode() in content
    assert download.suggested_filename.startswith("oshieai-402109-districts-")

    # A kiosk: register it, read its one-time code, revoke it (after a confirmation).
    page.goto(f"{live_server.url}/city/kiosks/")
    page.get_by_role("link", name="キオスク端末を登録する").click()
    page.wait_for_url("**/city/kiosks/new/")
    page.get_by_role("button", name="登録してコードを表示する").click()  # nothing filled in
    assert "端末を置く会場を選んでください。" in page.content() and "端末の名前を入れてください" in page.content()
    problems["kiosk_form_errors"] = axe_serious(page)
    page.get_by_label("会場").select_option(label="八女市中央公民館")
    page.get_by_label("端末の名前").fill("1階ロビー")
    page.get_by_role("button", name="登録してコードを表示する").click()
    page.wait_for_url("**/city/kiosks/*/registered/")
    code = page.locator(".kiosk-code").inner_text()
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code) and "/kiosk/activate/" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "city-kiosk-code.png"), full_page=True)
    problems["kiosk_code"] = axe_serious(page)
    page.reload()
    assert code not in page.content()  # shown once
    page.get_by_role("link", name="キオスク端末の一覧へ戻る").click()
    page.wait_for_url("**/city/kiosks/")
    assert "1階ロビー" in page.content() and "登録コード待ち" in page.content()
    page.screenshot(path=str(SCREENSHOTS / "city-kiosks.png"), full_page=True)
    problems["kiosks"] = axe_serious(page)
    page.get_by_role("link", name="停止する 八女市中央公民館 1階ロビー").click()
    page.wait_for_url("**/city/kiosks/*/revoke/")
    problems["kiosk_revoke"] = axe_serious(page)
    assert KioskDevice.objects.get().revoked_at is None  # asking is not revoking
    page.get_by_role("button", name="停止する").click()
    page.wait_for_url("**/city/kiosks/")
    assert "「1階ロビー」を停止しました" in page.content()
    assert KioskDevice.objects.get().revoked_at is not None
    with pytest.raises(ActivationCodeInvalid):
        kiosk_activate(code=code)

    # A learner's data: download it all, then erase it — refused while a booking stands, done once
    # it is cancelled.
    learner = city["learner"]
    ahead = factories.LessonFactory(municipality=learner.municipality, starts_at=timezone.now() + dt.timedelta(days=9),
                                    ends_at=timezone.now() + dt.timedelta(days=9, hours=1))
    booking = factories.BookingFactory(lesson=ahead, learner=learner, state=Booking.State.BOOKED)
    page.goto(f"{live_server.url}/city/learners/{learner.pk}/")
    problems["learner"] = axe_serious(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="この方について保有している情報をすべてダウンロード（JSON）").click()
    download = info.value
    assert download.suggested_filename.startswith(f"oshieai-402109-learner-{learner.pk}-")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["profile"]["name"] == "八女 まつ" and data["bookings"]
    page.get_by_role("link", name="消去の請求に応じる").click()
    page.wait_for_url(f"**/city/learners/{learner.pk}/erase/")
    assert "消去するもの" in page.content() and "残すもの（匿名の統計）" in page.content()
    assert "先に取り消しが必要なもの" in page.content() and booking.code in page.content()
    page.screenshot(path=str(SCREENSHOTS / "city-erase.png"), full_page=True)
    problems["erase"] = axe_serious(page)
    page.get_by_role("button", name="個人情報を消去する").click()
    assert "消去の理由を書いてください" in page.content() and "確認のチェックを入れてください" in page.content()
    problems["erase_errors"] = axe_serious(page)
    page.get_by_label("消去の理由").fill("ご本人から電話で依頼")
    page.get_by_label("この方の個人情報を消去し、元に戻せないことを確認しました").check()
    page.get_by_role("button", name="個人情報を消去する").click()
    assert "消去できません" in page.content() and "何も消去していません" in page.content()
    problems["erase_refused"] = axe_serious(page)
    assert Learner.objects.get(pk=learner.pk).anonymised_at is None
    Booking.objects.filter(pk=booking.pk).update(state=Booking.State.CANCELLED)
    page.goto(f"{live_server.url}/city/learners/{learner.pk}/erase/")
    page.get_by_label("消去の理由").fill("ご本人から電話で依頼")
    page.get_by_label("この方の個人情報を消去し、元に戻せないことを確認しました").check()
    page.get_by_role("button", name="個人情報を消去する").click()
    page.wait_for_url(f"**/city/learners/{learner.pk}/")
    assert "個人情報を消去しました" in page.content() and "八女 まつ" not in page.content()
    problems["learner_erased"] = axe_serious(page)
    assert Learner.objects.get(pk=learner.pk).anonymised_at is not None

    for name in ("reports/monthly", "volunteers", "places", "outbox", "audit"):
        page.goto(f"{live_server.url}/city/{name}/")
        problems[name] = axe_serious(page)
    page.screenshot(path=str(SCREENSHOTS / "city-audit.png"), full_page=True)
    assert "<td>export</td>" not in page.content() and "<td>erase</td>" not in page.content()  # in words
    assert "出力" in page.content() and "閲覧" in page.content() and "消去" in page.content()
    assert "learner_export" in page.content() and "ご本人から電話で依頼" in page.content()
    assert {k: v for k, v in problems.items() if v} == {}
