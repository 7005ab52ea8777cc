import pytest
from django.urls import reverse

from cloudadmin import events

pytestmark = pytest.mark.django_db


def test_events_newest_first_with_filters(admin_client):
    events.record("zone.create", username="alice", target="zone-a")
    events.record_failure("swift.enable", username="bob", detail="wrong username or key")
    response = admin_client.get(reverse("events"))
    body = response.content.decode()
    assert body.index("swift.enable") < body.index("zone.create")

    response = admin_client.get(reverse("events"), {"outcome": "failure"})
    assert "swift.enable" in response.content.decode()
    assert "zone.create" not in response.content.decode()

    response = admin_client.get(reverse("events"), {"q": "zone-a"})
    assert "zone.create" in response.content.decode() and "swift.enable" not in response.content.decode()


def test_htmx_request_gets_only_the_table(admin_client):
    events.record("zone.create", username="alice")
    response = admin_client.get(reverse("events"), HTTP_HX_REQUEST="true")
    assert b"<table" in response.content and b"<nav" not in response.content


def test_pagination_keeps_filter(admin_client):
    for i in range(60):
        events.record("setting.change", username="alice", target=f"s{i}")
    response = admin_client.get(reverse("events"), {"action": "setting"})
    assert "action=setting&amp;page=2" in response.content.decode()
