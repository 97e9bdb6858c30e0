"""seed_demo: the demo city is realistic, consistent, deterministic, idempotent and never in production."""

from collections import defaultdict
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from literacy.accounts.models import CoordinatorRole, User
from literacy.core.demo_seed import ADMIN_EMAIL, COORDINATOR_EMAIL, DEFAULT_PASSWORD, VOLUNTEER_EMAIL
from literacy.core.phones import parse_phone
from literacy.curriculum.models import Topic
from literacy.people.models import Availability, Learner, Volunteer
from literacy.places.models import District, Municipality, Venue
from literacy.scheduling.models import Booking, HelpRequest, LearnerProgress, Lesson, LessonReport, Offer
from tests import factories

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows in every table the project knows, many-to-many tables included."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


@pytest.fixture
def yame(clock):
    output = seed()
    return Municipality.objects.get(jis_code="402109"), output


def test_builds_a_yame_like_city_in_japanese(yame):
    yame, output = yame
    assert yame.name == "八女市"
    assert yame.program_name == "やめスマホ相談"
    districts = list(District.objects.filter(municipality=yame).order_by("order"))
    assert [d.name for d in districts] == ["旧八女市", "上陽", "黒木", "立花", "星野", "矢部"]
    seniors = {d.name: d.senior_population for d in districts}
    assert 17_000 <= sum(seniors.values()) <= 22_000  # roughly a third of ~58,000 residents
    assert seniors["旧八女市"] == max(seniors.values())
    assert seniors["矢部"] == min(seniors.values())

    venues = Venue.objects.filter(municipality=yame)
    assert 9 <= venues.count() <= 12
    assert all(venue.address.startswith("福岡県八女市") for venue in venues)
    assert venues.filter(name="八女市立図書館", opens_on_holidays=True).exists()
    assert {v.kind for v in venues} >= {"community_centre", "library", "city_office", "branch_office"}
    assert all(venue.opening_hours.exists() for venue in venues)

    topics = Topic.objects.filter(municipality=yame)
    assert topics.count() == 14
    assert topics.filter(name="マイナポータル・マイナ保険証", name_en__isnull=False).exists()
    for topic in topics:
        assert topic.icon and topic.name_en
        assert 3 <= topic.skills.count() <= 5, topic.name

    assert Volunteer.objects.filter(municipality=yame).count() == 40
    assert Learner.objects.filter(municipality=yame).count() == 150
    statuses = set(Volunteer.objects.filter(municipality=yame).values_list("status", flat=True))
    assert {"approved", "applied", "paused"} <= statuses
    assert Availability.objects.filter(volunteer__municipality=yame, is_instant=True).exists()
    assert Availability.objects.filter(volunteer__municipality=yame, is_instant=False).exists()
    assert "(100%)" in output and "coordinator@example.jp" in output and "/admin/" in output


def test_past_and_upcoming_lessons_with_bookings_reports_and_requests(yame):
    yame, _ = yame
    lessons = Lesson.objects.filter(municipality=yame)
    assert lessons.count() >= 150
    completed = lessons.filter(state="completed")
    upcoming = lessons.upcoming()
    assert completed.count() >= 50 and upcoming.count() >= 50
    assert Booking.objects.filter(lesson__in=completed, state="attended").exists()
    assert Booking.objects.filter(lesson__in=completed, state="no_show").exists()
    assert Booking.objects.filter(lesson__in=upcoming, state="booked").exists()

    group = lessons.filter(format="group").first()
    assert group is not None and group.seats > 1
    assert lessons.filter(format="group", bookings__state="booked").count() > 0
    assert max(lesson.bookings.count() for lesson in lessons.filter(format="group")) > 1

    assert LessonReport.objects.filter(lesson__municipality=yame).count() >= 50
    assert LearnerProgress.objects.filter(report__lesson__municipality=yame, skills__isnull=False).exists()
    requests = HelpRequest.objects.filter(municipality=yame)
    assert requests.filter(state="open").exists()
    assert requests.filter(state="offered", offers__state="pending").exists()
    assert Offer.objects.filter(volunteer__user__email=VOLUNTEER_EMAIL, state="pending").exists()


def test_prints_the_addresses_of_the_site_it_serves(clock, settings):
    settings.SITE_URL = "http://127.0.0.1:8123/"  # what `make run PORT=8123` sets
    output = seed()
    for path in ("/", "/kiosk/", "/volunteer/", "/city/", f"/{settings.ADMIN_URL}", "/accounts/login/",
                 "/api/docs/"):
        assert f" http://127.0.0.1:8123{path}\n" in output, path
    assert ":8000" not in output


def test_running_twice_changes_no_row_counts(yame):
    before = row_counts()
    output = seed()
    assert row_counts() == before
    assert "すでにあります" in output


def test_reset_lays_out_the_same_city_again(yame):
    before = row_counts()
    seed("--reset")
    assert row_counts() == before


