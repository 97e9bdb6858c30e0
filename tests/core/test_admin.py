"""The admin: every page answers, search finds what a coordinator types, lists stay cheap, cities stay apart."""

from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from literacy.accounts.models import User
from literacy.core.demo_seed import ADMIN_EMAIL, COORDINATOR_EMAIL
from literacy.core.phones import parse_phone
from literacy.people.admin import LearnerAdminForm
from literacy.people.models import Learner, Volunteer
from literacy.places.models import Municipality
from literacy.scheduling.admin import LessonAdmin
from literacy.scheduling.models import Booking, Lesson
from tests import factories
from tests.coverage.conftest import with_totp

pytestmark = pytest.mark.django_db

# Large enough for a list page with its filters, far below one query per row (50 rows a page).
MAX_CHANGELIST_QUERIES = 12


@pytest.fixture
def demo_city(clock):
    call_command("seed_demo", stdout=StringIO())


@pytest.fixture
def superuser_client(demo_city, client):
    client.force_login(with_two_factor(User.objects.get(email=ADMIN_EMAIL)))
    return client


def with_two_factor(user):
    """The admin lets no one in without two-factor authentication."""
    with_totp(user)
    return user


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def registered_models():
    return sorted(admin.site._registry, key=lambda model: model._meta.label)


def test_every_model_of_the_domain_is_registered():
    labels = {model._meta.label for model in admin.site._registry}
    expected = {
        "places.Municipality", "places.District", "places.Venue", "curriculum.Topic", "curriculum.Skill",
        "people.Learner", "people.Volunteer", "people.Availability", "people.AvailabilityException",
        "scheduling.HelpRequest", "scheduling.Offer", "scheduling.Lesson", "scheduling.Booking",
        "scheduling.LessonReport", "scheduling.LearnerProgress", "followups.FollowUp", "kiosk.KioskDevice",
        "accounts.User", "accounts.CoordinatorRole",
    }
    assert expected <= labels


def test_every_changelist_add_and_change_page_answers(superuser_client, rf):
    failures = []
    for model in registered_models():
        urls = [admin_url(model, "changelist")]
        request = rf.get("/")
        request.user = User.objects.get(email=ADMIN_EMAIL)
        # Some rows are only ever written by services (the outbox): those admins offer no "add".
        if admin.site._registry[model].has_add_permission(request):
            urls.append(admin_url(model, "add"))
        first = model._default_manager.order_by("pk").first()
        if first is not None:
            urls.append(admin_url(model, "change", first.pk))
        for url in urls:
            response = superuser_client.get(url)
            if response.status_code != 200:
                failures.append((url, response.status_code))
    assert failures == []


def test_search_answers_on_every_changelist(superuser_client):
    failures = []
    for model, model_admin in admin.site._registry.items():
        if model_admin.search_fields:
            response = superuser_client.get(admin_url(model, "changelist"), {"q": "八女"})
            if response.status_code != 200:
                failures.append((model._meta.label, response.status_code))
    assert failures == []


def test_search_finds_a_learner_by_the_number_as_people_write_it(superuser_client):
    learner = Learner.objects.filter(phone_kind="mobile").exclude(name="").order_by("pk").first()
    written = parse_phone(learner.phone).national  # e.g. 090-1234-5678
    response = superuser_client.get(admin_url(Learner, "changelist"), {"q": written})
    assert response.status_code == 200
    assert learner in response.context["cl"].result_list


def test_search_finds_a_booking_by_its_code_and_a_volunteer_by_kana(superuser_client):
    booking = Booking.objects.order_by("pk").first()
    response = superuser_client.get(admin_url(Booking, "changelist"), {"q": booking.code})
    assert list(response.context["cl"].result_list) == [booking]
    volunteer = Volunteer.objects.order_by("pk").first()
    response = superuser_client.get(admin_url(Volunteer, "changelist"), {"q": volunteer.name_kana})
    assert volunteer in response.context["cl"].result_list


def test_changelists_run_a_bounded_number_of_queries(superuser_client, django_assert_max_num_queries):
    for model in registered_models():
        url = admin_url(model, "changelist")
        with django_assert_max_num_queries(MAX_CHANGELIST_QUERIES, info=model._meta.label):
            response = superuser_client.get(url)
        assert response.status_code == 200


def test_a_coordinator_sees_only_their_own_city(demo_city, client):
    elsewhere = factories.LearnerFactory(name="久留米 太郎", phone="+819011112222")
    client.force_login(with_two_factor(User.objects.get(email=COORDINATOR_EMAIL)))
    response = client.get(admin_url(Learner, "changelist"))
    assert response.status_code == 200
    shown = list(response.context["cl"].queryset)
    assert elsewhere not in shown
    assert {learner.municipality.jis_code for learner in shown} == {"402109"}
    assert client.get(admin_url(Learner, "change", elsewhere.pk)).status_code != 200
    # No account administration for coordinators.
    assert client.get(admin_url(User, "changelist")).status_code == 403


def test_every_admin_of_a_citys_rows_is_scoped_to_the_coordinators_cities():
    from literacy.core.admin import MunicipalityScopedMixin, municipality_path

    unscoped = [model._meta.label for model, model_admin in admin.site._registry.items()
                if municipality_path(model) and not isinstance(model_admin, MunicipalityScopedMixin)]
    assert unscoped == []


