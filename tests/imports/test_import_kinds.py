"""Each kind of roster imports from CSV (UTF-8, UTF-8 with BOM, Shift_JIS) and .xlsx alike."""

import datetime as dt

import pytest
from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from django.core import mail

from literacy.accounts.models import User
from literacy.curriculum.models import Topic
from literacy.imports.readers import read_sheet
from literacy.imports.services import import_file
from literacy.people.models import Channel, Learner, Volunteer
from literacy.places.models import District, Venue
from tests.imports.spreadsheets import FORMATS, spreadsheet


def run(kind, rows, fmt, municipality, *, dry_run=False, actor=None):
    content, filename = spreadsheet(rows, fmt)
    sheet = read_sheet(content=content, filename=filename)
    return import_file(kind=kind, sheet=sheet, municipality=municipality, dry_run=dry_run, actor=actor)


DISTRICTS = [
    ["地区名", "地区名（英語）", "ふりがな", "高齢者人口", "上位地区", "表示順"],
    ["旧八女市", "Former Yame", "きゅうやめし", "12,000", "", "1"],
    ["黒木", "Kurogi", "くろぎ", "４５００", "", "2"],
    ["黒木小校区", "", "くろぎしょう", "900", "黒木", "3"],
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_districts(fmt, municipality):
    report = run("districts", DISTRICTS, fmt, municipality)
    assert report.ok and report.applied, report.errors
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    kurogi = District.objects.get(municipality=municipality, name="黒木")
    assert kurogi.senior_population == 4500 and kurogi.name_en == "Kurogi"
    assert District.objects.get(name="黒木小校区").parent == kurogi
    assert District.objects.get(name="旧八女市").senior_population == 12000


VENUES = [
    ["会場名", "種類", "地区", "住所", "定員", "開館曜日", "開館時間", "祝日も開館", "バリアフリー情報"],
    ["八女市中央公民館", "公民館", "旧八女市", "八女市本町1-1", "20", "月火水木金", "9:00-17:00", "いいえ", "車いす可"],
    ["八女市立図書館", "library", "旧八女市", "八女市本町2-2", "", "毎日", "10:00〜18:00", "はい", ""],
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_venues(fmt, municipality, district):
    report = run("venues", VENUES, fmt, municipality)
    assert report.ok, report.errors
    assert report.created == 2
    hall = Venue.objects.get(municipality=municipality, name="八女市中央公民館")
    assert (hall.kind, hall.district, hall.capacity, hall.accessibility_notes) == (
        Venue.Kind.COMMUNITY_CENTRE, district, 20, "車いす可")
    assert sorted(hall.opening_hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4]
    library = Venue.objects.get(name="八女市立図書館")
    assert library.capacity == 10 and library.opens_on_holidays
    assert {(h.weekday, h.opens, h.closes) for h in library.opening_hours.all()} == {
        (d, dt.time(10), dt.time(18)) for d in range(7)}


TOPICS = [
    ["スラッグ", "名称", "名称（英語）", "アイコン", "表示順"],
    ["basics", "スマホの基本操作", "Phone basics", "📱", "1"],
    ["my-number", "マイナンバーカードの申請", "My Number card", "🪪", "2"],
]


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "cp932"])
def test_topics(fmt, municipality):
    report = run("topics", TOPICS, fmt, municipality)
    assert report.ok and report.created == 2, report.errors
    topic = Topic.objects.get(municipality=municipality, slug="my-number")
    assert (topic.name, topic.name_en, topic.icon, topic.order, topic.is_active) == (
        "マイナンバーカードの申請", "My Number card", "🪪", 2, True)


def test_topics_from_shift_jis(municipality):
    # Emoji do not exist in Shift_JIS: a city's Excel file has no icons.
    rows = [row[:3] for row in TOPICS]
    report = run("topics", rows, "cp932", municipality)
    assert report.ok and report.created == 2
    assert Topic.objects.get(slug="basics").name == "スマホの基本操作"


