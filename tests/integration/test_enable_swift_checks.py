"""Each way the checks on OK can fail gives one clear line, saves nothing and
records a failure event without the key: real local Swift, real sockets."""
import pytest
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.swift import localswift, swift_setup
from storage.models import SwiftStore
from tests.swift_setup_helpers import form_data, http_server, put_enable_swift_in_effect, silent_server

pytestmark = pytest.mark.django_db

KEY = "s3cret-key-under-test"


@pytest.fixture(autouse=True)
def enabled(monkeypatch):
    put_enable_swift_in_effect()
    monkeypatch.setattr(swift_setup, "CHECK_TIMEOUT", 1)  # the silent socket's wait


def submit(client, url, **overrides):
    data = {"url": url, "account": "test", "username": "tester", "key": KEY, "auth_version": ""}
    data.update(overrides)
    return client.post(reverse("storage:enable_swift"), data, HTTP_HX_REQUEST="true")


def assert_refused(response, message):
    body = response.content.decode()
    assert response.status_code == 400
    assert f'data-testid="enable-swift-error">{message}</div>' in body
    assert KEY not in body
    assert not SwiftStore.objects.exists()
    event = Event.objects.get(action="swift.enable")
    assert (event.outcome, english(event.detail)) == ("failure", message)
    assert KEY not in event.detail


@pytest.mark.parametrize("path,version", [("/auth/v1.0", ""), ("/v3", ""), ("/v2.0", "2.0")])
def test_unreachable_host(admin_client, path, version):
    port = localswift.free_port()
    message = ("Authentication: cannot reach the Swift host" if path == "/auth/v1.0"
               else f"Keystone authentication: cannot reach Keystone at 127.0.0.1:{port}")
    assert_refused(submit(admin_client, f"http://127.0.0.1:{port}{path}", auth_version=version), message)


@pytest.mark.parametrize("status,path,message", [
    (404, "/auth/v1.0", "Authentication: not a Swift endpoint (HTTP 404)"),
    (200, "/auth/v1.0", "Authentication: not a Swift endpoint (HTTP 200)"),  # a web page
    (404, "/v3", "Keystone authentication: not a Keystone identity URL (404)"),
    (404, "/v2.0", "Keystone authentication: this Keystone does not serve v2.0 (404): use its /v3 URL"),
    (200, "/v3", "Keystone authentication: not a Keystone identity URL (the answer is not JSON)"),
])
def test_not_a_swift_endpoint(admin_client, status, path, message):
    with http_server(status) as base:
        response = submit(admin_client, base + path)
    assert_refused(response, message)


@pytest.mark.parametrize("path,action", [("/auth/v1.0", "Authentication"), ("/v3", "Keystone authentication")])
def test_timeout(admin_client, path, action):
    with silent_server() as base:
        response = submit(admin_client, base + path)
    assert_refused(response, f"{action}: timed out")


def test_wrong_username_or_key(admin_client, local_swift):
    assert_refused(submit(admin_client, local_swift.auth_url),
                   "Authentication: wrong username or key (401)")


def test_account_that_cannot_create_containers(admin_client, local_swift):
    account, user = localswift.READER_USER.split(":")
    response = submit(admin_client, local_swift.auth_url, account=account, username=user,
                      key=localswift.READER_KEY)
    body = response.content.decode()
    assert response.status_code == 400
    assert "Creating a container: account cannot create containers (403)" in body
    assert not SwiftStore.objects.exists()


def test_write_check_leaves_no_container_behind(admin_client, local_swift, swift_connection):
    before = {c["name"] for c in swift_connection.get_account()[1]}
    response = submit(admin_client, local_swift.auth_url, key=localswift.AUTH_KEY)
    assert response.status_code == 200
    after = {c["name"] for c in swift_connection.get_account()[1]}
    assert after == before
