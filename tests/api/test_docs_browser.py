"""The API docs page works in a real browser with no network beyond this server: Swagger UI's
assets come from drf-spectacular-sidecar, and the page lists the operations."""

import os

import pytest

from tests.conftest import chromium_path, sync_playwright

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOT = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "screenshots", "api-docs.png")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swagger_ui_renders_from_local_assets(live_server):
    if chromium_path() is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no Chromium found")
        pytest.skip("no Chromium installed (/usr/bin/chromium)")
    outside: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=BROWSER_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url)
                and not r.url.startswith("data:") else None)
        page.goto(f"{live_server.url}/api/docs/")
        page.wait_for_selector("text=Oshieai API", timeout=20000)
        page.wait_for_selector("text=/api/v1/bookings/", timeout=20000)
        page.screenshot(path=SCREENSHOT, full_page=False)
        browser.close()
    assert outside == []
