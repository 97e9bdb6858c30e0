"""Accounts with allauth in the site's frame: sign-up, email verification, login, logout,
password reset — in Japanese by default and in English."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from literacy.accounts.models import User


def follow_link(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/\S+)", body).group(1)


def test_signup_verify_and_land_on_the_volunteer_form(client, municipality):
    page = client.get(reverse("account_signup")).content.decode()
    assert "ボランティア登録" in page and 'class="site-header"' in page and 'lang="ja"' in page
    response = client.post(reverse("account_signup"), {"email": "Hanako@Example.jp", "password1": "kyou-mo-genki-42",
                                                       "password2": "kyou-mo-genki-42"})
    assert response.status_code == 302
    assert "メールを確認してください" in client.get(response.url).content.decode()
    user = User.objects.get(email="hanako@example.jp")
    assert not user.emailaddress_set.get().verified
    confirm_path = follow_link(mail.outbox[0].body)
    assert "メールアドレスの確認" in client.get(confirm_path).content.decode()
    response = client.post(confirm_path)
    assert user.emailaddress_set.get().verified
    assert client.get(response.url, follow=True).redirect_chain[-1][0] == reverse("portal:apply")


def test_login_is_refused_until_the_email_is_verified(client, db):
    client.post(reverse("account_signup"), {"email": "taro@example.jp", "password1": "kyou-mo-genki-42",
                                            "password2": "kyou-mo-genki-42"})
    client.logout()
    response = client.post(reverse("account_login"), {"login": "taro@example.jp", "password": "kyou-mo-genki-42"})
    assert response.status_code == 302 and response.url == reverse("account_email_verification_sent")
    assert client.get(reverse("portal:home")).status_code == 302  # still not logged in


def test_login_and_logout(client, volunteer):
    volunteer.user.emailaddress_set.create(email=volunteer.user.email, verified=True, primary=True)
    page = client.get(reverse("account_login")).content.decode()
    assert "ログイン" in page and "パスワードを忘れた方" in page
    response = client.post(reverse("account_login"), {"login": volunteer.user.email, "password": "pass-word-123"})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200
    assert "ログアウトしますか" in client.get(reverse("account_logout")).content.decode()
    client.post(reverse("account_logout"))
    assert client.get(reverse("portal:home")).status_code == 302


def test_wrong_password_is_refused(client, volunteer):
    volunteer.user.emailaddress_set.create(email=volunteer.user.email, verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": volunteer.user.email, "password": "nope"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_password_reset(client, volunteer):
    volunteer.user.emailaddress_set.create(email=volunteer.user.email, verified=True, primary=True)
    assert "パスワードの再設定" in client.get(reverse("account_reset_password")).content.decode()
    response = client.post(reverse("account_reset_password"), {"email": volunteer.user.email})
    assert response.status_code == 302
    assert "メールをお送りしました" in client.get(response.url).content.decode()
    key_path = follow_link(mail.outbox[-1].body)
    form_path = client.get(key_path).url  # allauth moves the key into the session first
    assert "新しいパスワード" in client.get(form_path).content.decode()
    response = client.post(form_path, {"password1": "atarashii-pass-77", "password2": "atarashii-pass-77"})
    assert response.status_code == 302
    volunteer.user.refresh_from_db()
    assert volunteer.user.check_password("atarashii-pass-77")
    bad = client.get(reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "bad-key"}))
    assert "リンクが使えません" in bad.content.decode()


@pytest.mark.parametrize("name", ["account_login", "account_signup", "account_reset_password"])
def test_account_pages_in_english(client, db, name):
    client.post(reverse("set_language"), {"language": "en"})
    page = client.get(reverse(name)).content.decode()
    assert 'lang="en"' in page
    assert {"account_login": "Log in", "account_signup": "Volunteer sign-up",
            "account_reset_password": "Reset your password"}[name] in page


def test_mfa_pages_use_the_site_frame(client, volunteer):
    volunteer.user.emailaddress_set.create(email=volunteer.user.email, verified=True, primary=True)
    client.force_login(volunteer.user)
    page = client.get(reverse("mfa_index")).content.decode()
    assert 'class="site-header"' in page and "portal.css" in page
