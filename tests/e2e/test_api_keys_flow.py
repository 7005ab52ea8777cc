"""My account in chromium: generate a key pair, copy the secret shown once,
and use it with the `cs` client."""
import pytest
from cs import CloudStack

pytestmark = pytest.mark.django_db(transaction=True)


def test_generate_keys_and_use_them_with_cs(logged_in_page, live_server):
    page = logged_in_page
    page.get_by_test_id("current-user").click()
    page.wait_for_url(f"{live_server.url}/account/")
    page.get_by_text("You have no API key yet.").wait_for()
    page.get_by_role("button", name="Generate keys").click()
    page.get_by_text("Copy the secret key now: it is shown only this once.").wait_for()
    api_key = page.get_by_test_id("api-key").input_value()
    secret = page.get_by_test_id("api-secret").input_value()
    endpoint = page.get_by_test_id("api-endpoint").input_value()
    assert endpoint == f"{live_server.url}/client/api"

    client = CloudStack(endpoint=endpoint, key=api_key, secret=secret)
    assert client.listConfigurations(name="enable.swift")["configuration"][0]["value"] == "false"

    page.goto(f"{live_server.url}/account/")
    assert page.get_by_test_id("api-key").input_value() == api_key
    assert page.get_by_test_id("api-secret").count() == 0
    assert secret not in page.content()
