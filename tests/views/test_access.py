"""Every page needs a logged-in admin, except the login page."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "events", "zones:list", "storage:swift", "global_settings"]


@pytest.mark.parametrize("name", PAGES)
def test_anonymous_is_redirected_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("name", PAGES)
def test_non_staff_user_is_refused(client, django_user_model, name):
    user = django_user_model.objects.create_user("operator", password="x-very-long-pass")
    client.force_login(user)
    assert client.get(reverse(name)).status_code == 403


@pytest.mark.parametrize("name", PAGES)
def test_admin_sees_page_with_navigation(admin_client, name):
    response = admin_client.get(reverse(name))
    assert response.status_code == 200
    for label in (b"Dashboard", b"Infrastructure", b"Zones", b"Swift", b"Global Settings", b"Events", b"Log out"):
        assert label in response.content
