"""Becoming a volunteer, the profile with its SMS phone check, pause/resume/retire,
availability with days off and the preview, and hours and impact."""

import datetime as dt
from unittest import mock

from django.urls import reverse

from literacy.followups.models import FollowUp
from literacy.people.models import Volunteer
from literacy.people.services import volunteer_set_status
from literacy.scheduling.services import report_create
from tests import factories
from tests.conftest import NOW
from tests.portal.conftest import at, login


def profile_data(topic, venue, district, **extra):
    data = {"name": "支援 花子", "name_kana": "しえん はなこ", "phone": "090-1111-2222", "kind": "student",
            "topics": [str(topic.pk)], "districts": [str(district.pk)], "venues": [str(venue.pk)],
            "languages": "ja,en", "weekly_cap": "3"}
    data.update(extra)
    return data


def test_a_new_user_is_sent_to_apply_and_applies(client, municipality, topic, venue, district, clock):
    user = factories.UserFactory()
    client.force_login(user)
    assert client.get(reverse("portal:home")).url == reverse("portal:apply")
    page = client.get(reverse("portal:apply")).content.decode()
    assert "LINEの使い方" in page and "八女市中央公民館" in page
    response = client.post(reverse("portal:apply"), profile_data(topic, venue, district))
    assert response.status_code == 302
    volunteer = Volunteer.objects.get(user=user)
    assert volunteer.status == Volunteer.Status.APPLIED and volunteer.kind == "student"
    assert volunteer.phone == "+819011112222" and volunteer.weekly_cap == 3
    assert FollowUp.objects.filter(kind=FollowUp.Kind.VOLUNTEER_APPROVAL, volunteer=volunteer).exists()
    home = client.get(reverse("portal:home")).content.decode()
    assert "担当者が確認して承認すると" in home
    assert client.get(reverse("portal:apply")).url == reverse("portal:profile")


def test_apply_with_a_bad_phone_number_says_so(client, municipality, topic, venue, district):
    client.force_login(factories.UserFactory())
    response = client.post(reverse("portal:apply"), profile_data(topic, venue, district, phone="12"))
    assert response.status_code == 200 and "電話番号が正しくありません" in response.content.decode()
    assert not Volunteer.objects.exists()


def test_apply_asks_which_city_when_there_are_several(client, municipality, topic, venue, district):
    factories.MunicipalityFactory(jis_code="401005", name="北九州市")
    client.force_login(factories.UserFactory())
    page = client.get(reverse("portal:apply")).content.decode()
    assert "?m=402109" in page and "?m=401005" in page
    assert "LINEの使い方" in client.get(reverse("portal:apply") + "?m=402109").content.decode()


def test_profile_edit_and_phone_check_by_sms_code(client, volunteer, topic, venue, district, clock):
    login(client, volunteer)
    response = client.post(reverse("portal:profile"), profile_data(topic, venue, district, phone="080-3333-4444"))
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.phone == "+818033334444" and volunteer.phone_verified_at is None
    with mock.patch("literacy.notifications.triggers.phone_verification_requested") as sent:
        client.post(reverse("portal:phone_send_code"))
    code = sent.call_args.kwargs["code"]
    wrong = "000000" if code != "000000" else "111111"
    response = client.post(reverse("portal:phone_verify"), {"code": wrong}, follow=True)
    assert "確認コードが正しくない" in response.content.decode()
    response = client.post(reverse("portal:phone_verify"), {"code": code}, follow=True)
    assert "電話番号を確認しました" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.phone_verified_at == NOW


def test_pause_resume_and_retire(client, volunteer, coordinator, clock):
    Volunteer.objects.filter(pk=volunteer.pk).update(approved_at=NOW, approved_by=coordinator)
    login(client, volunteer)
    client.post(reverse("portal:status"), {"action": "pause"})
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.PAUSED
    client.post(reverse("portal:status"), {"action": "resume"})
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.APPROVED
    client.post(reverse("portal:status"), {"action": "retire"})
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.RETIRED


def test_a_pause_a_coordinator_decided_is_not_the_volunteers_to_lift(client, volunteer, coordinator, clock):
    Volunteer.objects.filter(pk=volunteer.pk).update(approved_at=NOW, approved_by=coordinator)
    volunteer_set_status(volunteer=volunteer, status=Volunteer.Status.PAUSED, changed_by=coordinator)
    response = login(client, volunteer).post(reverse("portal:status"), {"action": "resume"}, follow=True)
    assert "市の担当者が活動をお休みにしています" in response.content.decode()
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.PAUSED and volunteer.paused_by == coordinator
    # The coordinator lifts it; a later pause of the volunteer's own is theirs to lift again.
    volunteer_set_status(volunteer=volunteer, status=Volunteer.Status.APPROVED, changed_by=coordinator)
    client.post(reverse("portal:status"), {"action": "pause"})
    client.post(reverse("portal:status"), {"action": "resume"})
    volunteer.refresh_from_db()
    assert volunteer.status == Volunteer.Status.APPROVED and volunteer.paused_by is None


def test_an_applicant_cannot_approve_themselves(client, municipality, topic):
    applicant = factories.VolunteerFactory(municipality=municipality, status=Volunteer.Status.APPLIED)
    response = login(client, applicant).post(reverse("portal:status"), {"action": "resume"})
    assert response.status_code == 404
    applicant.refresh_from_db()
    assert applicant.status == Volunteer.Status.APPLIED


