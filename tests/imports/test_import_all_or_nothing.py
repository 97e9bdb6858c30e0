"""A file is imported whole or not at all, every bad row is named, and importing twice changes nothing."""

import pytest
from django.core import mail
from django.utils import translation

from literacy.accounts.models import User
from literacy.curriculum.models import Topic
from literacy.people.models import Learner, Volunteer
from literacy.places.models import District, Venue
from tests import factories
from tests.imports.test_import_kinds import DISTRICTS, LEARNERS, TOPICS, VENUES, VOLUNTEERS, run

MODELS = {"districts": District, "venues": Venue, "topics": Topic, "volunteers": Volunteer, "learners": Learner}
GOOD = {"districts": DISTRICTS, "venues": VENUES, "topics": TOPICS, "volunteers": VOLUNTEERS, "learners": LEARNERS}


def with_bad_row(rows, bad):
    """The good rows with a bad one in the middle: row 3 as Excel numbers it."""
    return [rows[0], rows[1], bad, *rows[2:]]


BAD_ROWS = {
    "districts": (["星野", "", "ほしの", "たくさん", "", ""], "高齢者人口"),
    "venues": (["矢部公民館", "公民館", "矢部", "", "", "", "", "", ""], "矢部"),
    "topics": (["写真", "写真の整理", "", "", ""], "スラッグ"),
    "volunteers": (["支援 三郎", "しえん さぶろう", "hanako@example.jp", "", "", "", "", "", "", ""], "3行目と重複"),
    "learners": (["八女 三子", "やめ みつこ", "123", "", "", "", "", "", ""], "123"),
}


@pytest.mark.parametrize("kind", sorted(BAD_ROWS))
def test_one_bad_row_writes_nothing_and_is_named(kind, municipality, district, venue, topic):
    before = MODELS[kind].objects.count()
    bad, words = BAD_ROWS[kind]
    report = run(kind, with_bad_row(GOOD[kind], bad), "utf-8", municipality)
    assert not report.applied
    assert MODELS[kind].objects.count() == before
    assert len(report.errors) == 1
    # The duplicate volunteer email is found on the later row (4), naming the first (3).
    error = report.errors[0]
    assert error.row == (4 if kind == "volunteers" else 3)
    assert words in error.message or words == error.column, error


def test_every_problem_of_every_row_is_reported(municipality, district):
    rows = [LEARNERS[0],
            ["八女 一", "", "12", "上陽", "", "", "", "", ""],
            ["八女 二", "やめ に", "0943-23-0000", "", "ショートメール", "", "", "", ""]]
    report = run("learners", rows, "utf-8", municipality)
    problems = {(e.row, e.column) for e in report.errors}
    assert problems == {(2, "ふりがな"), (2, "電話番号"), (2, "地区"), (3, "お知らせの方法")}
    assert any("固定電話にはショートメールを送れません" in e.message for e in report.errors)
    assert not Learner.objects.exists()


def test_errors_in_english(municipality):
    rows = [LEARNERS[0], ["八女 一", "", "12", "", "", "", "", "", ""]]
    with translation.override("en"):
        report = run("learners", rows, "utf-8", municipality)
    assert {(e.column, e.message) for e in report.errors} == {
        ("Kana", "“Kana” is empty."), ("Phone", "Invalid phone number (12)."),
    }


def test_a_missing_required_column_is_reported_on_row_one(municipality):
    report = run("learners", [["氏名", "電話番号"], ["八女 花子", "090-1111-2222"]], "utf-8", municipality)
    assert [(e.row, e.column) for e in report.errors] == [(1, "ふりがな")]
    assert not Learner.objects.exists()


def test_unknown_columns_are_ignored_and_listed(municipality):
    report = run("topics", [["スラッグ", "名称", "備考"], ["maps", "地図アプリ", "x"]], "utf-8", municipality)
    assert report.ok and report.ignored_columns == ["備考"]


def test_english_headers_are_accepted(municipality):
    report = run("topics", [["Slug", "Name", "Name (English)"], ["maps", "地図アプリ", "Maps"]], "utf-8", municipality)
    assert report.ok and Topic.objects.get(slug="maps").name_en == "Maps"


def test_the_same_learner_twice_in_a_file_is_an_error(municipality, district):
    rows = [LEARNERS[0], LEARNERS[1], ["八女　花子", "やめ はなこ", "09011112222", "", "", "", "", "", ""]]
    report = run("learners", rows, "utf-8", municipality)
    assert [(e.row, e.message) for e in report.errors] == [(3, "2行目と重複しています。同じものは1行にまとめてください。")]


