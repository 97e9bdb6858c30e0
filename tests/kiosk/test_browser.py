"""The kiosk in headless Chromium, used as a senior would: activate, book only by tapping and
typing, cancel by code, the idle reset; axe-core on every screen in Japanese and English.
The Japanese run saves a screenshot of every step under docs/kiosk/ for docs/kiosk.md."""

import datetime as dt
import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from literacy.kiosk.services import kiosk_register
from literacy.people.models import Learner
from literacy.scheduling.models import Booking
from literacy.scheduling.services import LearnerDetails, booking_create
from literacy.scheduling.slots import bookable_times
from tests import factories
from tests.conftest import chromium_path, sync_playwright

# Playwright's sync API runs an event loop in this thread; the ORM calls here are plain sync calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        chromium_path() is None and os.environ.get("REQUIRE_BROWSER") != "1",
        reason="needs Chromium (/usr/bin/chromium); set REQUIRE_BROWSER=1 to make its absence a failure",
    ),
]

SCREENSHOTS = Path(django_settings.BASE_DIR) / "docs" / "kiosk"
VIEWPORT = {"width": 1024, "height": 768}
TOPICS = [
    ("phone-basics", "スマホの基本操作", "すまほのきほんそうさ", "Smartphone basics", "📱"),
    ("line", "LINEの使い方", "らいんのつかいかた", "Using LINE", "💬"),
    ("camera", "電話・カメラ", "でんわ・かめら", "Calls and camera", "📷"),
    ("search", "インターネット検索", "いんたーねっとけんさく", "Searching the internet", "🔍"),
    ("maps", "地図アプリ", "ちずあぷり", "Map apps", "🗺️"),
    ("mynumber", "マイナンバーカードの申請", "まいなんばーかーどのしんせい", "Applying for a My Number card", "🪪"),
    ("cashless", "キャッシュレス決済", "きゃっしゅれすけっさい", "Cashless payment", "💳"),
    ("video", "家族とビデオ通話", "かぞくとびでおつうわ", "Video calls with family", "📹"),
    ("disaster", "防災アプリ", "ぼうさいあぷり", "Disaster-alert apps", "🚨"),
    ("scams", "詐欺・迷惑メール対策", "さぎ・めいわくめーるたいさく", "Avoiding scams", "🛡️"),
]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium_path() or "/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    # The browser asks for English first: the kiosk must still start in Japanese.
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def world(transactional_db):
    """A small Yame: the kiosk's community centre, a library nearby, a centre in another district,
    ten topics, and a volunteer teaching LINE with instant times every day."""
    municipality = factories.MunicipalityFactory(jis_code="402109", name="八女市", name_en="Yame", slug="yame",
                                                 program_phone="0943-23-1111")
    central = factories.DistrictFactory(municipality=municipality, name="旧八女市", name_en="Central Yame", order=1)
    kurogi = factories.DistrictFactory(municipality=municipality, name="黒木", name_en="Kurogi", order=2)
    venue = factories.VenueFactory(municipality=municipality, district=central, name="八女市中央公民館",
                                   name_en="Yame Central Community Centre", name_kana="やめしちゅうおうこうみんかん")
    factories.VenueFactory(municipality=municipality, district=central, name="八女市立図書館",
                           name_en="Yame City Library", name_kana="やめしりつとしょかん")
    factories.VenueFactory(municipality=municipality, district=kurogi, name="黒木公民館",
                           name_en="Kurogi Community Centre", name_kana="くろぎこうみんかん")
    topics = {}
    for order, (slug, name, kana, name_en, icon) in enumerate(TOPICS):
        topics[slug] = factories.TopicFactory(municipality=municipality, slug=slug, name=name, name_kana=kana,
                                              name_en=name_en, icon=icon, order=order)
    volunteer = factories.VolunteerFactory(municipality=municipality, topics=[topics["line"]])
    for weekday in range(7):
        factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=weekday, starts=dt.time(10),
                                      ends=dt.time(12), is_instant=True)
        factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=weekday, starts=dt.time(13),
                                      ends=dt.time(16), is_instant=True)
    return {"municipality": municipality, "venue": venue, "topic": topics["line"]}


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


