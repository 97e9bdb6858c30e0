"""A coordinator uploads a roster in a real browser: preview, errors, confirm; no accessibility violations."""

import os
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.test import Client

from literacy.places.models import District
from tests.conftest import chromium_path, sync_playwright
from tests.imports.spreadsheets import spreadsheet
from tests.imports.test_import_kinds import DISTRICTS

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None and os.environ.get("REQUIRE_BROWSER") != "1",
                       reason="needs Chromium (/usr/bin/chromium); REQUIRE_BROWSER=1 makes this fail instead"),
]


@pytest.fixture
def page(live_server, coordinator, transactional_db):
    Authenticator.objects.create(user=coordinator, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"})
    client = Client()
    client.force_login(coordinator)
    session = client.cookies["sessionid"].value
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path() or "/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        yield context.new_page()
        browser.close()


def assert_accessible(page):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    serious = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], [(v["id"], v["help"]) for v in serious]


def test_upload_preview_confirm(page, live_server, tmp_path, municipality):
    page.goto(f"{live_server.url}/city/import/")
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "import-upload.png"), full_page=True)

    bad = tmp_path / "districts-bad.xlsx"
    bad.write_bytes(spreadsheet([*DISTRICTS, ["星野", "", "", "たくさん", "", ""]], "xlsx")[0])
    page.select_option("select[name=kind]", "districts")
    page.set_input_files("input[name=file]", str(bad))
    page.get_by_role("button", name="内容を確認する").click()
    page.wait_for_selector("text=このファイルは取り込めません")
    row = page.locator("table:has(caption) tbody tr").first.inner_text()
    assert row.startswith("5\t高齢者人口\t") and "たくさん" in row  # row number, column, what is wrong
    assert page.get_by_role("button", name="この内容で取り込む").count() == 0
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "import-preview-errors.png"), full_page=True)

    good = tmp_path / "districts.csv"
    good.write_bytes(spreadsheet(DISTRICTS, "cp932")[0])
    page.goto(f"{live_server.url}/city/import/")
    page.select_option("select[name=kind]", "districts")
    page.set_input_files("input[name=file]", str(good))
    page.get_by_role("button", name="内容を確認する").click()
    page.wait_for_selector("text=3 行を確認しました")
    assert not District.objects.exists()
    assert_accessible(page)
    page.screenshot(path=str(SCREENSHOTS / "import-preview.png"), full_page=True)

    page.get_by_role("button", name="この内容で取り込む").click()
    page.wait_for_selector("text=取り込みました。新規 3 件")
    assert District.objects.filter(municipality=municipality).count() == 3
    page.screenshot(path=str(SCREENSHOTS / "import-done.png"), full_page=True)
