"""My account in chromium: generate a key pair after confirming it with the
keyboard, copy the secret shown once, use it with the `cs` client; a reload
generates nothing; Revoke asks first too."""
import pytest
from cs import CloudStack
from playwright.sync_api import expect

from api.models import ApiKey

pytestmark = pytest.mark.django_db(transaction=True)


def test_generate_keys_and_use_them_with_cs(logged_in_page, live_server):
    page = logged_in_page
    page.get_by_test_id("current-user").click()
    page.wait_for_url(f"{live_server.url}/account/")
    page.get_by_text("You have no API key yet.").wait_for()

    # The confirmation: Cancel has the focus, Esc cancels, nothing happens.
    page.get_by_role("button", name="Generate keys").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Its secret key is shown only once")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert not ApiKey.objects.exists()
    # Tab to the accept button, Enter.
    page.get_by_role("button", name="Generate keys").click()
    page.keyboard.press("Tab")
    expect(dialog.get_by_role("button", name="Generate keys")).to_be_focused()
    page.keyboard.press("Enter")

    page.get_by_text("Copy the secret key now: it is shown only this once.").wait_for()
    assert page.url == f"{live_server.url}/account/"  # redirected after the POST
    api_key = page.get_by_test_id("api-key").input_value()
    secret = page.get_by_test_id("api-secret").input_value()
    endpoint = page.get_by_test_id("api-endpoint").input_value()
    assert endpoint == f"{live_server.url}/client/api"

    client = CloudStack(endpoint=endpoint, key=api_key, secret=secret)
    assert client.listConfigurations(name="enable.swift")["configuration"][0]["value"] == "false"

    page.reload()  # a GET: nothing re-submitted, the secret gone
    assert page.get_by_test_id("api-key").input_value() == api_key
    assert page.get_by_test_id("api-secret").count() == 0
    assert secret not in page.content()

    page.get_by_role("button", name="Revoke keys").click()
    expect(dialog).to_contain_text("This cannot be undone.")
    dialog.get_by_role("button", name="Revoke keys").click()
    page.get_by_text("The API key was revoked.").wait_for()
    assert not ApiKey.objects.exists()
