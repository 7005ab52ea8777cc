"""The Enable Swift dialog and its server-side rules, against the real local Swift."""
import re

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from zones import swift_first
from storage.swift import localswift, swift_setup
from storage.models import SwiftStore
from tests.swift_setup_helpers import form_data, put_enable_swift_in_effect
from zones.models import Zone

pytestmark = pytest.mark.django_db

WARNING = "Swift configured. Note: once you leave this page, you will not be able to reconfigure Swift."
ENABLE = reverse("storage:enable_swift")


def make_zone():
    return Zone.objects.create(name="zone1", network_type="Basic", dns1="8.8.8.8",
                               internal_dns1="10.0.0.1", hypervisor="KVM")


def zones_page(client):
    return client.get(reverse("zones:list")).content.decode()


def test_button_hidden_until_enable_swift_is_in_effect(admin_client):
    # (The getting-started panel names the step; the button is what counts.)
    put_enable_swift_in_effect("false")
    assert ">Enable Swift</button>" not in zones_page(admin_client)
    # Pending is not in effect: still hidden.
    admin_client.post(reverse("global_setting", args=["enable.swift"]), {"value": "true"})
    assert ">Enable Swift</button>" not in zones_page(admin_client)
    put_enable_swift_in_effect()
    page = zones_page(admin_client)
    assert ">Enable Swift</button>" in page and 'id="enable-swift-dialog"' in page


