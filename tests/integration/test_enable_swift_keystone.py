"""Enable Swift against the real local Keystone and the Swift behind it, as an
admin types it (v3: project as Account, password as Key, a domain), and each
way it fails: one clear line, nothing saved, no secret on the page."""
import pytest
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.swift import localkeystone
from storage.models import SwiftStore
from tests.swift_setup_helpers import put_enable_swift_in_effect

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(300)]


@pytest.fixture(autouse=True)
def enabled():
    put_enable_swift_in_effect()


def submit(client, keystone_swift, **overrides):
    data = {"url": keystone_swift.keystone.url, "account": localkeystone.PROJECT,
            "username": localkeystone.USERNAME, "key": localkeystone.PASSWORD, "auth_version": "",
            "domain": "Default", "region": ""}
    data.update(overrides)
    return client.post(reverse("storage:enable_swift"), data, HTTP_HX_REQUEST="true")


def assert_refused(response, message, key=localkeystone.PASSWORD):
    body = response.content.decode()
    assert response.status_code == 400
    assert f'data-testid="enable-swift-error">{message}</div>' in body
    assert key not in body
    assert not SwiftStore.objects.exists()
    assert english(Event.objects.get(action="swift.enable").detail) == str(message)


def test_keystone_v3_is_checked_and_saved_with_its_domain_and_region(admin_client, keystone_swift):
    response = submit(admin_client, keystone_swift)
    assert response.status_code == 200, response.content.decode()
    assert 'data-testid="enable-swift-warning"' in response.content.decode()
    store = SwiftStore.objects.get()
    assert (store.auth_version, store.account, store.username, store.domain, store.region) == (
        "3", "cloud", "swiftop", "Default", "RegionOne")
    assert store.capabilities["slo"] is True


def test_the_domain_field_shows_for_a_v3_url_only(admin_client, keystone_swift):
    form = admin_client.get(reverse("storage:enable_swift"), HTTP_HX_REQUEST="true").content.decode()
    assert 'class="mb-2 d-none" data-auth-version-only="3"' in form  # empty URL: tempauth
    refused = submit(admin_client, keystone_swift, key="wrong").content.decode()
    assert 'class="mb-2" data-auth-version-only="3"' in refused
    assert 'name="domain"' in refused and 'value="Default"' in refused


def test_wrong_password(admin_client, keystone_swift):
    assert_refused(submit(admin_client, keystone_swift, key="not-the-password"),
                   "Keystone authentication: wrong username or password, or the user is not in domain "
                   "Default (401)", key="not-the-password")


def test_unknown_project(admin_client, keystone_swift):
    assert_refused(submit(admin_client, keystone_swift, account="no-such-project"),
                   "Keystone authentication: the password is right, but project no-such-project does not "
                   "exist in domain Default or the user has no role on it (401)")


def test_a_user_without_the_swift_role(admin_client, keystone_swift):
    assert_refused(submit(admin_client, keystone_swift, username=localkeystone.READER_USERNAME,
                          key=localkeystone.READER_PASSWORD),
                   "Creating a container: the user has no Swift operator role on this project (403)",
                   key=localkeystone.READER_PASSWORD)


def test_no_object_store_endpoint_in_the_catalog(admin_client, keystone_swift):
    removed = keystone_swift.keystone.remove_object_store()
    try:
        response = submit(admin_client, keystone_swift)
    finally:
        keystone_swift.keystone.restore_object_store(removed)
    assert_refused(response, "Keystone authentication: Keystone lists no object-store (Swift) endpoint "
                             "for this project")


def test_several_regions_offer_a_choice_and_the_chosen_one_is_used(admin_client, keystone_swift):
    keystone = keystone_swift.keystone
    added = keystone.add_object_store_region(
        "RegionTwo", f"http://127.0.0.1:{keystone_swift.proxy_port}/v1/AUTH_%(project_id)s")
    try:
        asked = submit(admin_client, keystone_swift)
        body = asked.content.decode()
        assert asked.status_code == 400
        assert "Swift is in several regions (RegionOne, RegionTwo): choose one" in body
        assert '<select class="form-select form-select-sm" name="region"' in body
        assert '<option value="RegionTwo">RegionTwo</option>' in body
        assert not SwiftStore.objects.exists()
        unknown = submit(admin_client, keystone_swift, region="RegionNine")
        assert "no object-store endpoint in region RegionNine (the catalog has: RegionOne, RegionTwo)" in (
            unknown.content.decode())
        chosen = submit(admin_client, keystone_swift, region="RegionTwo")
        assert chosen.status_code == 200, chosen.content.decode()
    finally:
        keystone.admin("DELETE", f"/endpoints/{added}")
    assert SwiftStore.objects.get().region == "RegionTwo"
