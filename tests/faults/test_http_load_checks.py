"""The load driver's checks (bench/http_load.py) must catch what they exist for: a 5xx, an answer
in the wrong shape, two winners of one time, a class booked past its seats, a key booked twice.

Answers are made up here (no server): each test spoils one thing and expects exactly that check
to fail, so the stress test over HTTP cannot pass by checking nothing."""

import pytest

from bench.http_load import LoadResult, Outcome, check_outcomes, prepare_world
from literacy.scheduling.models import Booking, Lesson
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(municipality):
    # 4 kiosks: 2 race for one instant time and one class; 2 book their own 2 times each.
    return prepare_world(municipality=municipality, clients=4, per_client=2)


def lost(attempt, code="slot_taken"):
    return Outcome(attempt, 409, {"error": {"code": code, "message": "申し訳ありません。"}}, 1.0)


def won(attempt, code):
    return Outcome(attempt, 201, {"code": code, "status": "booked"}, 1.0)


def failing(world, outcomes) -> set[str]:
    return {check.name for check in check_outcomes(world, LoadResult(outcomes, 1.0)).failures()}


def attempts(world, kind):
    return [a for plan in world.plan for a in plan if a.kind == kind]


def test_the_plan_races_half_the_kiosks_and_double_clicks_some(world):
    racing = attempts(world, "instant") + attempts(world, "class")
    assert {a.client for a in racing} == {0, 1}
    assert {a.target for a in attempts(world, "instant")} == {"instant0"}
    assert len({a.target for a in attempts(world, "distinct")}) == 4
    assert [a.client for a in attempts(world, "distinct") if a.double_click] == [2]


def test_a_time_nobody_won_fails(world):
    outcomes = [lost(a) for a in attempts(world, "instant")]
    assert "each contested time has exactly its winners" in failing(world, outcomes)


def test_a_5xx_and_a_missing_answer_fail(world):
    first, second = attempts(world, "instant")
    outcomes = [Outcome(first, 500, "<h1>Server Error</h1>", 1.0), Outcome(second, None, "ConnectionResetError", 1.0)]
    assert "no 5xx and no request without an answer" in failing(world, outcomes)


def test_a_409_in_another_shape_fails(world):
    first, second = attempts(world, "instant")
    outcomes = [lost(first), Outcome(second, 409, {"detail": "taken"}, 1.0)]
    assert "every loser got the documented 409 error shape" in failing(world, outcomes)
    assert "every loser got the documented 409 error shape" not in failing(world, [lost(first), lost(second)])


def test_a_400_or_429_is_not_an_acceptable_answer(world):
    first, _second = attempts(world, "instant")
    outcomes = [Outcome(first, 429, {"error": {"code": "throttled", "message": "…"}}, 1.0)]
    assert "every answer is a booking (200/201) or a 409" in failing(world, outcomes)


def test_two_winners_of_one_time_fail(world):
    first, second = attempts(world, "instant")
    assert "each contested time has exactly its winners" in failing(world, [won(first, "111111"),
                                                                            won(second, "222222")])


def test_a_class_booked_past_its_seats_fails(world, municipality):
    lesson = Lesson.objects.get(pk=world.class_contests["class0"][0])
    for _ in range(3):  # two seats were left: one too many
        factories.BookingFactory(lesson=lesson, learner=factories.LearnerFactory(municipality=municipality))
    assert "no lesson has more bookings than seats" in failing(world, [])


def test_a_double_click_answered_with_two_bookings_fails(world):
    click = next(a for a in attempts(world, "distinct") if a.double_click)
    outcomes = [won(click, "333333"), won(click, "444444")]
    assert "each idempotency key produced at most one booking" in failing(world, outcomes)


def test_an_uncontested_time_refused_fails(world):
    mine = attempts(world, "distinct")[0]
    assert "every uncontested time was booked" in failing(world, [lost(mine)])


def test_answered_codes_must_match_the_database(world):
    assert Booking.objects.filter(idempotency_key__isnull=False).count() == 0
    mine = attempts(world, "distinct")[1]
    assert "each idempotency key produced at most one booking" in failing(world, [won(mine, "555555")])