def test_dialog_fields_and_buttons(admin_client):
    put_enable_swift_in_effect()
    response = admin_client.get(ENABLE, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="enable-swift-title">Enable Swift<' in body
    for label in ("URL", "Account", "Username", "Key"):
        assert f">{label}</label>" in body
    assert re.search(r'<input[^>]*name="key"[^>]*type="password"', body)
    assert ">OK</button>" in body and ">Cancel</button>" in body


@pytest.mark.parametrize("state,message", [
    ("not_enabled", swift_first.NOT_ENABLED),
    ("zone_exists", swift_first.ZONE_EXISTS),
])
def test_direct_post_refused_in_wrong_state(admin_client, admin_user, local_swift, state, message):
    put_enable_swift_in_effect("false" if state == "not_enabled" else "true")
    if state == "zone_exists":
        make_zone()
    assert ">Enable Swift</button>" not in zones_page(admin_client)
    response = admin_client.post(ENABLE, form_data(local_swift))
    assert response.status_code == 409
    assert str(message) in response.content.decode()
    assert admin_client.get(ENABLE).status_code == 409
    assert not SwiftStore.objects.exists()
    event = Event.objects.get(action="swift.enable")
    # Stored coded, shown in English to the API and in the reader's language on pages.
    assert (event.outcome, event.user, english(event.detail)) == ("failure", admin_user, str(message))


def test_wrong_key_then_right_key_then_locked(admin_client, admin_user, local_swift):
    put_enable_swift_in_effect()
    response = admin_client.post(ENABLE, form_data(local_swift, key="not-the-key"), HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    body = response.content.decode()
    assert "Authentication: wrong username or key (401)" in body
    assert 'value="tester"' in body and "not-the-key" not in body  # key never rendered back
    assert not SwiftStore.objects.exists()

    response = admin_client.post(ENABLE, form_data(local_swift), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert WARNING in body and ">Close</button>" in body
    assert 'id="enable-swift-action" hx-swap-oob="true"' in body  # the button goes at once

    store = SwiftStore.objects.get()
    assert (store.url, store.account, store.username, store.auth_version) == (
        local_swift.auth_url, "test", "tester", "1.0")
    assert store.key == localswift.AUTH_KEY  # decrypted on read
    assert store.capabilities["slo"] is True
    assert store.capabilities["max_file_size"] == local_swift.max_file_size
    assert store.capabilities["max_manifest_segments"] > 0 and store.capabilities["version"]
    assert store.last_contact is not None

    outcomes = [(outcome, english(detail)) for outcome, detail in
                Event.objects.filter(action="swift.enable").order_by("id").values_list("outcome", "detail")]
    assert outcomes[0] == ("failure", "Authentication: wrong username or key (401)")
    assert outcomes[1][0] == "success" and "tempauth v1.0" in outcomes[1][1]

    # The lock: no button, and a second configuration is refused.
    assert "Enable Swift</button>" not in zones_page(admin_client)
    response = admin_client.post(ENABLE, form_data(local_swift, url="http://other/auth/v1.0"))
    assert response.status_code == 409 and str(swift_first.ALREADY_CONFIGURED) in response.content.decode()
    assert SwiftStore.objects.get().url == local_swift.auth_url
    assert Event.objects.filter(action="swift.enable", outcome="failure").count() == 2


def test_account_user_in_username_is_split(admin_client, local_swift):
    put_enable_swift_in_effect()
    response = admin_client.post(ENABLE, form_data(local_swift, account="", username="test:tester"))
    assert response.status_code == 200
    store = SwiftStore.objects.get()
    assert (store.account, store.username) == ("test", "tester")


@pytest.mark.parametrize("overrides,message", [
    ({"url": "not a url"}, "Enter the auth URL, starting with http:// or https://."),
    ({"url": "http://u:pw@swift/auth/v1.0"}, "Put no credentials in the URL"),
    ({"username": ""}, "This field is required."),
    ({"key": ""}, "This field is required."),
    ({"account": "", "username": "tester"}, "tempauth needs an account"),
])
def test_invalid_form_is_400_and_nothing_saved(admin_client, local_swift, overrides, message):
    put_enable_swift_in_effect()
    response = admin_client.post(ENABLE, form_data(local_swift, **overrides))
    assert response.status_code == 400
    assert str(message) in response.content.decode()
    assert not SwiftStore.objects.exists()
    assert Event.objects.get(action="swift.enable").outcome == "failure"


def test_state_is_checked_again_before_saving(admin_client, local_swift, monkeypatch):
    """Two dialogs both pass the first state check; the one saving second is
    refused by the check inside the saving transaction (and, were that raced
    too, by the singleton constraint below)."""
    put_enable_swift_in_effect()
    real_probe = swift_setup.probe

    def probe_then_other_admin_saves(creds):
        caps = real_probe(creds)
        SwiftStore.objects.create(url="http://first/auth/v1.0", username="u", key="k", auth_version="1.0")
        return caps

    monkeypatch.setattr(swift_setup, "probe", probe_then_other_admin_saves)
    response = admin_client.post(ENABLE, form_data(local_swift))
    assert response.status_code == 409
    assert str(swift_first.ALREADY_CONFIGURED) in response.content.decode()
    assert SwiftStore.objects.get().url == "http://first/auth/v1.0"


def test_database_refuses_a_second_row():
    SwiftStore.objects.create(url="http://a/auth/v1.0", username="u", key="k", auth_version="1.0")
    with pytest.raises(IntegrityError), transaction.atomic():
        SwiftStore.objects.create(url="http://b/auth/v1.0", username="u", key="k", auth_version="1.0")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO storage_swiftstore (uuid, singleton, url, account, username, key, auth_version,"
            " capabilities, created) VALUES (gen_random_uuid(), false, 'http://c', '', 'u', 'x', '1.0', '{}', now())")
    assert SwiftStore.objects.count() == 1


def test_refused_attempt_never_logs_credentials_typed_into_the_url(admin_client):
    put_enable_swift_in_effect()
    response = admin_client.post(ENABLE, {"url": "http://u:hunter2@swift:8080/auth/v1.0?k=hunter2",
                                          "account": "a", "username": "u", "key": "k"})
    assert response.status_code == 400
    assert "Put no credentials in the URL" in response.content.decode()
    event = Event.objects.get(action="swift.enable")
    assert event.target == "http://swift:8080/auth/v1.0" and "hunter2" not in event.detail
