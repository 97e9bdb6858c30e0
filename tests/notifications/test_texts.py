"""Every learner SMS fits one UCS-2 message, names the program and its number, carries no URL."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from literacy.notifications import texts
from literacy.places.models import Municipality
from tests.conftest import TOKYO

SMS_TEMPLATES = Path(settings.BASE_DIR, "templates", "notifications", "sms")
LEARNER_TEMPLATES = sorted(
    p.name for p in SMS_TEMPLATES.glob("*.txt") if p.name.startswith(("learner_", "reply_"))
)
LONG_NAMES = ["勅使河原 千代子", "長谷川 美智子", "小野寺 佐和子", "東郷 三千代", "五十嵐 喜久子", "ウィリアムズ マーガレット"]
LONG_VENUES = [
    "八女市立図書館黒木分館", "星野村ふるさと交流センター", "八女市役所黒木支所 2階会議室",
    "八女市立花町ふれあいセンター多目的ホール", "八女市矢部村杣の里渓流公園管理棟",
]
PROGRAMS = [("スマホ相談", "0943-23-1111"), ("八女市スマホ教え合い", "0943-23-1111"),
            ("八女市デジタル相談窓口", "+81943231111"), ("スマホ活用支援員相談室", "092-643-1234")]
# The latest lesson of the year makes the longest date ("12/28(月)19:30").
STARTS = dt.datetime(2026, 12, 28, 19, 30, tzinfo=TOKYO)
JAPANESE = st.text(
    alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF) | st.sampled_from("ぁあいうえおカキクケコー 　"),
    min_size=1, max_size=40,
)


def render(template, *, name, venue, program, phone, code="A4K9Z2", by_learner=False):
    municipality = Municipality(program_name=program, program_phone=phone)
    context = {"name": name, "name_kana": name, "code": code, "starts_at": STARTS, "venue": venue,
               "topic": "マイナポータル・マイナ保険証", "program": program, "phone": texts.display_phone(phone),
               "by_learner": by_learner}
    return texts.render_sms(f"notifications/sms/{template}", context, zone=municipality.zone)


def assert_fit_for_a_senior(text, *, program, phone):
    assert len(text) <= texts.SMS_LIMIT, f"{len(text)} characters: {text}"
    assert program in text
    assert texts.display_phone(phone) in text
    assert not texts.URL_PATTERN.search(text), text
    assert "\n" not in text


def test_there_are_learner_templates_to_check():
    assert {"learner_confirmation.txt", "learner_reminder_day_before.txt", "learner_reminder_morning.txt",
            "learner_cancelled.txt", "learner_changed.txt", "learner_pending.txt", "reply_help.txt"} <= set(LEARNER_TEMPLATES)


@pytest.mark.parametrize("template", LEARNER_TEMPLATES)
@pytest.mark.parametrize("program,phone", PROGRAMS)
def test_realistic_long_names_and_venues_fit_in_one_sms(template, program, phone):
    for name in LONG_NAMES:
        for venue in LONG_VENUES:
            for by_learner in (True, False):
                text = render(template, name=name, venue=venue, program=program, phone=phone, by_learner=by_learner)
                assert_fit_for_a_senior(text, program=program, phone=phone)


@pytest.mark.parametrize("template", LEARNER_TEMPLATES)
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=JAPANESE, venue=JAPANESE, program_phone=st.sampled_from(PROGRAMS))
def test_any_name_and_venue_fit_in_one_sms(template, name, venue, program_phone):
    program, phone = program_phone
    text = render(template, name=name, venue=venue, program=program, phone=phone)
    assert_fit_for_a_senior(text, program=program, phone=phone)


def test_a_short_name_and_venue_are_kept_whole():
    text = render("learner_confirmation.txt", name="八女 花子", venue="中央公民館", program="スマホ相談", phone="0943-23-1111")
    assert text == "八女 花子様 12/28(月)19:30 中央公民館で予約確定 番号A4K9Z2 スマホ相談 0943-23-1111"


def test_the_booking_code_and_time_survive_shortening():
    text = render("learner_reminder_morning.txt", name="勅使河原 千代子" * 3, venue="とても長い会場の名前" * 5,
                  program="八女市スマホ教え合い", phone="0943-23-1111", code="Q7W3E9")
    assert "Q7W3E9" in text and "19:30" in text
    assert len(text) <= 70


def test_program_phone_is_shown_as_dialled_in_japan():
    assert texts.display_phone("+81943231111") == "0943-23-1111"