SMALL_TARGETS_JS = """
() => [...document.querySelectorAll('a, button, input, select, textarea')]
  .filter(el => !(el.type === 'radio' || el.type === 'checkbox' || el.type === 'hidden'))
  .map(el => [el, el.getBoundingClientRect()])
  .filter(([el, r]) => r.width > 0 && r.height > 0 && r.right > 0 && getComputedStyle(el).visibility !== 'hidden')
  .filter(([el, r]) => r.height < 48 || r.width < 48)
  .map(([el, r]) => `${el.tagName} "${el.textContent.trim().slice(0, 20)}" ${Math.round(r.width)}x${Math.round(r.height)}`)
"""
SMALL_TEXT_JS = """
() => [...document.querySelectorAll('main *, header *')]
  .filter(el => [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
  .filter(el => el.getBoundingClientRect().height > 0 && !el.closest('rt'))
  .filter(el => parseFloat(getComputedStyle(el).fontSize) < 20)
  .map(el => `${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 20)}"`)
"""


def assert_accessible(page, label: str) -> None:
    """axe-core finds no serious or critical problem; every target is at least 48 px; no text
    (other than furigana readings) is smaller than 20 px."""
    from axe_playwright_python.sync_playwright import Axe

    assert page.evaluate(SMALL_TARGETS_JS) == [], label
    assert page.evaluate(SMALL_TEXT_JS) == [], label

    violations = Axe().run(page).response["violations"]
    serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
    assert not serious, f"{label}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in serious
    )


def activate(page, live_server, venue, *, checks: bool = True) -> None:
    """Register a kiosk and enter its code on the activation page (in English, then back to
    Japanese). checks=False for a page without JavaScript, where axe cannot run."""
    _device, code = kiosk_register(venue=venue, name="入口の端末")
    page.goto(f"{live_server.url}/kiosk/")
    assert page.url.endswith("/kiosk/activate/")  # no device yet: only the activation page
    if checks:
        assert_accessible(page, "activation (ja)")
        shoot(page, "00-activate")
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/kiosk/activate/")
    if checks:
        assert_accessible(page, "activation (en)")
    page.get_by_label("Set-up code").fill(f"{code[:4]}-{code[4:]}")
    page.get_by_role("button", name="Set up", exact=True).click()
    page.wait_for_url("**/kiosk/")
    # Back to Japanese, as the kiosk is left for the public.
    page.get_by_role("button", name="日本語").click()
    page.wait_for_url("**/kiosk/")


def load(locator) -> None:
    """Click something that loads another page and wait for that page: checked before it has
    loaded, axe can find the old document gone from under it."""
    with locator.page.expect_navigation():
        locator.click()


def tap_digits(page, digits: str, pad: str = ".keypad") -> None:
    for digit in digits:
        page.locator(f'{pad} [data-key="{digit}"]').click()


