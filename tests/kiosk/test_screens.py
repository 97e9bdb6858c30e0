"""What every kiosk screen promises: Japanese by default with English a tap away, the text-size and
furigana switches, the idle reset (also without JavaScript), no inline script, no caching."""

import re

import pytest
from django.conf import settings

from tests.kiosk.conftest import walk


def test_japanese_even_when_the_browser_asks_for_english(clock, kiosk_client):
    page = kiosk_client.get("/kiosk/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="ja"' in page.content.decode() and "相談を予約する" in page.content.decode()


def test_english_switch(clock, kiosk_client, topic, venue, free_times):
    kiosk_client.post("/i18n/setlang/", {"language": "en", "next": "/kiosk/"})
    page = kiosk_client.get("/kiosk/").content.decode()
    assert 'lang="en"' in page and "Book a lesson" in page and "Check or cancel a booking" in page
    confirm = walk(kiosk_client, topic=topic, venue=venue).content.decode()
    assert "Tue 8 Dec, 10:00 am" in confirm and "Using LINE" in confirm and "Is this right?" in confirm


def test_text_size_switch(clock, kiosk_client):
    response = kiosk_client.post("/kiosk/switch/", {"switch": "large", "next": "/kiosk/check/"})
    assert response.url == "/kiosk/check/"
    page = kiosk_client.get("/kiosk/check/").content.decode()
    assert 'class="kiosk kiosk-large"' in page and 'value="large" aria-pressed="true"' in page
    kiosk_client.post("/kiosk/switch/", {"switch": "large", "next": "/kiosk/"})
    assert 'class="kiosk"' in kiosk_client.get("/kiosk/").content.decode()


def test_the_switch_never_redirects_off_site(clock, kiosk_client):
    response = kiosk_client.post("/kiosk/switch/", {"switch": "large", "next": "https://evil.example/"})
    assert response.url == "/kiosk/"


def test_furigana_switch_adds_ruby_readings(clock, kiosk_client, topic, venue):
    topic.name_kana = "らいんのつかいかた"
    topic.save()
    plain = kiosk_client.get("/kiosk/").content.decode()
    assert "<ruby>" not in plain and "相談を予約する" in plain
    kiosk_client.post("/kiosk/switch/", {"switch": "furigana", "next": "/kiosk/"})
    page = kiosk_client.get("/kiosk/").content.decode()
    assert "<ruby>予約<rt>よやく</rt></ruby>" in page and "<ruby>相談<rt>そうだん</rt></ruby>を" in page
    kiosk_client.post("/kiosk/book/", {"for": "self"})
    topics = kiosk_client.get("/kiosk/book/topic/").content.decode()
    assert "<ruby>LINEの使い方<rt>らいんのつかいかた</rt></ruby>" in topics
    # In English there is nothing to read, so no ruby and no furigana button.
    kiosk_client.post("/i18n/setlang/", {"language": "en", "next": "/kiosk/"})
    english = kiosk_client.get("/kiosk/").content.decode()
    assert "<ruby>" not in english and 'value="furigana"' not in english


def test_reset_clears_the_session_the_switches_and_the_language(clock, kiosk_client, topic, venue, free_times):
    kiosk_client.post("/kiosk/switch/", {"switch": "large", "next": "/kiosk/"})
    kiosk_client.post("/i18n/setlang/", {"language": "en", "next": "/kiosk/"})
    walk(kiosk_client, topic=topic, venue=venue)
    assert kiosk_client.session["kiosk_booking"]["name"] == "八女 花子"
    response = kiosk_client.get("/kiosk/reset/")
    assert response.url == "/kiosk/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == ""
    assert not any(key.startswith("kiosk_") for key, _value in kiosk_client.session.items())
    page = kiosk_client.get("/kiosk/").content.decode()
    assert 'lang="ja"' in page and 'class="kiosk"' in page
    assert kiosk_client.get("/kiosk/book/confirm/").url == "/kiosk/"


def test_idle_countdown_and_the_no_javascript_refresh(clock, kiosk_client, topic, venue, free_times, settings):
    settings.KIOSK_IDLE_SECONDS = 30
    settings.KIOSK_IDLE_COUNTDOWN_SECONDS = 10
    page = walk(kiosk_client, topic=topic, venue=venue, stop_before="phone").content.decode()
    assert 'data-idle="30" data-countdown="10" data-reset="/kiosk/reset/"' in page
    assert "まだお使いですか？" in page and "続ける" in page
    assert '<noscript><meta http-equiv="refresh" content="40;url=/kiosk/reset/"></noscript>' in page
    # The untouched welcome screen has nothing to forget and does not refresh itself.
    kiosk_client.get("/kiosk/reset/")
    assert "http-equiv" not in kiosk_client.get("/kiosk/").content.decode()
    # But a welcome screen left in English goes back to Japanese by itself.
    kiosk_client.post("/i18n/setlang/", {"language": "en", "next": "/kiosk/"})
    assert "http-equiv" in kiosk_client.get("/kiosk/").content.decode()


def test_pages_are_not_cached_and_have_no_inline_script(clock, kiosk_client, topic, venue, free_times):
    page = walk(kiosk_client, topic=topic, venue=venue)
    assert "no-store" in page["Cache-Control"]
    scripts = re.findall(r"<script[^>]*>(.*?)</script>", page.content.decode(), re.S)
    assert scripts == [""]  # only the static file, no inline code


@pytest.mark.parametrize("path", ["/kiosk/book/phone/", "/kiosk/check/", "/kiosk/check/code/"])
def test_number_entry_works_without_javascript(clock, kiosk_client, topic, venue, free_times, path):
    walk(kiosk_client, topic=topic, venue=venue, stop_before="phone")
    kiosk_client.post("/kiosk/check/", {"phone": "090-1234-5678"})
    if path == "/kiosk/book/phone/":
        walk(kiosk_client, topic=topic, venue=venue, stop_before="phone")
    page = kiosk_client.get(path).content.decode()
    assert re.search(r'<input[^>]+inputmode="(tel|numeric)"', page)
    assert re.search(r'class="keypad" data-keypad-for="\w+" hidden', page)  # JavaScript shows the keypad
