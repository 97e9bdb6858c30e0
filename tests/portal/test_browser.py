"""A volunteer's whole path in headless Chromium: sign up, confirm the email, apply, get approved
by a coordinator, set availability, accept an offer from its link (logged out), report the lesson.
axe-core checks every volunteer page in Japanese and English for serious or critical problems."""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.core import mail

from literacy.people.models import Volunteer
from literacy.people.services import volunteer_set_status
from literacy.portal.offer_links import offer_link_path
from literacy.scheduling.models import Lesson, LessonReport
from literacy.scheduling.services import LearnerDetails, booking_create
from literacy.scheduling.slots import is_public_holiday
from tests import factories
from tests.conftest import TOKYO, chromium_path, sync_playwright

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

SHOTS = Path(os.environ.get("PORTAL_SCREENSHOTS", "/tmp/portal-screenshots"))
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no chromium found")
        pytest.skip("no chromium on this machine (install Debian's chromium; REQUIRE_BROWSER=1 makes this fail)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=LAUNCH_ARGS)
        yield browser
        browser.close()


def serious_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"] if v["impact"] in ("serious", "critical")
    ]


def check_page(page, name: str, problems: dict):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    found = serious_violations(page)
    if found:
        problems[name] = found


def next_tuesday() -> dt.date:
    """A Tuesday at least two days ahead that is not a public holiday. The real clock: a frozen
    one (time_machine) stalls the live server and Chromium."""
    day = dt.datetime.now(TOKYO).date() + dt.timedelta(days=2)
    while day.weekday() != 1 or is_public_holiday(day):
        day += dt.timedelta(days=1)
    return day