def test_a_coordinator_sees_only_their_own_citys_messages_and_cannot_resend_them(demo_city, client):
    from literacy.notifications.models import InboundMessage, Message

    elsewhere = factories.MunicipalityFactory(jis_code="402036", name="久留米市", slug="kurume")
    text = Message.objects.create(municipality=elsewhere, channel="sms", kind="learner_confirmation",
                                  to="+819099990000", body="久留米 太郎様", send_after=timezone.now(),
                                  idempotency_key="elsewhere-1")
    reply = InboundMessage.objects.create(municipality=elsewhere, channel="sms", provider_id="SMelsewhere",
                                          from_number="+819099990000", body="はい")
    client.force_login(with_two_factor(User.objects.get(email=COORDINATOR_EMAIL)))
    for model, row in ((Message, text), (InboundMessage, reply)):
        listed = client.get(admin_url(model, "changelist"))
        assert listed.status_code == 200
        assert row not in listed.context["cl"].queryset
        assert {m.municipality.jis_code for m in listed.context["cl"].queryset} <= {"402109"}
        assert client.get(admin_url(model, "change", row.pk)).status_code != 200
    # Reading is all a coordinator's group allows here: no resend or cancel among the actions.
    assert client.get(admin_url(Message, "changelist")).context["action_form"] is None
    own = Message.objects.create(municipality=Municipality.objects.get(jis_code="402109"), channel="sms",
                                 kind="learner_confirmation", to="+819012345678", body="八女 花子様",
                                 send_after=timezone.now(), idempotency_key="own-1")
    client.post(admin_url(Message, "changelist"), {"action": "cancel", "_selected_action": [own.pk]})
    own.refresh_from_db()
    assert own.state != Message.State.CANCELLED


def test_learner_form_stores_e164_and_refuses_sms_for_a_landline(municipality):
    data = {
        "municipality": municipality.pk, "name": "八女 和子", "name_kana": "やめ かずこ", "phone": "0943-22-1234",
        "reminder_channel": "sms", "device": "unknown", "created_channel": "phone_desk",
    }
    form = LearnerAdminForm(data=data)
    assert not form.is_valid()
    assert "reminder_channel" in form.errors

    form = LearnerAdminForm(data={**data, "reminder_channel": "voice"})
    assert form.is_valid(), form.errors
    learner = form.save()
    assert learner.phone == "+81943221234" and learner.phone_kind == "landline"


def _admin_request(user=None):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().post("/")
    request.user = user or factories.UserFactory(is_staff=True, is_superuser=True)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def test_a_lessons_time_place_and_state_are_read_only_once_it_exists(clock):
    # Saving them here would tell neither the volunteer nor the learners.
    lesson_admin = LessonAdmin(Lesson, admin.site)
    request = _admin_request()
    assert {"starts_at", "ends_at", "venue", "volunteer", "state"} <= set(
        lesson_admin.get_readonly_fields(request, factories.LessonFactory()))
    assert "starts_at" not in lesson_admin.get_readonly_fields(request, None)


def test_a_lesson_added_in_the_admin_invites_its_volunteer_and_never_overlaps(clock):
    from literacy.notifications.models import Message
    from literacy.scheduling.admin import LessonAdminForm

    first = factories.LessonFactory()
    data = {"municipality": first.municipality_id, "volunteer": first.volunteer_id, "venue": first.venue_id,
            "topic": first.topic_id, "format": "group", "seats": 8, "state": "scheduled", "sequence": 0,
            "starts_at": first.starts_at + timezone.timedelta(minutes=30),
            "ends_at": first.ends_at + timezone.timedelta(minutes=30)}
    overlapping = LessonAdminForm(data=data)
    assert not overlapping.is_valid()
    assert "この時間に対応できるボランティアがいません。" in str(overlapping.errors)

    later = {**data, "starts_at": first.starts_at + timezone.timedelta(days=1),
             "ends_at": first.ends_at + timezone.timedelta(days=1)}
    form = LessonAdminForm(data=later)
    assert form.is_valid(), form.errors
    lesson = form.save(commit=False)
    LessonAdmin(Lesson, admin.site).save_model(_admin_request(), lesson, form, change=False)
    assert lesson.pk and lesson.format == "group"
    assert Message.objects.filter(lesson=lesson, kind=Message.Kind.VOLUNTEER_INVITE).exists()


def test_cancelling_lessons_from_the_admin_tells_everyone(clock):
    from literacy.notifications.models import Message

    booking = factories.BookingFactory()
    lesson = booking.lesson
    LessonAdmin(Lesson, admin.site).cancel_and_tell(_admin_request(), Lesson.objects.filter(pk=lesson.pk))
    lesson.refresh_from_db()
    assert lesson.state == Lesson.State.CANCELLED and lesson.cancel_reason == "市の担当者が中止しました"
    kinds = set(Message.objects.filter(lesson=lesson).values_list("kind", flat=True))
    assert {Message.Kind.VOLUNTEER_INVITE_CANCEL, Message.Kind.VOLUNTEER_CANCELLED} <= kinds
    # The learner goes back to waiting for another volunteer, and is told so.
    booking.refresh_from_db()
    assert booking.state == Booking.State.PENDING
