"""Choosing the language: the header's switcher (POST /language/), the
choice remembered for the user across logins and browsers, Accept-Language
on the login page, and dates and numbers in the chosen locale."""
import re
from datetime import datetime, timezone as dt_timezone

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse


from cloudadmin.models import Event, UserPreference

pytestmark = pytest.mark.django_db

SWITCH = reverse("set_language")


def test_english_is_the_default(client, admin_user):
    body = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in body and ">Username</label>" in body
    client.force_login(admin_user)
    response = client.get(reverse("dashboard"))
    assert response["Content-Language"] == "en" and ">Infrastructure</span>" in response.content.decode()


@pytest.mark.parametrize("header,label", [("ja", "ユーザー名"), ("ja-JP,ja;q=0.9,en;q=0.8", "ユーザー名"),
                                          ("en-US,en;q=0.9", "Username"), ("fr", "Username")])
def test_login_page_follows_accept_language(client, header, label):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=header)
    assert f">{label}</label>" in response.content.decode()
    assert "Accept-Language" in response["Vary"]


def test_switcher_is_a_csrf_form_in_the_header(admin_client):
    body = admin_client.get(reverse("events")).content.decode()
    switcher = re.search(r'<form method="post" action="/language/".*?</form>', body, re.S).group(0)
    assert 'name="csrfmiddlewaretoken"' in switcher
    assert 'name="next" value="/events/"' in switcher
    assert 'value="ja"' in switcher and "日本語" in switcher and 'value="en"' in switcher
    assert 'aria-pressed="true"' in switcher.split('value="en"')[1].split("</button>")[0]


def test_choosing_japanese_is_remembered_for_the_user(admin_client, admin_user):
    response = admin_client.post(SWITCH, {"language": "ja", "next": "/events/"})
    assert response.status_code == 302 and response.url == "/events/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    assert UserPreference.objects.get(user=admin_user).language == "ja"
    event = Event.objects.get(action="user.language")
    assert (event.user, event.outcome, event.detail) == (admin_user, "success", "- → ja")
    # The user's choice wins over the browser's.
    response = admin_client.get(reverse("events"), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "ja"
    body = response.content.decode()
    assert '<html lang="ja">' in body and "イベント" in body and "言語の変更" in body
    # Choosing it again changes nothing and records nothing.
    admin_client.post(SWITCH, {"language": "ja"})
    assert Event.objects.filter(action="user.language").count() == 1
    admin_client.post(SWITCH, {"language": "en"})
    assert UserPreference.objects.get(user=admin_user).language == "en"
    assert ">Events</a>" in admin_client.get(reverse("events")).content.decode()


def test_the_choice_follows_the_user_to_another_browser(admin_client, admin_user, admin_password):
    admin_client.post(SWITCH, {"language": "ja"})
    other = Client()  # no cookie, an English browser
    response = other.post(reverse("login"), {"username": "admin", "password": admin_password},
                          HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    response = other.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Language"] == "ja" and "ダッシュボード" in response.content.decode()
    # That browser now remembers it too: its login page after logout is Japanese.
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ja"
    other.post(reverse("logout"))
    assert ">ユーザー名</label>" in other.get(reverse("login")).content.decode()


def test_unknown_language_is_refused_and_nothing_is_written(admin_client):
    for language in ("xx", "", "ja-evil"):
        response = admin_client.post(SWITCH, {"language": language})
        assert response.status_code == 400
    assert not UserPreference.objects.exists() and not Event.objects.filter(action="user.language").exists()


def test_next_must_be_this_site(admin_client):
    for following in ("https://evil.example/", "//evil.example/x", "javascript:alert(1)"):
        response = admin_client.post(SWITCH, {"language": "ja", "next": following})
        assert response.status_code == 302 and response.url == reverse("dashboard")


def test_get_does_not_switch(admin_client):
    assert admin_client.get(SWITCH, {"language": "ja"}).status_code == 405
    assert not UserPreference.objects.exists()


def test_dates_follow_the_locale(admin_client, admin_user):
    Event.objects.create(user=admin_user, username="admin", action="auth.login")
    Event.objects.update(created=datetime(2026, 3, 4, 5, 6, 7, tzinfo=dt_timezone.utc))
    assert "2026-03-04 05:06:07" in admin_client.get(reverse("events")).content.decode()
    admin_client.post(SWITCH, {"language": "ja"})
    body = admin_client.get(reverse("events")).content.decode()
    assert "2026年3月4日 05:06:07" in body and "ログオン" in body
