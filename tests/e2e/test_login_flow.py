import re

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_login_dashboard_logout_and_refusal(page, live_server, admin_user, admin_password):
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url  # refused while logged out

    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("Please enter a correct username")

    page.get_by_label("Password").fill(admin_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Dashboard").is_visible()
    assert page.get_by_test_id("current-user").inner_text() == "admin"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login/"))
    page.goto(f"{live_server.url}/events/")
    assert "/login/" in page.url
    assert not page.get_by_role("heading", name="Events").is_visible()
