import pytest
from django.urls import reverse

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