def test_volunteer_journey(browser, live_server, municipality, venue, topic, coordinator):
    tuesday = next_tuesday()
    ten = dt.datetime.combine(tuesday, dt.time(10), tzinfo=TOKYO)
    skill = factories.SkillFactory(topic=topic, name="友だちを追加する", name_en="Add a friend")
    base = live_server.url
    problems: dict[str, list[str]] = {}
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15000)

    # Sign up and confirm the email address.
    page.goto(base + "/accounts/signup/")
    check_page(page, "ja-signup", problems)
    page.fill("input[name=email]", "sakura@example.jp")
    page.fill("input[name=password1]", "kyou-mo-genki-42")
    page.fill("input[name=password2]", "kyou-mo-genki-42")
    page.click("form.auth-form button")
    page.wait_for_selector("text=メールを確認してください")
    confirm_path = re.search(r"https?://[^/\s]+(/\S+)", mail.outbox[-1].body).group(1)
    page.goto(base + confirm_path)
    page.click("main form button")

    # Logged in by the confirmation; the volunteer form comes next.
    page.wait_for_url(re.compile(r".*/volunteer/apply/$"))
    check_page(page, "ja-apply", problems)
    page.fill("input[name=name]", "筑後 さくら")
    page.fill("input[name=name_kana]", "ちくご さくら")
    page.fill("input[name=phone]", "090-5555-6666")
    page.check(f"input[name=topics][value='{topic.pk}']")
    page.check(f"input[name=venues][value='{venue.pk}']")
    page.fill("input[name=weekly_cap]", "4")
    page.click("form.stacked button")
    page.wait_for_selector("text=担当者が確認して承認すると")
    volunteer = Volunteer.objects.get(user__email="sakura@example.jp")
    assert volunteer.status == Volunteer.Status.APPLIED

    # A coordinator approves.
    volunteer_set_status(volunteer=volunteer, status=Volunteer.Status.APPROVED, changed_by=coordinator)

    # Availability: Tuesdays 10–12 at the venue; the preview shows what learners will see.
    page.goto(base + "/volunteer/availability/")
    page.select_option("select[name=w-0-venue]", str(venue.pk))
    page.select_option("select[name=w-0-weekday]", "1")
    page.fill("input[name=w-0-starts]", "10:00")
    page.fill("input[name=w-0-ends]", "12:00")
    page.click("form.windows button")
    page.wait_for_selector("text=活動できる時間を保存しました")
    assert page.locator(f"text={tuesday.month}月{tuesday.day}日（火） 10:00").count() == 1
    check_page(page, "ja-availability", problems)

    # A senior books Tuesday 10:00 at the kiosk: the volunteer is asked.
    result = booking_create(municipality=municipality, topic=topic, venue=venue, starts_at=ten, channel="kiosk",
                            learner_details=LearnerDetails(phone="090-1234-5678", name="八女 花子",
                                                           name_kana="やめ はなこ"))
    offer = result.booking.help_request.offers.get(volunteer=volunteer)
    page.goto(base + "/volunteer/offers/")
    assert page.locator("text=花子").count() >= 1
    check_page(page, "ja-offers", problems)

    # The offer's link, opened on a phone that is not logged in.
    phone = browser.new_context(locale="ja-JP", viewport={"width": 390, "height": 844})
    phone_page = phone.new_page()
    phone_page.goto(base + offer_link_path(offer))
    check_page(phone_page, "ja-offer-link", problems)
    phone_page.click("button[value=accept]")
    phone_page.wait_for_selector("text=引き受けていただきました")
    check_page(phone_page, "ja-offer-accepted", problems)
    phone_page.goto(base + offer_link_path(offer))  # the link is used up
    phone_page.wait_for_selector("text=このリンクは一度だけ使えます")
    phone.close()
    lesson = Lesson.objects.get(volunteer=volunteer)

    page.goto(base + "/volunteer/")
    check_page(page, "ja-home", problems)
    page.goto(base + "/volunteer/lessons/")
    check_page(page, "ja-lessons", problems)
    page.goto(base + f"/volunteer/lessons/{lesson.pk}/")
    check_page(page, "ja-lesson", problems)

    # The clock moves on to just after the lesson (the lesson is moved into the past, as a
    # frozen clock cannot be used with a live server).
    Lesson.objects.filter(pk=lesson.pk).update(starts_at=dt.datetime.now(TOKYO) - dt.timedelta(hours=2),
                                               ends_at=dt.datetime.now(TOKYO) - dt.timedelta(hours=1))
    page.goto(base + f"/volunteer/lessons/{lesson.pk}/report/")
    check_page(page, "ja-report", problems)
    page.check(f"input[name^=skills_][value='{skill.pk}']")
    page.check("input[name^=could_teach_]")
    page.fill("textarea[name=note_for_next]", "写真の送り方を次回に")
    page.click("form.report button")
    page.wait_for_selector("text=活動報告を受け付けました")
    report = LessonReport.objects.get(lesson=lesson)
    assert report.note_for_next == "写真の送り方を次回に"
    assert list(report.progress.get().skills.all()) == [skill]
    page.goto(base + "/volunteer/impact/")
    page.wait_for_selector("text=友だちを追加する")
    check_page(page, "ja-impact", problems)
    page.goto(base + "/volunteer/profile/")
    check_page(page, "ja-profile", problems)

    # The same pages in English.
    page.click("form.language-switch button")
    page.wait_for_selector("html[lang=en]")
    for name, path in [("home", "/volunteer/"), ("offers", "/volunteer/offers/"),
                       ("availability", "/volunteer/availability/"), ("lessons", "/volunteer/lessons/"),
                       ("lesson", f"/volunteer/lessons/{lesson.pk}/"), ("impact", "/volunteer/impact/"),
                       ("profile", "/volunteer/profile/"), ("apply", "/volunteer/apply/")]:
        page.goto(base + path)
        check_page(page, f"en-{name}", problems)
    assert page.locator("h1").first.inner_text() == "Profile"
    page.goto(base + "/accounts/logout/")
    check_page(page, "en-logout", problems)
    page.click("main form button")
    page.goto(base + "/accounts/login/")
    page.wait_for_selector("text=Forgot your password?")
    check_page(page, "en-login", problems)
    context.close()
    assert problems == {}