def book_as_a_senior(page, *, shots: bool, label: str, english: bool = False) -> str:
    """Welcome → topic → place → day → time → phone (keypad) → name → reminder → confirm → done."""
    t = (lambda ja, en: en) if english else (lambda ja, en: ja)

    def step(name):
        assert_accessible(page, f"{label} {name}")
        if shots:
            shoot(page, name)

    step("01-welcome")
    page.get_by_role("button", name=t("相談を予約する", "Book a lesson")).click()
    page.wait_for_url("**/book/topic/")
    step("02-topic")
    if not english:
        load(page.get_by_role("link", name="ほかにもあります"))
        step("02b-topic-more")
        load(page.get_by_role("link", name="前のページ"))
    page.get_by_role("button", name=t("LINEの使い方", "Using LINE")).click()
    page.wait_for_url("**/book/place/")
    step("03-place")
    page.get_by_role("button", name=t("八女市中央公民館", "Yame Central Community Centre")).click()
    page.wait_for_url("**/book/day/")
    step("04-day")
    page.locator('button[name="day"]').first.click()
    page.wait_for_url("**/book/time/")
    step("05-time")
    page.locator('button[name="slot"]').first.click()
    page.wait_for_url("**/book/phone/")
    tap_digits(page, "09012345678")
    assert page.locator("#phone").input_value() == "09012345678"
    step("06-phone")
    page.get_by_role("button", name=t("次へ", "Next")).click()
    page.wait_for_url("**/book/name/")
    page.get_by_label(t("お名前（漢字）", "Name"), exact=True).fill("八女 花子")
    page.get_by_label(t("ふりがな", "Reading in kana")).fill("やめ はなこ")
    step("07-name")
    page.get_by_role("button", name=t("次へ", "Next")).click()
    page.wait_for_url("**/book/reminder/")
    step("08-reminder")
    page.get_by_role("button", name=t("ショートメールでお知らせ", "Text message (SMS)")).click()
    page.wait_for_url("**/book/confirm/")
    step("09-confirm")
    page.get_by_role("button", name=t("この内容で予約する", "Book this")).click()
    page.wait_for_url("**/book/done/")
    step("10-done")
    return page.locator(".kiosk-ticket-code").inner_text().strip()


def test_activate_and_book_by_tapping_and_typing(page, live_server, world):
    activate(page, live_server, world["venue"])
    code = book_as_a_senior(page, shots=True, label="ja")
    booking = Booking.objects.select_related("learner", "lesson").get(code=code)
    assert booking.channel == "kiosk" and booking.state == Booking.State.BOOKED
    assert booking.learner.phone == "+819012345678" and booking.learner.name == "八女 花子"
    assert booking.learner.reminder_channel == Learner.ReminderChannel.SMS
    assert booking.lesson.venue == world["venue"] and booking.lesson.topic == world["topic"]
    assert page.get_by_text("予約は確定しています").first.is_visible()
    # The print slip: only the slip is visible on paper.
    page.emulate_media(media="print")
    assert page.locator(".kiosk-slip").is_visible() and not page.locator(".kiosk-ticket").is_visible()
    shoot(page, "10b-print-slip")
    page.emulate_media(media="screen")
    page.get_by_role("link", name="終わる").click()
    page.wait_for_url("**/kiosk/")
    assert page.get_by_role("button", name="相談を予約する").is_visible()


def test_the_whole_flow_in_english_is_accessible(page, live_server, world):
    activate(page, live_server, world["venue"])
    assert page.locator("html").get_attribute("lang") == "ja"
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/kiosk/")
    assert page.locator("html").get_attribute("lang") == "en"
    shoot(page, "01-welcome-en")
    code = book_as_a_senior(page, shots=False, label="en", english=True)
    assert Booking.objects.get(code=code).state == Booking.State.BOOKED
    assert page.get_by_text("Your booking is confirmed").first.is_visible()


def test_large_text_and_furigana(page, live_server, world):
    activate(page, live_server, world["venue"])
    page.get_by_role("button", name="文字を大きく").click()
    page.get_by_role("button", name="ふりがな").click()
    assert page.locator("ruby").count() > 3
    font_size = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
    assert font_size >= 28
    assert_accessible(page, "large+furigana welcome")
    shoot(page, "00-switches-large-furigana")
    load(page.locator('button[name="for"][value="self"]'))
    assert_accessible(page, "large+furigana topic")
    shoot(page, "02c-topic-furigana")


