"""One rule (cloudadmin.ui.htmx_partial) decides page or fragment, and every
answer it decided varies on the htmx headers."""
import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

PAGES = ["dashboard", "events", "global_settings", "storage:templates", "zones:list"]


@pytest.mark.parametrize("name", PAGES)
def test_page_and_fragment_vary_on_hx_request(admin_client, name):
    page = admin_client.get(reverse(name))
    fragment = admin_client.get(reverse(name), HTTP_HX_REQUEST="true")
    assert "<html" in page.content.decode() and "<html" not in fragment.content.decode()
    for response in (page, fragment):
        assert "HX-Request" in response["Vary"]


def test_boosted_and_history_restore_requests_get_the_whole_page(admin_client):
    for headers in ({"HTTP_HX_BOOSTED": "true"}, {"HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}):
        response = admin_client.get(reverse("events"), HTTP_HX_REQUEST="true", **headers)
        assert "<html" in response.content.decode()
