"""manage.py create_coordinator: the first coordinator (and municipality) of a new installation."""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import CommandError, call_command

from literacy.accounts.models import CoordinatorRole, User
from literacy.places.models import Municipality
from tests import factories


def create(*args):
    out = io.StringIO()
    call_command("create_coordinator", *args, stdout=out)
    return out.getvalue()


def test_creates_the_municipality_and_its_first_coordinator(db, monkeypatch):
    monkeypatch.setenv("COORDINATOR_PASSWORD", "a-long-pass-phrase-2026")
    output = create("--email", "Tanaka@City.Yame.lg.jp", "--municipality", "402109",
                    "--municipality-name", "八女市", "--password-from-env")
    assert "Created municipality 402109 八女市." in output and "two-factor" in output
    user = User.objects.get(email="tanaka@city.yame.lg.jp")
    assert user.check_password("a-long-pass-phrase-2026")
    assert CoordinatorRole.objects.get(user=user).municipality == Municipality.objects.get(jis_code="402109")
    assert EmailAddress.objects.get(user=user).verified


def test_a_named_variable_and_an_existing_account(municipality, monkeypatch):
    existing = factories.UserFactory(email="vol@example.jp")
    monkeypatch.setenv("FIRST_PASSWORD", "another-long-pass-2026")
    output = create("--email", "vol@example.jp", "--municipality", municipality.jis_code,
                    "--password-from-env", "FIRST_PASSWORD")
    assert output.startswith("Updated coordinator vol@example.jp")
    existing.refresh_from_db()
    assert existing.is_coordinator and existing.check_password("another-long-pass-2026")
    create("--email", "vol@example.jp", "--municipality", municipality.jis_code, "--password-from-env", "FIRST_PASSWORD")
    assert CoordinatorRole.objects.filter(user=existing).count() == 1  # running it twice is harmless


def test_refuses_a_weak_password(municipality, monkeypatch):
    monkeypatch.setenv("COORDINATOR_PASSWORD", "12345678")
    with pytest.raises(CommandError, match="一般的すぎます|too common"):
        create("--email", "c@example.jp", "--municipality", municipality.jis_code, "--password-from-env")
    assert not User.objects.filter(email="c@example.jp").exists()


def test_unknown_municipality_says_how_to_create_it(db, monkeypatch):
    monkeypatch.setenv("COORDINATOR_PASSWORD", "a-long-pass-phrase-2026")
    with pytest.raises(CommandError, match="--municipality-name"):
        create("--email", "c@example.jp", "--municipality", "131016", "--password-from-env")


def test_prompts_for_the_password(municipality, monkeypatch):
    answers = iter(["typed-long-pass-2026", "typed-long-pass-2026"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    monkeypatch.setattr("literacy.core.management.commands.create_coordinator.Command.stdin_is_interactive",
                        staticmethod(lambda: True))
    create("--email", "typed@example.jp", "--municipality", municipality.jis_code)
    assert User.objects.get(email="typed@example.jp").check_password("typed-long-pass-2026")


def test_without_a_terminal_or_variable_it_refuses(municipality, monkeypatch):
    monkeypatch.setattr("literacy.core.management.commands.create_coordinator.Command.stdin_is_interactive",
                        staticmethod(lambda: False))
    with pytest.raises(CommandError, match="--password-from-env"):
        create("--email", "x@example.jp", "--municipality", municipality.jis_code)