def test_for_someone_else_and_the_unhappy_screens(page, live_server, world):
    activate(page, live_server, world["venue"])
    for english in (False, True):
        t = (lambda ja, en: en) if english else (lambda ja, en: ja)
        tag = "en" if english else "ja"
        learner_name = "八女 ナミ" if english else "八女 ハナ"
        if english:
            page.goto(f"{live_server.url}/kiosk/reset/")
            page.get_by_role("button", name="English").click()
        page.get_by_role("button", name=t("ご家族の方が代わりに予約する", "Book for a family member")).click()
        page.get_by_role("button", name=t("LINEの使い方", "Using LINE")).click()
        page.get_by_role("button", name=t("八女市中央公民館", "Yame Central Community Centre")).click()
        page.locator('button[name="day"]').first.click()
        page.locator('button[name="slot"]').first.click()
        tap_digits(page, "0943")
        page.get_by_role("button", name=t("次へ", "Next")).click()
        assert page.locator(".kiosk-error").is_visible()
        assert_accessible(page, f"{tag} invalid phone")
        if not english:
            shoot(page, "06b-phone-invalid")
        page.locator('.keypad [data-key="clear"]').click()
        tap_digits(page, "0943221234")  # a landline
        page.get_by_role("button", name=t("次へ", "Next")).click()
        page.get_by_label(t("お名前（漢字）", "Name"), exact=True).fill(learner_name)
        page.get_by_role("button", name=t("次へ", "Next")).click()
        page.wait_for_url("**/book/family/")
        page.get_by_role("button", name=t("次へ", "Next")).click(no_wait_after=True)
        # The browser's own required-field check stops an empty form; the page stays.
        assert page.url.endswith("/book/family/")
        page.get_by_label(t("あなたのお名前", "Your name")).fill("八女 太郎")
        page.get_by_label(t("娘", "Daughter"), exact=True).check()
        tap_digits(page, "08099990000", pad='[data-keypad-for="proxy_phone"]')
        page.get_by_label(t("同意しています", "has agreed")).check()
        assert_accessible(page, f"{tag} proxy")
        if not english:
            shoot(page, "07b-family")
        page.get_by_role("button", name=t("次へ", "Next")).click()
        page.wait_for_url("**/book/reminder/")
        assert page.locator('button[value="sms"]').count() == 0  # a landline: no SMS offered
        assert_accessible(page, f"{tag} reminder landline")
        if not english:
            shoot(page, "08b-reminder-landline")
        page.get_by_role("button", name=t("電話でお知らせ", "Phone call")).click()
        page.wait_for_url("**/book/confirm/")
        # Meanwhile someone else takes the time.
        _take_the_chosen_time(world, phone="090-5555-6667" if english else "090-5555-6666")
        page.get_by_role("button", name=t("この内容で予約する", "Book this")).click()
        assert page.locator(".kiosk-error").is_visible()
        assert_accessible(page, f"{tag} time taken")
        if not english:
            shoot(page, "09b-time-taken")
        page.locator('button[name="slot"]').first.click()
        page.wait_for_url("**/book/confirm/")
        page.get_by_role("button", name=t("この内容で予約する", "Book this")).click()
        page.wait_for_url("**/book/done/")
        code = page.locator(".kiosk-ticket-code").inner_text().strip()
        booking = Booking.objects.select_related("learner").get(code=code)
        assert booking.booked_by_proxy and booking.learner.proxy_name == "八女 太郎"
        assert booking.learner.proxy_relation == "娘"
        # Already booked: the same person at the same time again.
        page.goto(f"{live_server.url}/kiosk/reset/")
        if english:
            page.get_by_role("button", name="English").click()
        page.get_by_role("button", name=t("ご家族の方が代わりに予約する", "Book for a family member")).click()
        page.get_by_role("button", name=t("LINEの使い方", "Using LINE")).click()
        page.get_by_role("button", name=t("八女市中央公民館", "Yame Central Community Centre")).click()
        # Another volunteer frees the same hour, so only the learner's own booking stands in the way.
        _second_volunteer(world)
        page.reload()
        # The booking's own day: the time taken above may have pushed it past the first day listed.
        starts = booking.lesson.starts_at
        page.locator(f'button[name="day"][value="{timezone.localdate(starts).isoformat()}"]').click()
        page.locator(f'button[name="slot"][value$=":{int(starts.timestamp())}:0"]').click()
        tap_digits(page, "0943221234")
        page.get_by_role("button", name=t("次へ", "Next")).click()
        page.get_by_label(t("お名前（漢字）", "Name"), exact=True).fill(learner_name)
        page.get_by_role("button", name=t("次へ", "Next")).click()
        page.get_by_label(t("あなたのお名前", "Your name")).fill("八女 太郎")
        page.get_by_label(t("娘", "Daughter"), exact=True).check()
        tap_digits(page, "08099990000", pad='[data-keypad-for="proxy_phone"]')
        page.get_by_label(t("同意しています", "has agreed")).check()
        page.get_by_role("button", name=t("次へ", "Next")).click()
        page.get_by_role("button", name=t("電話でお知らせ", "Phone call")).click()
        page.get_by_role("button", name=t("この内容で予約する", "Book this")).click()
        assert page.locator(".kiosk-error").is_visible()
        assert_accessible(page, f"{tag} already booked")
        if not english:
            shoot(page, "09c-already-booked")
        page.goto(f"{live_server.url}/kiosk/reset/")


