"""Controls a browser attacker meets: escaping of names, CSRF, login limits, one login for all."""

import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from literacy.people.models import Learner
from literacy.scheduling.models import Booking
from tests import factories
from tests.coverage.conftest import with_totp

SCRIPT = "<script>alert(1)</script>"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def superuser(db):
    user = factories.UserFactory(is_staff=True, is_superuser=True, email="root@example.jp")
    with_totp(user)  # the admin lets no one in without two-factor authentication
    return user


@pytest.fixture
def hostile_learner(municipality, clock):
    learner = factories.LearnerFactory(municipality=municipality, name=f"山田 {SCRIPT}", name_kana=SCRIPT,
                                       notes=SCRIPT, proxy_name=SCRIPT)
    factories.BookingFactory(lesson=factories.LessonFactory(municipality=municipality), learner=learner)
    return learner


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("page", ["learner_list", "learner_change", "booking_list"])
def test_a_name_with_a_script_renders_escaped_in_the_admin(client, superuser, hostile_learner, page):
    client.force_login(superuser)
    url = {
        "learner_list": admin_url(Learner, "changelist"),
        "learner_change": admin_url(Learner, "change", hostile_learner.pk),
        "booking_list": admin_url(Booking, "changelist") + "?q=" + hostile_learner.phone,
    }[page]
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_home_page_escapes_and_sends_a_csp_without_inline_script(client, db):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src" in csp or "default-src" in csp
    assert "'unsafe-inline'" not in re.search(r"script-src[^;]*|default-src[^;]*", csp).group(0)


def test_project_code_never_marks_user_data_safe():
    """Autoescaping is the XSS control: templates never switch it off, and Python marks a string
    safe only on a line that says why (`# noqa: S308 — …`, a reviewed exception) or for ""."""
    offenders = []
    for path in [*ROOT.glob("literacy/**/*.py"), *ROOT.glob("api/**/*.py"), *ROOT.glob("templates/**/*.html"),
                 *ROOT.glob("literacy/**/templates/**/*.html")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "|safe" in line or "autoescape off" in line or ("mark_safe(" in line or "SafeString(" in line) and not (
                re.search(r"noqa: S308\W+\w+", line) or 'mark_safe("")' in line or "import" in line
            ):
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_a_post_without_the_csrf_token_is_refused(db):
    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert refused.status_code == 403
    browser.get(reverse("account_login"))
    token = browser.cookies[settings.CSRF_COOKIE_NAME].value
    accepted = browser.post(reverse("set_language"), {"language": "en", "next": "/", "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302


def test_the_login_form_demands_the_csrf_token(db):
    factories.UserFactory(email="coord@example.jp")
    response = Client(enforce_csrf_checks=True).post(
        reverse("account_login"), {"login": "coord@example.jp", "password": "pass-word-123"},
    )
    assert response.status_code == 403
    assert "_auth_user_id" not in Client().session


def test_repeated_failed_logins_lock_the_account_out_even_with_the_right_password(client, db, settings):
    settings.ACCOUNT_EMAIL_VERIFICATION = "none"
    factories.UserFactory(email="coord@example.jp")
    # The right password works at first: what follows is the limit, not a broken login.
    other = Client()
    other.post(reverse("account_login"), {"login": "coord@example.jp", "password": "pass-word-123"})
    assert "_auth_user_id" in other.session
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "coord@example.jp", "password": "guess"})
    response = client.post(reverse("account_login"), {"login": "coord@example.jp", "password": "pass-word-123"})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_staff_without_two_factor_are_sent_to_set_it_up_and_see_no_admin_page(client, db, hostile_learner):
    """A stolen staff password alone opens nothing: every admin page sends them to two-factor set-up."""
    staff = factories.UserFactory(is_staff=True, is_superuser=True, email="nofactor@example.jp")
    client.force_login(staff)
    for url in (reverse("admin:index"), reverse("admin:people_learner_changelist"),
                reverse("admin:people_learner_change", args=[hostile_learner.pk])):
        response = client.get(url, follow=True)
        # (allauth asks for the password again first when the sign-in was not just now)
        assert reverse("mfa_activate_totp") in unquote(response.redirect_chain[-1][0]), url
        assert hostile_learner.phone not in response.content.decode()
    with_totp(staff)
    assert client.get(reverse("admin:people_learner_changelist")).status_code == 200


def test_the_admin_has_no_password_form_of_its_own(client, db):
    """A stolen coordinator password meets allauth's limits and its two-factor step, not a side door."""
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    factories.UserFactory(email="staff@example.jp", is_staff=True)
    posted = client.post(reverse("admin:login"), {"username": "staff@example.jp", "password": "pass-word-123"})
    assert posted.status_code == 302 and "_auth_user_id" not in client.session


def test_behind_the_proxy_login_limits_count_by_the_address_nginx_saw(db, settings):
    """allauth's own reading takes the first X-Forwarded-For entry, which the client writes: a
    guesser could then start afresh with every attempt. The app's adapter reads the last."""
    from allauth.account.adapter import get_adapter
    from django.test import RequestFactory

    settings.TRUSTED_PROXY_COUNT = 1
    request = RequestFactory().post("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="10.1.2.3, 203.0.113.66")
    assert get_adapter(request).get_client_ip(request) == "203.0.113.66"
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().post("/", REMOTE_ADDR="192.0.2.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert get_adapter(request).get_client_ip(request) == "192.0.2.1"
