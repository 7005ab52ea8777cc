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


def test_an_htmx_request_without_a_session_moves_the_whole_page_to_login(client):
    """A poll or an action from a page whose session ended (logout in another
    tab): HX-Redirect to the login, back to the page afterwards; no fragment."""
    response = client.get(reverse("dashboard"), {"state": "active"}, HTTP_HX_REQUEST="true",
                          HTTP_HX_CURRENT_URL="http://testserver/templates/?q=centos")
    assert response.status_code == 200 and response.content == b""
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/templates/%3Fq%3Dcentos"
    response = client.post(reverse("storage:zone_sync", args=[1]), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/zones/1/sync/"  # no current URL: its own
    # A foreign page named by the header is not trusted as `next`.
    response = client.get(reverse("events"), HTTP_HX_REQUEST="true", HTTP_HX_CURRENT_URL="https://evil.example/x")
    assert response["HX-Redirect"] == f"{reverse('login')}?next=/events/"


def test_an_htmx_post_with_a_stale_csrf_token_reloads_the_page(admin_user):
    """Logged out and in again in another tab: the token this tab holds is
    stale. The whole page reloads (fresh token, or the login), no silent failure."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post(reverse("storage:zone_sync", args=[1]), HTTP_HX_REQUEST="true",
                           HTTP_X_CSRFTOKEN="stale-token")
    assert response.status_code == 403 and response["HX-Refresh"] == "true"
    response = client.post(reverse("storage:zone_sync", args=[1]))  # without htmx: Django's page
    assert response.status_code == 403 and "HX-Refresh" not in response