def test_demo_logins_work_through_allauth_with_mandatory_verification(yame, client):
    yame, _ = yame
    for email in (ADMIN_EMAIL, COORDINATOR_EMAIL, VOLUNTEER_EMAIL):
        assert client.login(email=email, password=DEFAULT_PASSWORD), email
        client.logout()
        assert EmailAddress.objects.filter(email=email, verified=True, primary=True).exists()
        response = client.post(reverse("account_login"), {"login": email, "password": DEFAULT_PASSWORD})
        assert response.status_code == 302, email
        assert "confirm-email" not in response["Location"]
        assert client.session.get("_auth_user_id") == str(User.objects.get(email=email).pk)
        client.logout()
    coordinator = User.objects.get(email=COORDINATOR_EMAIL)
    assert coordinator.is_staff and not coordinator.is_superuser
    assert CoordinatorRole.objects.filter(user=coordinator, municipality=yame).exists()
    assert coordinator.has_perm("people.change_learner") and not coordinator.has_perm("people.delete_learner")
    assert User.objects.get(email=ADMIN_EMAIL).is_superuser
    volunteer = Volunteer.objects.get(user__email=VOLUNTEER_EMAIL)
    assert volunteer.status == "approved" and volunteer.availabilities.count() >= 2


def test_demo_password_comes_from_the_environment(clock, monkeypatch, client):
    monkeypatch.setenv("DEMO_PASSWORD", "yame-tea-2026")
    output = seed()
    assert DEFAULT_PASSWORD not in output
    assert client.login(email=COORDINATOR_EMAIL, password="yame-tea-2026")
    assert not client.login(email=COORDINATOR_EMAIL, password=DEFAULT_PASSWORD)


def test_no_volunteer_has_overlapping_active_lessons(yame):
    by_volunteer = defaultdict(list)
    for lesson in Lesson.objects.active().order_by("starts_at"):
        by_volunteer[lesson.volunteer_id].append(lesson)
    for lessons in by_volunteer.values():
        for earlier, later in zip(lessons, lessons[1:], strict=False):
            assert earlier.ends_at <= later.starts_at, (earlier.pk, later.pk)


def test_lessons_lie_inside_availability_windows_and_opening_hours(yame):
    windows = defaultdict(list)
    for window in Availability.objects.all():
        windows[(window.volunteer_id, window.venue_id, window.weekday)].append(window)
    for lesson in Lesson.objects.active().select_related("venue"):
        starts = lesson.starts_at.astimezone(yame[0].zone)
        ends = lesson.ends_at.astimezone(yame[0].zone)
        key = (lesson.volunteer_id, lesson.venue_id, starts.weekday())
        assert any(w.starts <= starts.time() and ends.time() <= w.ends for w in windows[key]), lesson.pk
        hours = lesson.venue.opening_hours.filter(weekday=starts.weekday())
        assert any(h.opens <= starts.time() and ends.time() <= h.closes for h in hours), lesson.pk


def test_learner_phones_are_e164_and_sms_goes_only_to_mobiles(yame):
    learners = list(Learner.objects.all())
    kinds = set()
    for learner in learners:
        parsed = parse_phone(learner.phone)
        assert parsed.e164 == learner.phone
        assert parsed.kind == learner.phone_kind
        kinds.add(learner.phone_kind)
        if learner.reminder_channel == "sms":
            assert learner.phone_kind == "mobile", learner.phone
        if learner.proxy_phone:
            assert parse_phone(learner.proxy_phone).e164 == learner.proxy_phone
    assert kinds == {"mobile", "landline"}
    assert any(learner.proxy_name for learner in learners)
    assert any(learner.needs_callback and not learner.name for learner in learners)
    assert sum(1 for learner in learners if learner.consent_at) >= 140
    # A couple sharing the house phone is two learners on one number.
    phones = [learner.phone for learner in learners]
    assert len(set(phones)) < len(phones)


def test_bookings_respect_seats_and_codes_are_unique_among_active(yame):
    for lesson in Lesson.objects.all():
        assert lesson.bookings.holding_seat().count() <= lesson.seats, lesson.pk
    active_codes = list(Booking.objects.active().values_list("code", flat=True))
    assert len(active_codes) == len(set(active_codes))
    assert all(len(code) == 6 and code.isdigit() for code in active_codes)


def test_scale_multiplies_volunteers_learners_and_lessons(clock):
    seed()
    lessons_at_one = Lesson.objects.count()
    output = seed("--scale", "2")
    assert Municipality.objects.filter(jis_code="402109").count() == 1
    assert Volunteer.objects.count() == 80
    assert Learner.objects.count() == 300
    assert 1.5 * lessons_at_one <= Lesson.objects.count() <= 2.5 * lessons_at_one
    assert "%" in output


def test_refuses_to_run_with_production_settings(clock):
    with override_settings(SETTINGS_MODULE="literacy.settings.production"), pytest.raises(CommandError):
        seed()
    assert not Municipality.objects.exists()
    assert not User.objects.exists()


def test_refuses_to_replace_a_city_it_did_not_make(clock):
    factories.MunicipalityFactory(jis_code="402109", name="八女市", slug="yame")
    with pytest.raises(CommandError):
        seed()
    assert Municipality.objects.get(jis_code="402109").volunteers.count() == 0
    seed("--reset")
    assert Municipality.objects.get(jis_code="402109").volunteers.count() == 40