def _take_the_chosen_time(world, *, phone: str) -> None:
    """Book the earliest free time at the venue for someone else (the kiosk chose the earliest)."""
    municipality, venue, topic = world["municipality"], world["venue"], world["topic"]
    today = timezone.localdate()
    slot = bookable_times(municipality=municipality, topic=topic, venue=venue, start_date=today,
                          end_date=today + dt.timedelta(days=7))[0]
    booking_create(municipality=municipality, topic=topic, venue=venue, starts_at=slot.starts_at,
                   channel="phone_desk", learner_details=LearnerDetails(phone=phone, name="別の 人"))


def _second_volunteer(world) -> None:
    volunteer = factories.VolunteerFactory(municipality=world["municipality"], topics=[world["topic"]])
    for weekday in range(7):
        factories.AvailabilityFactory(volunteer=volunteer, venue=world["venue"], weekday=weekday,
                                      starts=dt.time(10), ends=dt.time(16), is_instant=True)


@pytest.mark.parametrize("english", [False, True], ids=["ja", "en"])
def test_no_free_time_leads_to_a_call_back(page, live_server, world, english):
    t = (lambda ja, en: en) if english else (lambda ja, en: ja)
    activate(page, live_server, world["venue"])
    if english:
        page.get_by_role("button", name="English").click()
    page.get_by_role("button", name=t("相談を予約する", "Book a lesson")).click()
    page.get_by_role("button", name=t("地図アプリ", "Map apps")).click()  # nobody teaches maps yet
    page.get_by_role("button", name=t("八女市中央公民館", "Yame Central Community Centre")).click()
    assert page.get_by_text(t("いま空いている日がありません", "no free days")).is_visible()
    assert_accessible(page, "no free day")
    if not english:
        shoot(page, "04b-day-none")
    page.get_by_role("button", name=t("電話で相談して決める", "Call me to choose a day")).click()
    tap_digits(page, "0943221234")
    page.get_by_role("button", name=t("次へ", "Next")).click()
    page.get_by_label(t("お名前（漢字）", "Name"), exact=True).fill("星野 次郎")
    page.get_by_role("button", name=t("次へ", "Next")).click()
    load(page.get_by_role("button", name=t("電話でお知らせ", "Phone call")))
    assert_accessible(page, "callback confirm")
    page.get_by_role("button", name=t("この内容で申し込む", "Send this request")).click()
    page.wait_for_url("**/book/done/")
    assert page.get_by_text(t("市の担当者からお電話します", "City staff will call you")).is_visible()
    assert_accessible(page, "callback done")
    if not english:
        shoot(page, "10c-done-callback")