@pytest.mark.parametrize("kind", sorted(GOOD))
@pytest.mark.parametrize("fmt", ["utf-8", "cp932", "xlsx"])
def test_the_same_file_twice_changes_nothing(kind, fmt, municipality, district, venue, topic,
                                             django_capture_on_commit_callbacks):
    rows = GOOD[kind]
    if fmt == "cp932" and kind == "topics":
        rows = [row[:3] for row in rows]
    with django_capture_on_commit_callbacks(execute=True):
        first = run(kind, rows, fmt, municipality)
    assert first.ok and first.applied
    model = MODELS[kind]
    snapshot = list(model.objects.order_by("pk").values())
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        second = run(kind, rows, fmt, municipality)
    assert second.ok and (second.created, second.updated) == (0, 0)
    assert second.unchanged == len(rows) - 1
    assert list(model.objects.order_by("pk").values()) == snapshot  # not even updated_at moved
    assert len(mail.outbox) == sent  # nobody is invited twice


def test_a_changed_row_updates_only_that_record(municipality):
    run("districts", DISTRICTS, "utf-8", municipality)
    changed = [row[:] for row in DISTRICTS]
    changed[2][3] = "4600"
    report = run("districts", changed, "utf-8", municipality)
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert report.outcomes[1].changed == ["senior_population"]
    assert District.objects.get(name="黒木").senior_population == 4600


def test_a_volunteer_of_another_city_is_refused(municipality, topic):
    other = factories.VolunteerFactory(user__email="hanako@example.jp")
    report = run("volunteers", VOLUNTEERS[:1] + VOLUNTEERS[2:], "utf-8", municipality)
    assert [e.row for e in report.errors] == [2]
    assert "他の自治体" in report.errors[0].message
    assert Volunteer.objects.get(user__email="hanako@example.jp") == other


def test_an_existing_account_gets_a_profile_but_no_invitation(municipality, topic,
                                                               django_capture_on_commit_callbacks):
    factories.UserFactory(email="hanako@example.jp")
    with django_capture_on_commit_callbacks(execute=True):
        report = run("volunteers", VOLUNTEERS[:1] + VOLUNTEERS[2:], "utf-8", municipality)
    assert report.ok and report.created == 1
    assert User.objects.get(email="hanako@example.jp").check_password("pass-word-123")
    assert mail.outbox == []


def test_empty_cells_leave_existing_records_as_they_are(municipality, district, venue, topic):
    """A roster re-imported months later must not undo what volunteers and coordinators changed."""
    run("volunteers", VOLUNTEERS, "utf-8", municipality)
    ichiro = Volunteer.objects.get(user__email="ichiro@example.jp")
    maps = factories.TopicFactory(municipality=municipality, slug="maps")
    ichiro.topics.add(maps)  # chosen by the volunteer in the portal
    Volunteer.objects.filter(pk=ichiro.pk).update(status=Volunteer.Status.PAUSED, phone="+819099998888")
    sparse = [["氏名", "ふりがな", "メールアドレス", "電話番号", "教えられる内容", "状態"],
              ["支援 一郎", "しえん いちろう", "ichiro@example.jp", "", "", ""]]
    report = run("volunteers", sparse, "xlsx", municipality)
    assert report.ok and report.unchanged == 1
    ichiro.refresh_from_db()
    assert ichiro.status == Volunteer.Status.PAUSED and ichiro.phone == "+819099998888"
    assert set(ichiro.topics.all()) == {topic, maps}

    stated = [sparse[0], ["支援 一郎", "しえん いちろう", "ichiro@example.jp", "", "maps", "承認済み"]]
    report = run("volunteers", stated, "utf-8", municipality)
    assert report.updated == 1 and set(report.outcomes[0].changed) == {"status", "topics"}
    ichiro.refresh_from_db()
    assert ichiro.status == Volunteer.Status.APPROVED and list(ichiro.topics.all()) == [maps]


def test_empty_cells_do_not_clear_a_learners_needs(municipality, district):
    run("learners", LEARNERS[:2], "utf-8", municipality)
    assert Learner.objects.get(name="八女 花子").needs_large_print
    report = run("learners", [["氏名", "ふりがな", "電話番号", "大きな文字"], ["八女 花子", "やめ はなこ", "09011112222", ""]],
                 "utf-8", municipality)
    assert report.unchanged == 1
    learner = Learner.objects.get(name="八女 花子")
    assert learner.needs_large_print and learner.district == district and learner.device == Learner.Device.IPHONE
