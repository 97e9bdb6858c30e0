"""The phone desk in a real browser: find a learner, show free times, book; axe-core on every page."""

import datetime as dt
import os
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from literacy.scheduling.models import Booking
from tests import factories
from tests.conftest import NOW, chromium_path, sync_playwright
from tests.phonedesk.conftest import enable_totp

# Playwright's sync API runs an event loop in this thread; Django must still be allowed to query.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        chromium_path() is None and os.environ.get("REQUIRE_BROWSER") != "1",
        reason="Chromium is not installed (set REQUIRE_BROWSER=1 to make this a failure)",
    ),
]


@pytest.fixture
def ticking_clock():
    """Monday 08:00 in Tokyo, but moving: the browser and the live server need time to pass."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def page(live_server, client, ticking_clock):
    municipality = factories.MunicipalityFactory(jis_code="402109", name="八女市", name_en="Yame", slug="yame")
    user = factories.CoordinatorFactory(municipality=municipality, email="desk@example.jp")
    enable_totp(user)
    client.force_login(user)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path() or "/usr/bin/chromium",
                                             args=BROWSER_ARGS)
        context = browser.new_context(viewport={"width": 1440, "height": 1000}, locale="ja-JP")
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                              "url": live_server.url}])
        page = context.new_page()
        page.set_default_timeout(15000)
        page.municipality = municipality
        yield page
        browser.close()


def assert_accessible(page, name: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert not bad, f"{name}: " + results.generate_report()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"phonedesk-{name}.png"), full_page=True)


def test_phone_desk_books_a_lesson(page, live_server):
    municipality = page.municipality
    district = factories.DistrictFactory(municipality=municipality, name="旧八女市")
    venue = factories.VenueFactory(municipality=municipality, district=district, name="八女市中央公民館")
    topic = factories.TopicFactory(municipality=municipality, slug="line", name="LINEの使い方")
    volunteer = factories.VolunteerFactory(municipality=municipality, topics=[topic])
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10),
                                  ends=dt.time(12), is_instant=True)
    learner = factories.LearnerFactory(municipality=municipality, name="八女 花子", name_kana="やめ はなこ",
                                       phone="+819012345678", district=district)

    page.goto(f"{live_server.url}/city/phone-desk/")
    assert page.get_by_role("heading", name="電話窓口").is_visible()
    assert_accessible(page, "search")

    page.get_by_label("電話番号またはお名前").fill("ハナコ")
    page.get_by_role("button", name="検索").click()
    page.get_by_text("1件見つかりました").wait_for()
    assert_accessible(page, "results")
    page.get_by_role("link", name="八女 花子").click()
    page.wait_for_url(f"**/city/phone-desk/learners/{learner.pk}/")

    page.get_by_label("相談内容").select_option(label="LINEの使い方")
    page.get_by_role("button", name="空いている時間を表示").click()
    page.get_by_text("12/8 (火) 10:00 八女市中央公民館").wait_for()
    assert_accessible(page, "times")

    page.get_by_label("12/8 (火) 10:00 八女市中央公民館").check()
    page.get_by_role("button", name="この時間で予約する").click()
    booking = Booking.objects.get()
    page.get_by_text(f"予約しました。予約番号は {booking.code} です。").wait_for()
    assert booking.channel == "phone_desk" and booking.learner == learner
    assert booking.lesson.venue == venue and booking.state == Booking.State.BOOKED
    assert_accessible(page, "booked")

    # Cancelling asks for a reason and a second, explicit click.
    page.locator("details.cancel summary").click()
    page.get_by_role("button", name=f"予約 {booking.code} をキャンセルする").wait_for()
    assert_accessible(page, "cancel-open")

    page.get_by_role("link", name="変更").click()
    page.get_by_role("heading", name="予約の変更").wait_for()
    assert_accessible(page, "move")
    page.get_by_label("12/8 (火) 11:00 八女市中央公民館").check()
    page.get_by_role("button", name="この時間に変更する").click()
    page.get_by_text("予約を変更しました").wait_for()
    booking.refresh_from_db()
    assert booking.lesson.starts_at.hour == 2  # 11:00 in Tokyo is 02:00 UTC
    assert page.get_by_text("090-1234-5678").is_visible()


def test_register_form_errors_are_accessible(page, live_server):
    page.goto(f"{live_server.url}/city/phone-desk/?q=0943-22-9999")
    page.get_by_label("お名前", exact=True).fill("星野 トメ")
    # The browser itself refuses an unticked consent box (required): show the server's answer too.
    assert page.get_by_label("ご本人が、情報の登録とご連絡に同意されました").evaluate("e => e.required")
    page.eval_on_selector("form.desk-form", "form => form.noValidate = true")
    page.get_by_role("button", name="登録する").click()
    page.get_by_text("ご本人の同意を確認してください。").first.wait_for()
    assert_accessible(page, "register-error")