def test_check_and_cancel_by_code(page, live_server, world):
    activate(page, live_server, world["venue"])
    today = timezone.localdate()
    slot = bookable_times(municipality=world["municipality"], topic=world["topic"], venue=world["venue"],
                          start_date=today, end_date=today + dt.timedelta(days=7))[0]
    result = booking_create(municipality=world["municipality"], topic=world["topic"], venue=world["venue"],
                            starts_at=slot.starts_at, channel="voice",
                            learner_details=LearnerDetails(phone="0943-22-1234", name="黒木 一郎"))
    code = result.booking.code
    page.get_by_role("link", name="予約の確認・取り消し").click()
    tap_digits(page, "0943221234")
    assert_accessible(page, "ja check phone")
    shoot(page, "11-check-phone")
    page.get_by_role("button", name="次へ").click()
    page.wait_for_url("**/check/code/")
    assert_accessible(page, "ja check code")
    shoot(page, "12-check-code")
    tap_digits(page, "000000" if code != "000000" else "111111")
    page.get_by_role("button", name="予約をさがす").click()
    assert page.get_by_text("予約が見つかりませんでした").is_visible()
    assert_accessible(page, "ja check not found")
    shoot(page, "12b-check-not-found")
    tap_digits(page, code)
    page.get_by_role("button", name="予約をさがす").click()
    page.wait_for_url("**/check/booking/")
    assert page.locator(".kiosk-ticket-code").inner_text().strip() == code
    assert_accessible(page, "ja check booking")
    shoot(page, "13-check-booking")
    load(page.get_by_role("link", name="この予約を取り消す"))
    assert_accessible(page, "ja check cancel")
    shoot(page, "14-cancel-confirm")
    page.get_by_role("button", name="はい、取り消します").click()
    assert page.get_by_role("heading", name="ご予約を取り消しました").is_visible()
    assert_accessible(page, "ja cancelled")
    shoot(page, "15-cancelled")
    assert Booking.objects.get(code=code, learner__name="黒木 一郎").state == Booking.State.CANCELLED


@pytest.mark.parametrize("english", [False, True])
def test_guessing_codes_ends_on_a_kind_accessible_screen(page, live_server, world, settings, english):
    settings.BOOKING_LOOKUP_MAX_MISSES_PER_KIOSK = 2
    t = (lambda ja, en: en) if english else (lambda ja, en: ja)
    activate(page, live_server, world["venue"])
    if english:
        page.get_by_role("button", name="English").click()
    page.get_by_role("link", name=t("予約の確認・取り消し", "Check or cancel a booking")).click()
    tap_digits(page, "0943221234")
    page.get_by_role("button", name=t("次へ", "Next")).click()
    for guess in ("111111", "222222", "333333"):
        page.wait_for_url("**/check/code/")
        tap_digits(page, guess)
        page.get_by_role("button", name=t("予約をさがす", "Find my booking")).click()
    assert page.get_by_role("heading", name=t("係の者にお声がけください", "Please ask a member of staff")).is_visible()
    assert page.get_by_text("0943-23-1111").is_visible()
    assert_accessible(page, f"{'en' if english else 'ja'} lookups paused")
    if not english:
        shoot(page, "12c-check-ask-staff")
    page.locator("#main").get_by_role("link", name=t("最初に戻る", "Start over")).click()
    page.wait_for_url("**/kiosk/")


