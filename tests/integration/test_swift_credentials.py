"""Change credentials, against the real local Swift: a rotated key saves
after the same checks as Enable Swift, a wrong key or another account is
refused with the reason and saves nothing, and the key is never rendered
or stored in clear. (That the workers' next copy uses the new key:
tests/integration/test_transfer_engine.py, the 401 test.)"""
import pytest
from django.db import connection
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from sampledata.shares import credentials_for, make_swift_store
from storage.models import SwiftStore
from storage.swift import swift_setup

pytestmark = pytest.mark.django_db
URL = reverse("storage:swift_credentials")
WRONG = "rotated-away-key"


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch):
    monkeypatch.setattr(swift_setup, "CHECK_TIMEOUT", 5)


def _stored_key_column() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM storage_swiftstore")
        return cursor.fetchone()[0]


def test_a_rotated_key_is_checked_saved_and_used(admin_client, any_swift):
    right = credentials_for(any_swift)
    make_swift_store(any_swift, key=WRONG)  # what Swift's operator changed under us
    page = admin_client.get(URL).content.decode()
    assert f'value="{right.username}"' in page and WRONG not in page
    assert 'href="/swift/credentials/"' in admin_client.get("/swift/").content.decode()
    response = admin_client.post(URL, {"username": right.username, "key": right.key})
    assert response.status_code == 302 and response["Location"] == "/swift/"
    store = SwiftStore.objects.get()
    assert store.key == right.key and right.key not in _stored_key_column()  # encrypted at rest
    assert store.capabilities.get("version") and store.last_contact is not None
    event = Event.objects.get(action="swift.credentials")
    assert event.outcome == "success" and english(event.detail) == f"a new key for {right.username}"
    assert right.key not in event.detail


def _as_enable_swift_saves_it(store):
    """tempauth's account:user typed into Enable Swift's form is kept as account, username."""
    account, user = store.username.split(":")
    SwiftStore.objects.filter(pk=store.pk).update(account=account, username=user)


@pytest.mark.parametrize("split", [False, True], ids=["account:user", "account field"])
@pytest.mark.parametrize("typed", ["tester", "test:tester"])
def test_tempauth_users_keep_the_stores_shape(admin_client, local_swift, split, typed):
    store = make_swift_store(local_swift, key=WRONG)
    if split:
        _as_enable_swift_saves_it(store)
    assert admin_client.post(URL, {"username": typed, "key": "testing"}).status_code == 302
    store = SwiftStore.objects.get()
    assert (store.account, store.username) == (("test", "tester") if split else ("", "test:tester"))


@pytest.mark.parametrize("split", [False, True], ids=["account:user", "account field"])
@pytest.mark.parametrize("username, key, reason", [
    ("test:tester", "typed-but-wrong-key", "Authentication"),  # a wrong key: Swift's refusal
    ("admin:admin", "admin", "The account must stay test"),  # tempauth's other account, right key there
])
def test_a_refusal_saves_nothing_and_says_why(admin_client, local_swift, split, username, key, reason):
    store = make_swift_store(local_swift)
    if split:
        _as_enable_swift_saves_it(store)
    before = SwiftStore.objects.values_list("account", "username", "key").get()
    typed = key
    response = admin_client.post(URL, {"username": username, "key": typed})
    body = response.content.decode()
    assert response.status_code == 400 and 'data-testid="swift-error">' + reason in body
    assert f'value="{typed}"' not in body  # the Key comes back empty
    assert SwiftStore.objects.values_list("account", "username", "key").get() == before
    event = Event.objects.get(action="swift.credentials")
    assert event.outcome == "failure" and english(event.detail).startswith(reason) and typed not in event.detail


def test_without_swift_the_page_says_so(admin_client):
    assert admin_client.get(URL).status_code == 409
    response = admin_client.post(URL, {"username": "test:tester", "key": "x"})
    assert response.status_code == 409 and "Swift is not configured." in response.content.decode()
    assert not SwiftStore.objects.exists()


def test_an_empty_key_is_a_400_without_a_contact(admin_client, local_swift):
    make_swift_store(local_swift)
    assert admin_client.post(URL, {"username": "test:tester", "key": ""}).status_code == 400
    assert not Event.objects.filter(action="swift.credentials").exists()
