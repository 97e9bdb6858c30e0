"""The coordinator pages: access (login, role, MFA), scoping, CSVs and the audit trail."""

import csv
import io

import pytest
from django.urls import reverse

from literacy.coverage.models import AuditEvent
from literacy.followups.models import FollowUp
from literacy.notifications.models import Message
from tests import factories

from .conftest import with_totp

PAGES = [
    "coverage:queue", "coverage:coverage", "coverage:monthly", "coverage:volunteers", "coverage:outbox",
    "coverage:places", "coverage:audit",
]
NOVEMBER = {"start": "2026-11-01", "end": "2026-11-30"}


@pytest.fixture
def case(world):
    return FollowUp.objects.create(
        municipality=world.m, kind=FollowUp.Kind.UNMATCHED_REQUEST, help_request=world.h4, learner=world.s,
        opened_at=world.at(11, 7),
    )


@pytest.fixture
def other_case(world):
    return FollowUp.objects.create(
        municipality=world.other, kind=FollowUp.Kind.UNMATCHED_REQUEST, help_request=world.other_request,
        learner=world.other_learner, opened_at=world.at(11, 13),
    )


def read_csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_sent_to_login(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_volunteer_is_not_a_coordinator(client, volunteer):
    client.force_login(volunteer.user)
    assert client.get(reverse("coverage:queue")).status_code == 404


@pytest.mark.parametrize("name", PAGES)
def test_mfa_is_required_before_any_page(client, coordinator, name):
    client.force_login(coordinator)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_mfa_required_before_personal_data(client, coordinator, case):
    client.force_login(coordinator)
    response = client.get(reverse("coverage:case", args=[case.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    assert "上陽 ふゆ" not in response.content.decode()
    assert not AuditEvent.objects.exists()
    with_totp(coordinator)
    response = client.get(reverse("coverage:case", args=[case.pk]))
    assert response.status_code == 200 and "上陽 ふゆ" in response.content.decode()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_renders(coordinator_client, world, name):
    response = coordinator_client.get(reverse(name), NOVEMBER if name == "coverage:coverage" else {})
    assert response.status_code == 200


def test_queue_lists_cases_with_age_and_applicants(coordinator_client, world, case, other_case):
    body = coordinator_client.get(reverse("coverage:queue")).content.decode()
    assert "上陽 ふゆ" in body  # the learner of the case
    assert "4週間" in body or "4 週間" in body  # opened Nov 7, the clock stands at Dec 7
    assert world.v3.name in body  # the applicant waiting for approval
    assert "筑後 よそ" not in body  # another city's case


def test_other_municipality_is_404(coordinator_client, world, other_case):
    assert coordinator_client.get(reverse("coverage:case", args=[other_case.pk])).status_code == 404
    assert coordinator_client.get(reverse("coverage:learner", args=[world.other_learner.pk])).status_code == 404
    for name in ("coverage:case_call", "coverage:case_close", "coverage:case_assign"):
        assert coordinator_client.post(reverse(name, args=[other_case.pk]), {"outcome": "reached"}).status_code == 404
    other_volunteer = factories.VolunteerFactory(municipality=world.other)
    response = coordinator_client.post(reverse("coverage:volunteer_status", args=[other_volunteer.pk]),
                                       {"status": "retired"})
    assert response.status_code == 404
    other_message = Message.objects.create(
        municipality=world.other, channel="sms", kind="reminder", to="+819012345678", body="x",
        send_after=world.at(11, 1), state=Message.State.FAILED, idempotency_key="other-1",
    )
    assert coordinator_client.post(reverse("coverage:outbox_resend", args=[other_message.pk])).status_code == 404
    assert not AuditEvent.objects.filter(object_id=str(world.other_learner.pk)).exists()


def test_switching_to_a_municipality_one_does_not_coordinate_falls_back(coordinator_client, world):
    response = coordinator_client.get(reverse("coverage:coverage"), {**NOVEMBER, "m": world.other.jis_code})
    assert response.status_code == 200
    assert response.context["period"].municipality == world.m


def test_viewing_a_learner_is_audited(coordinator_client, world, case, mfa_coordinator):
    coordinator_client.get(reverse("coverage:case", args=[case.pk]), REMOTE_ADDR="192.0.2.7")
    coordinator_client.get(reverse("coverage:learner", args=[world.p.pk]))
    events = list(AuditEvent.objects.order_by("id"))
    assert [(e.action, e.object_type, e.object_id) for e in events] == [
        ("view", "learner", str(world.s.pk)), ("view", "learner", str(world.p.pk)),
    ]
    assert events[0].actor == mfa_coordinator and events[0].ip == "192.0.2.7"
    assert events[0].municipality == world.m
    body = coordinator_client.get(reverse("coverage:audit")).content.decode()
    assert mfa_coordinator.email in body and f"learner #{world.s.pk}" in body


@pytest.mark.parametrize("slug", ["districts", "topics", "volunteers", "load", "skills", "outcomes", "months"])
def test_every_table_downloads_as_csv_and_is_audited(coordinator_client, world, slug):
    response = coordinator_client.get(reverse("coverage:coverage_csv", args=[slug]), NOVEMBER)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"oshieai-402109-{slug}-20261101-20261130.csv" in response["Content-Disposition"]
    rows = read_csv(response)
    assert len(rows) >= 2
    assert "筑後" not in response.content.decode()
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id) == ("export", "coverage_table", slug)


def test_district_csv_has_the_hand_counted_numbers(coordinator_client, world):
    rows = read_csv(coordinator_client.get(reverse("coverage:coverage_csv", args=["districts"]), NOVEMBER))
    header, *body = rows
    assert header[0] == "地区" and header[6] == "確定の割合 (%)"
    by_name = {row[0]: row for row in body}
    assert by_name["旧八女市"] == ["旧八女市", "12000", "2", "0.167", "3", "2", "66.7", "2.0", "2", "20.0", "16.7"]
    assert by_name["星野"] == ["星野", "500", "0", "0.0", "0", "0", "", "", "0", "", ""]


def test_volunteer_csv_contains_only_this_city(coordinator_client, world):
    rows = read_csv(coordinator_client.get(reverse("coverage:coverage_csv", args=["volunteers"]), NOVEMBER))
    names = {row[0] for row in rows[1:]}
    assert names == {world.v1.name, world.v2.name, world.v4.name}


def test_the_other_coordinator_sees_only_their_city(client, world):
    with_totp(world.other_coordinator)
    client.force_login(world.other_coordinator)
    rows = read_csv(client.get(reverse("coverage:coverage_csv", args=["months"]), NOVEMBER))
    assert rows[1][:3] == ["2026-11", "1", "1"]  # their one lesson, at one venue
    body = client.get(reverse("coverage:coverage"), NOVEMBER).content.decode()
    assert "旧八女市" not in body


def test_monthly_report_in_the_national_shape(coordinator_client, world):
    response = coordinator_client.get(reverse("coverage:monthly"), {"month": "2026-11"})
    assert response.status_code == 200
    rows = read_csv(coordinator_client.get(reverse("coverage:monthly_csv"), {"month": "2026-11"}))
    assert rows[0] == ["月", "実施会場数", "実施回数", "活動したボランティア", "参加者（実人数）", "参加者（延べ）", "初めての参加者"]
    assert rows[1] == ["2026-11", "2", "3", "2", "3", "5", "2"]
    assert AuditEvent.objects.get().object_type == "monthly_report"


def test_monthly_report_defaults_to_the_last_full_month(coordinator_client, world):
    assert coordinator_client.get(reverse("coverage:monthly")).context["month"].isoformat() == "2026-11-01"


def test_bad_period_is_a_400_for_csv_and_a_message_on_the_page(coordinator_client, world):
    bad = {"start": "2026-11-30", "end": "2026-11-01"}
    assert coordinator_client.get(reverse("coverage:coverage_csv", args=["districts"]), bad).status_code == 400
    response = coordinator_client.get(reverse("coverage:coverage"), bad)
    assert response.status_code == 200 and response.context["tables"] == []
    assert coordinator_client.get("/city/coverage/nonsense.csv").status_code == 404


def test_coverage_page_has_tables_and_svg_charts_without_scripts(coordinator_client, world):
    body = coordinator_client.get(reverse("coverage:coverage"), NOVEMBER).content.decode()
    assert body.count("<table") == 7
    assert body.count('<svg aria-hidden="true"') == 5
    assert "<script" not in body
    assert "66.7%" in body  # share matched in 旧八女市


def test_coverage_for_one_district(coordinator_client, world):
    response = coordinator_client.get(reverse("coverage:coverage"), {**NOVEMBER, "district": world.district_b.pk})
    districts = response.context["tables"][0]
    assert [r.name for r in districts.rows] == ["上陽"]


def test_dashboard_query_counts_are_pinned(coordinator_client, world, case, django_assert_max_num_queries):
    # Add more of everything: the number of queries must not grow with the rows.
    for i in range(5):
        factories.DistrictFactory(municipality=world.m, name=f"追加{i}")
        factories.TopicFactory(municipality=world.m)
        v = factories.VolunteerFactory(municipality=world.m)
        v.districts.add(world.district_a)
    with django_assert_max_num_queries(30):
        coordinator_client.get(reverse("coverage:coverage"), NOVEMBER)
    with django_assert_max_num_queries(14):
        coordinator_client.get(reverse("coverage:queue"))
    with django_assert_max_num_queries(12):
        coordinator_client.get(reverse("coverage:volunteers"))
    with django_assert_max_num_queries(10):
        coordinator_client.get(reverse("coverage:monthly"), {"month": "2026-11"})
    with django_assert_max_num_queries(12):
        coordinator_client.get(reverse("coverage:outbox"))
    with django_assert_max_num_queries(8):
        coordinator_client.get(reverse("coverage:audit"))
    with django_assert_max_num_queries(20):
        coordinator_client.get(reverse("coverage:case", args=[case.pk]))


def test_pages_read_in_english(coordinator_client, world, case):
    coordinator_client.post(reverse("set_language"), {"language": "en", "next": "/city/"})
    body = coordinator_client.get(reverse("coverage:queue")).content.decode()
    assert "Waiting cases" in body and "Volunteers waiting for approval" in body
    body = coordinator_client.get(reverse("coverage:coverage"), NOVEMBER).content.decode()
    assert "By district" in body and "Share matched" in body
    rows = read_csv(coordinator_client.get(reverse("coverage:coverage_csv", args=["districts"]), NOVEMBER))
    assert rows[0][:2] == ["District", "Senior population"]