def test_check_and_cancel_in_english_is_accessible(page, live_server, world):
    activate(page, live_server, world["venue"])
    result = booking_create(
        municipality=world["municipality"], topic=world["topic"], venue=world["venue"], channel="voice",
        starts_at=bookable_times(municipality=world["municipality"], topic=world["topic"], venue=world["venue"],
                                 start_date=timezone.localdate(),
                                 end_date=timezone.localdate() + dt.timedelta(days=7))[0].starts_at,
        learner_details=LearnerDetails(phone="0943-22-1234", name="黒木 一郎"))
    page.get_by_role("button", name="English").click()
    page.get_by_role("link", name="Check or cancel a booking").click()
    tap_digits(page, "0943221234")
    assert_accessible(page, "en check phone")
    page.get_by_role("button", name="Next").click()
    tap_digits(page, "999999" if result.booking.code != "999999" else "888888")
    load(page.get_by_role("button", name="Find my booking"))
    assert_accessible(page, "en check not found")
    tap_digits(page, result.booking.code)
    load(page.get_by_role("button", name="Find my booking"))
    assert_accessible(page, "en check booking")
    load(page.get_by_role("link", name="Cancel this booking"))
    assert_accessible(page, "en cancel confirm")
    load(page.get_by_role("button", name="Yes, cancel it"))
    assert_accessible(page, "en cancelled")
    assert Booking.objects.get(pk=result.booking.pk).state == Booking.State.CANCELLED


def test_idle_reset(page, live_server, world, settings):
    settings.KIOSK_IDLE_SECONDS = 2
    settings.KIOSK_IDLE_COUNTDOWN_SECONDS = 3
    activate(page, live_server, world["venue"])
    page.get_by_role("button", name="相談を予約する").click()
    page.get_by_role("button", name="LINEの使い方").click()
    page.wait_for_url("**/book/place/")
    overlay = page.locator("#kiosk-idle")
    overlay.wait_for(state="visible", timeout=5_000)
    assert page.locator("[data-idle-count]").inner_text() in ("3", "2")
    assert_accessible(page, "ja idle countdown")
    shoot(page, "16-idle-countdown")
    page.get_by_role("button", name="続ける").click()
    assert overlay.is_hidden() and page.url.endswith("/book/place/")
    # Someone switches to English, then walks away: the countdown, then the welcome screen,
    # in Japanese again, with nothing kept.
    page.get_by_role("button", name="English").click()
    page.wait_for_url("**/book/place/")
    overlay.wait_for(state="visible", timeout=5_000)
    assert_accessible(page, "en idle countdown")
    page.wait_for_selector("[data-idle-count]:has-text('1')", timeout=5_000)
    page.wait_for_url(f"{live_server.url}/kiosk/", timeout=10_000)
    assert page.locator("html").get_attribute("lang") == "ja"
    assert page.get_by_role("button", name="相談を予約する").is_visible()
    for session in Session.objects.all():
        assert not any(key.startswith("kiosk_") for key in session.get_decoded())
    page.goto(f"{live_server.url}/kiosk/book/place/")
    assert page.url == f"{live_server.url}/kiosk/"


def test_booking_without_javascript(browser, live_server, world):
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False, locale="ja-JP")
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        activate(page, live_server, world["venue"], checks=False)
        page.get_by_role("button", name="相談を予約する").click()
        page.get_by_role("button", name="LINEの使い方").click()
        page.get_by_role("button", name="八女市中央公民館").click()
        page.locator('button[name="day"]').first.click()
        page.locator('button[name="slot"]').first.click()
        assert page.locator(".keypad").is_hidden()  # no JavaScript: a plain phone field
        page.get_by_label("電話番号").fill("080-1111-2222")
        page.get_by_role("button", name="次へ").click()
        page.get_by_label("お名前（漢字）", exact=True).fill("立花 三郎")
        page.get_by_role("button", name="次へ").click()
        page.get_by_role("button", name="電話でお知らせ").click()
        page.get_by_role("button", name="この内容で予約する").click()
        page.wait_for_url("**/book/done/")
        code = page.locator(".kiosk-ticket-code").inner_text().strip()
        assert Booking.objects.get(code=code).learner.name == "立花 三郎"
    finally:
        context.close()
