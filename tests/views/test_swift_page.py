"""Infrastructure > Swift: what was configured, capabilities, Test connection."""
import pytest
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.swift import localswift
from storage.models import SwiftStore

pytestmark = pytest.mark.django_db


def make_store(local_swift, key=localswift.AUTH_KEY):
    return SwiftStore.objects.create(url=local_swift.auth_url, account="test", username="tester",
                                     key=key, auth_version="1.0",
                                     capabilities={"version": "0.0-old", "max_file_size": 1, "slo": False})


def test_not_configured(admin_client):
    response = admin_client.get(reverse("storage:swift"))
    assert "Swift is not configured." in response.content.decode()
    response = admin_client.post(reverse("storage:swift_test"), HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "Swift is not configured." in response.content.decode()


def test_shows_configuration_and_capabilities_never_the_key(admin_client, local_swift):
    make_store(local_swift)
    body = admin_client.get(reverse("storage:swift")).content.decode()
    for text in (local_swift.auth_url, "tester", "tempauth v1.0", "0.0-old", "Last successful contact",
                 "never", ">Test connection</button>"):
        assert text in body
    assert localswift.AUTH_KEY not in body and "•" not in body and "***" not in body


def test_test_connection_rereads_capabilities_and_records_contact(admin_client, admin_user, local_swift):
    store = make_store(local_swift)
    response = admin_client.post(reverse("storage:swift_test"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Connection OK." in body and "<html" not in body
    store.refresh_from_db()
    assert store.last_contact is not None
    assert store.capabilities["slo"] is True and store.capabilities["version"] != "0.0-old"
    assert store.capabilities["max_file_size"] == local_swift.max_file_size
    assert f"{local_swift.max_file_size:,} bytes" in body
    event = Event.objects.get(action="swift.test")
    assert (event.outcome, event.user) == ("success", admin_user)


def test_failed_test_connection_keeps_last_contact(admin_client, local_swift):
    store = make_store(local_swift, key="rotated-away")
    response = admin_client.post(reverse("storage:swift_test"), HTTP_HX_REQUEST="true")
    assert response.status_code == 502
    body = response.content.decode()
    assert "Authentication: wrong username or key (401)" in body and "rotated-away" not in body
    store.refresh_from_db()
    assert store.last_contact is None and store.capabilities["version"] == "0.0-old"
    event = Event.objects.get(action="swift.test")
    assert (event.outcome, english(event.detail)) == ("failure", "Authentication: wrong username or key (401)")


def test_test_connection_needs_post(admin_client, local_swift):
    make_store(local_swift)
    assert admin_client.get(reverse("storage:swift_test")).status_code == 405
