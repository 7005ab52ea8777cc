"""Pages left open stay live and safe: a dashboard opened before Enable zone
sees the seed templates' copies appear and complete without a reload, and
an action in a tab whose session ended in another tab moves the whole page
to the login."""
import pytest
from playwright.sync_api import expect

from storage.models import Transfer
from tests.transfer_helpers import enable_zone, make_swift_store, make_zone, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

SAME_DOCUMENT = "() => { window.__sameDocument = true; }"  # gone if the page reloads


def test_a_dashboard_open_before_enable_zone_sees_t1_and_t5_copied(logged_in_page, live_server, local_swift,
                                                                    celery_worker):
    make_swift_store(local_swift)
    zone, _root = make_zone(seed=True)  # the seed's share: templates 1 and 5
    dashboard = logged_in_page
    dashboard.goto(f"{live_server.url}/")
    dashboard.evaluate(SAME_DOCUMENT)
    zone_row = dashboard.get_by_test_id(f"zone-{zone.pk}")
    expect(zone_row).to_contain_text("Disabled")
    expect(dashboard.get_by_test_id("transfer-table")).to_contain_text("No transfers match.")

    # Enable zone from the zone page, in another tab of the same browser.
    other = dashboard.context.new_page()
    other.goto(f"{live_server.url}/zones/{zone.pk}/")
    other.get_by_role("button", name="Enable zone").click()
    other.get_by_role("dialog").get_by_role("button", name="Enable zone").click()
    expect(other.get_by_test_id("allocation-state")).to_have_text("Enabled")
    other.close()

    # The dashboard, untouched, shows the zone enabled and both copies done.
    expect(zone_row).to_contain_text("Enabled", timeout=30000)
    for template_id in (1, 5):
        upload = wait_for(lambda: Transfer.objects.filter(template_id=template_id, zone=zone).first(),
                          message=f"the upload of T-{template_id}")
        dashboard.locator(f"[data-testid=transfer-{upload.pk}][data-state=done]").wait_for(timeout=90000)
        expect(dashboard.get_by_test_id(f"transfer-{upload.pk}").get_by_test_id("transfer-id")).to_have_text(
            str(upload.pk))
    expect(dashboard.get_by_test_id("count-done")).to_have_text("2")
    expect(zone_row).not_to_contain_text("never")  # its last scan is shown
    assert dashboard.evaluate("() => window.__sameDocument") is True  # never reloaded


def test_logout_in_one_tab_then_an_action_in_another_goes_to_the_login(logged_in_page, live_server):
    zone, _root = make_zone(seed=False)
    enable_zone(zone)
    first = logged_in_page
    first.goto(f"{live_server.url}/")
    second = first.context.new_page()
    second.goto(f"{live_server.url}/templates/")
    second.get_by_role("button", name="Log out").click()
    second.wait_for_url(f"{live_server.url}/login/")

    first.get_by_test_id(f"zone-{zone.pk}").get_by_role("button", name="Sync now").click()
    first.wait_for_url(f"{live_server.url}/login/?next=/")  # the whole page, back to it afterwards
    expect(first.get_by_role("button", name="Log in")).to_have_count(1)
    expect(first.locator("#action-messages")).to_have_count(0)  # no fragment of a login form
