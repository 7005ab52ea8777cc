import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_lockout_message_in_the_browser(page, live_server, admin_user, admin_password, settings):
    page.goto(f"{live_server.url}/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_load_state()
    assert page.get_by_role("alert").inner_text().startswith("Too many failed logins")

    page.get_by_label("Password").fill(admin_password)  # the form is still there
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    assert "/login/" in page.url
    assert "Too many failed logins" in page.get_by_role("alert").inner_text()
