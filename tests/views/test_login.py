import pytest
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event

pytestmark = pytest.mark.django_db


def test_login_page_is_public(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_login_success_records_event(client, admin_user, admin_password):
    response = client.post(reverse("login"), {"username": "admin", "password": admin_password})
    assert response.status_code == 302 and response.url == reverse("dashboard")
    assert Event.objects.filter(action="auth.login", outcome="success", username="admin").exists()


@pytest.mark.parametrize("username", ["admin", "nobody"])
def test_wrong_credentials_get_clear_message_and_failure_event(client, admin_user, username):
    response = client.post(reverse("login"), {"username": username, "password": "wrong"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content
    event = Event.objects.get(action="auth.login", outcome="failure")
    assert event.username == username
    assert "wrong" not in event.detail.replace("wrong username or password", "")


def test_empty_form_is_a_clear_error_not_a_crash(client):
    response = client.post(reverse("login"), {})
    assert response.status_code == 200
    assert b"Please enter a username and a password." in response.content or b"required" in response.content


def test_logout_requires_post(admin_client):
    assert admin_client.get(reverse("logout")).status_code == 405
    response = admin_client.post(reverse("logout"))
    assert response.status_code == 302
    assert admin_client.get(reverse("dashboard")).status_code == 302


def _fail(client, username="admin", times=1):
    for _ in range(times):
        response = client.post(reverse("login"), {"username": username, "password": "wrong"})
    return response


def test_repeated_failures_lock_the_user_out_with_a_clear_page(client, admin_user, admin_password, settings):
    limit = settings.AXES_FAILURE_LIMIT
    assert _fail(client, times=limit - 1).status_code == 200
    assert not Event.objects.filter(action="auth.lockout").exists()

    response = _fail(client)  # the limit-th failure locks out
    assert response.status_code == 429
    assert b"Too many failed logins" in response.content
    assert b"15 minutes" in response.content
    assert b'name="password"' in response.content  # still the login page, not an error page
    lockout = Event.objects.get(action="auth.lockout")
    assert lockout.outcome == "failure" and lockout.username == "admin"
    assert lockout.target == "127.0.0.1"

    # Even the right password is refused during the cool-off, without a new lockout event.
    response = client.post(reverse("login"), {"username": "admin", "password": admin_password})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert Event.objects.filter(action="auth.lockout").count() == 1
    refused = Event.objects.filter(action="auth.login", outcome="failure").first()
    assert english(refused.detail) == "refused: locked out after too many failed logins"
    assert [english(e.detail) for e in Event.objects.filter(action="auth.login", outcome="failure")].count(
        "wrong username or password") == limit


def test_lockout_is_per_username_and_address(client, admin_user, admin_password, settings, django_user_model):
    from django.test import Client

    django_user_model.objects.create_superuser("other", "", "another-long-password")
    _fail(client, times=settings.AXES_FAILURE_LIMIT)
    assert _fail(client).status_code == 429
    # Another address may still log in as admin: an attacker cannot lock the admin out everywhere.
    elsewhere = Client(REMOTE_ADDR="192.0.2.7").post(
        reverse("login"), {"username": "admin", "password": admin_password})
    assert elsewhere.status_code == 302
    # Another user from the locked-out address may too.
    response = client.post(reverse("login"), {"username": "other", "password": "another-long-password"})
    assert response.status_code == 302


def test_success_resets_the_failure_count(client, admin_user, admin_password, settings):
    _fail(client, times=settings.AXES_FAILURE_LIMIT - 1)
    assert client.post(reverse("login"), {"username": "admin", "password": admin_password}).status_code == 302
    client.post(reverse("logout"))
    assert _fail(client, times=settings.AXES_FAILURE_LIMIT - 1).status_code == 200


def test_cool_off_ends(client, admin_user, admin_password, settings):
    from axes.models import AccessAttempt
    from django.utils import timezone

    _fail(client, times=settings.AXES_FAILURE_LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME)
    response = client.post(reverse("login"), {"username": "admin", "password": admin_password})
    assert response.status_code == 302


def test_a_logged_in_user_who_is_not_staff_can_log_out(client, django_user_model):
    user = django_user_model.objects.create_user("operator", password="x-very-long-pass")
    client.force_login(user)
    refused = client.get(reverse("dashboard"))
    assert refused.status_code == 403
    # The refusal offers the way out, a POST with its CSRF token.
    assert f'action="{reverse("logout")}"'.encode() in refused.content
    assert b"csrfmiddlewaretoken" in refused.content
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("dashboard")).status_code == 302  # to the login page now