VOLUNTEERS = [
    ["氏名", "ふりがな", "メールアドレス", "電話番号", "種類", "教えられる内容", "活動地区", "活動会場", "訪問できる", "研修日"],
    ["支援 一郎", "しえん いちろう", "Ichiro@Example.jp", "090-1234-5678", "デジタル推進委員", "LINEの使い方", "旧八女市",
     "八女市中央公民館", "はい", "2026/04/01"],
    ["支援 花子", "しえん はなこ", "hanako@example.jp", "", "スマホ活用支援員", "line", "", "", "", ""],
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_volunteers_get_an_account_and_an_invitation(
    fmt, municipality, district, venue, topic, coordinator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = run("volunteers", VOLUNTEERS, fmt, municipality, actor=coordinator)
    assert report.ok and report.created == 2, report.errors

    ichiro = Volunteer.objects.get(user__email="ichiro@example.jp")
    assert (ichiro.name, ichiro.name_kana, ichiro.phone, ichiro.kind) == (
        "支援 一郎", "しえん いちろう", "+819012345678", Volunteer.Kind.DIGITAL_PROMOTION)
    assert ichiro.status == Volunteer.Status.APPROVED and ichiro.approved_by == coordinator
    assert ichiro.home_visits and ichiro.trained_on == dt.date(2026, 4, 1)
    assert list(ichiro.topics.all()) == [topic]
    assert list(ichiro.districts.all()) == [district] and list(ichiro.venues.all()) == [venue]
    assert not ichiro.user.has_usable_password()
    assert EmailAddress.objects.get(user=ichiro.user).verified

    assert sorted(m.to[0] for m in mail.outbox) == ["hanako@example.jp", "ichiro@example.jp"]
    invitation = next(m for m in mail.outbox if m.to == ["ichiro@example.jp"])
    assert "支援 一郎 様" in invitation.body
    link = next(line for line in invitation.body.splitlines() if "/accounts/password/reset/key/" in line)
    key = link.rstrip("/").split("/key/", 1)[1].split("-", 1)[1]  # <uidb36>-<token>
    assert default_token_generator.check_token(ichiro.user, key)


def test_an_invited_volunteer_sets_a_password_and_signs_in(
    client, municipality, topic, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run("volunteers", VOLUNTEERS[:1] + [VOLUNTEERS[2]], "utf-8", municipality)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/key/" in line)
    path = link.split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path, follow=True)
    assert page.status_code == 200
    response = client.post(page.redirect_chain[-1][0] if page.redirect_chain else "/" + path,
                           {"password1": "a-long-new-pass-2026", "password2": "a-long-new-pass-2026"})
    assert response.status_code == 302
    assert User.objects.get(email="hanako@example.jp").check_password("a-long-new-pass-2026")
    assert client.login(email="hanako@example.jp", password="a-long-new-pass-2026")


def test_a_dry_run_sends_no_invitation(municipality, topic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = run("volunteers", VOLUNTEERS[:1] + [VOLUNTEERS[2]], "utf-8", municipality, dry_run=True)
    assert report.ok and report.created == 1 and not report.applied
    assert mail.outbox == [] and not User.objects.exists()


LEARNERS = [
    ["氏名", "ふりがな", "電話番号", "地区", "お知らせの方法", "端末", "大きな文字", "ご家族のお名前", "ご家族の電話番号"],
    ["八女 花子", "やめ はなこ", "０９０－１１１１－２２２２", "旧八女市", "", "iPhone", "○", "", ""],
    ["八女 太郎", "やめ たろう", "0943-23-1234", "", "電話", "ガラケー", "", "八女 一子", "080-3333-4444"],
    ["八女 次郎", "やめ じろう", "0943-23-1234", "", "なし", "", "", "", ""],  # same landline, another person
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_learners(fmt, municipality, district, coordinator):
    report = run("learners", LEARNERS, fmt, municipality, actor=coordinator)
    assert report.ok and report.created == 3, report.errors
    hanako = Learner.objects.get(name="八女 花子")
    assert (hanako.phone, hanako.phone_kind, hanako.reminder_channel, hanako.district) == (
        "+819011112222", Learner.PhoneKind.MOBILE, Learner.ReminderChannel.SMS, district)
    assert hanako.needs_large_print and hanako.device == Learner.Device.IPHONE
    assert hanako.consent_channel == Channel.IMPORT and hanako.consent_taken_by == coordinator
    taro = Learner.objects.get(name="八女 太郎")
    assert (taro.phone, taro.phone_kind, taro.reminder_channel) == (
        "+81943231234", Learner.PhoneKind.LANDLINE, Learner.ReminderChannel.VOICE)
    assert (taro.proxy_name, taro.proxy_phone) == ("八女 一子", "+818033334444")
    assert Learner.objects.get(name="八女 次郎").reminder_channel == Learner.ReminderChannel.NONE