def window_data(rows):
    data = {"w-TOTAL_FORMS": str(len(rows)), "w-INITIAL_FORMS": "0", "w-MIN_NUM_FORMS": "0",
            "w-MAX_NUM_FORMS": "28"}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"w-{i}-{key}"] = value
    return data


def test_availability_windows_and_the_preview(client, volunteer, venue, clock):
    login(client, volunteer)
    response = client.post(reverse("portal:availability"), window_data([
        {"venue": venue.pk, "weekday": "1", "starts": "10:00", "ends": "12:00", "is_instant": "on"},
        {"venue": "", "weekday": "", "starts": "", "ends": ""},
    ]))
    assert response.status_code == 302
    window = volunteer.availabilities.get()
    assert (window.weekday, window.starts, window.ends, window.is_instant) == (1, dt.time(10), dt.time(12), True)
    page = client.get(reverse("portal:availability")).content.decode()
    # Tuesday 10:00 and 11:00 this week and next: what learners will see.
    assert page.count("即時確定</td>") == 4
    assert "12月8日（火） 10:00" in page


def test_overlapping_windows_are_refused_with_a_message(client, volunteer, venue):
    login(client, volunteer)
    response = client.post(reverse("portal:availability"), window_data([
        {"venue": venue.pk, "weekday": "2", "starts": "09:00", "ends": "11:00"},
        {"venue": venue.pk, "weekday": "2", "starts": "10:00", "ends": "12:00"},
    ]), follow=True)
    assert "時間帯が重なっています" in response.content.decode()
    assert not volunteer.availabilities.exists()


def test_a_window_ending_before_it_starts_is_refused(client, volunteer, venue):
    login(client, volunteer)
    response = client.post(reverse("portal:availability"), window_data([
        {"venue": venue.pk, "weekday": "2", "starts": "12:00", "ends": "10:00"},
    ]))
    assert response.status_code == 200 and "終了は開始より後に" in response.content.decode()


def test_days_off_hide_the_preview_and_can_be_removed(client, volunteer, venue, clock):
    factories.AvailabilityFactory(volunteer=volunteer, venue=venue, weekday=1, starts=dt.time(10), ends=dt.time(11))
    login(client, volunteer)
    tuesday = (NOW + dt.timedelta(days=1)).date()
    client.post(reverse("portal:exception_add"), {"starts_on": tuesday.isoformat(),
                                                  "ends_on": tuesday.isoformat(), "reason": "通院"})
    exception = volunteer.exceptions.get()
    page = client.get(reverse("portal:availability")).content.decode()
    assert "通院" in page and "12月8日（火） 10:00" not in page and "12月15日（火） 10:00" in page
    other = factories.VolunteerFactory(municipality=volunteer.municipality)
    assert login(client, other).post(reverse("portal:exception_remove", args=[exception.pk])).status_code == 404
    login(client, volunteer).post(reverse("portal:exception_remove", args=[exception.pk]))
    assert not volunteer.exceptions.exists()


def test_preview_is_empty_until_approved(client, municipality, venue, topic, clock):
    applicant = factories.VolunteerFactory(municipality=municipality, topics=[topic],
                                           status=Volunteer.Status.APPLIED)
    factories.AvailabilityFactory(volunteer=applicant, venue=venue, weekday=1)
    page = login(client, applicant).get(reverse("portal:availability")).content.decode()
    assert "承認されると" in page and "10:00</td>" not in page
    volunteer_set_status(volunteer=applicant, status=Volunteer.Status.APPROVED)
    assert "12月8日（火） 10:00" in client.get(reverse("portal:availability")).content.decode()


def test_hours_and_impact(client, volunteer, municipality, venue, topic, clock):
    skill = factories.SkillFactory(topic=topic, name="友だち追加")
    learner = factories.LearnerFactory(municipality=municipality)
    for days_ago in (3, 40):
        lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                         starts_at=NOW - dt.timedelta(days=days_ago))
        booking = factories.BookingFactory(lesson=lesson, learner=learner)
        report_create(lesson=lesson, volunteer=volunteer, attendance={booking.pk: True}, duration_minutes=90,
                      skills_by_booking={booking.pk: [skill]})
    page = login(client, volunteer).get(reverse("portal:impact")).content.decode()
    assert ">3.0<" in page  # total hours
    assert "2026年12月" in page and "2026年10月" in page
    assert "友だち追加 — 2人" in page
    assert '<span class="number">1</span>' in page  # one learner helped, twice


def test_home_lists_lessons_to_report(client, volunteer, municipality, venue, topic, clock):
    lesson = factories.LessonFactory(municipality=municipality, volunteer=volunteer, venue=venue, topic=topic,
                                     starts_at=at(6, NOW.date()))
    page = login(client, volunteer).get(reverse("portal:home")).content.decode()
    assert reverse("portal:lesson_report", args=[lesson.pk]) in page


def test_a_blank_extra_row_as_a_browser_sends_it_is_left_out(client, volunteer, venue):
    """A browser sends every row's select, blank or not; the untouched rows must not block saving."""
    login(client, volunteer)
    response = client.post(reverse("portal:availability"), window_data([
        {"venue": venue.pk, "weekday": "3", "starts": "13:00", "ends": "15:00"},
        {"venue": "", "weekday": "", "starts": "", "ends": ""},
        {"venue": "", "weekday": "", "starts": "", "ends": ""},
    ]))
    assert response.status_code == 302 and volunteer.availabilities.get().weekday == 3
    page = client.get(reverse("portal:availability")).content.decode()
    assert page.count('<option value="" selected>---------</option>') >= 2  # blank rows start blank
