"""Steps 1-7 of the CloudStack workflow in chromium, against the real local Swift:
log in; Global Settings enable.swift -> true; restart; Zones: Enable Swift with a
wrong key (error, nothing saved) then the right one; the warning; Close; gone."""
import re

import pytest
from django.conf import settings
from playwright.sync_api import expect

from cloudadmin import config
from cloudadmin.models import Event
from cloudadmin.startup import apply_pending_settings
from storage.swift import localswift
from storage.models import SwiftStore

pytestmark = pytest.mark.django_db(transaction=True)

WARNING = "Swift configured. Note: once you leave this page, you will not be able to reconfigure Swift."


def test_enable_swift_sequence(logged_in_page, live_server, local_swift):
    page = logged_in_page  # 1. logged in

    # 2. Global Settings: enable.swift -> true, saved as pending.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Global Settings").click()
    expect(page.get_by_role("heading", name="Global Settings")).to_be_visible()
    page.get_by_role("button", name="Edit enable.swift").click()
    page.get_by_label("Value of enable.swift").select_option("true")
    page.get_by_role("button", name="Save").click()
    notice = page.locator("#setting-enableswift").get_by_role("status")
    expect(notice).to_contain_text("Restart the management server for this change to take effect")
    expect(notice).to_contain_text(settings.RESTART_COMMAND)
    assert config.value("enable.swift") is False

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Zones").click()
    expect(page.get_by_role("heading", name="Zones")).to_be_visible()
    expect(page.get_by_role("button", name="Enable Swift")).to_have_count(0)  # not in effect yet

    # 3. Restart the management server.
    assert apply_pending_settings() == ["enable.swift"]

    # 4. Zones: Enable Swift, wrong key first.
    page.reload()
    page.get_by_role("button", name="Enable Swift").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Enable Swift")).to_be_visible()
    dialog.get_by_label("URL", exact=True).fill(local_swift.auth_url)
    dialog.get_by_label("Account", exact=True).fill("test")
    dialog.get_by_label("Username", exact=True).fill("tester")
    dialog.get_by_label("Key", exact=True).fill("wrong-key")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog.get_by_role("alert")).to_have_text("Authentication: wrong username or key (401)")
    assert not SwiftStore.objects.exists()
    expect(dialog.get_by_label("Key", exact=True)).to_have_value("")  # never sent back
    expect(dialog.get_by_label("Username", exact=True)).to_have_value("tester")

    dialog.get_by_label("Key", exact=True).fill(localswift.AUTH_KEY)
    dialog.get_by_role("button", name="OK").click()

    # 5. The warning, exactly.
    expect(dialog.get_by_role("status")).to_have_text(WARNING)
    assert SwiftStore.objects.get().username == "tester"
    expect(page.get_by_role("button", name="Enable Swift")).to_have_count(0)

    # 6. Close.
    with page.expect_navigation(url=re.compile(r"/zones/\??$")):  # a fresh load of Zones
        dialog.get_by_role("button", name="Close").click()

    # 7. The button is gone, for good.
    expect(page.get_by_role("heading", name="Zones")).to_be_visible()
    expect(page.get_by_role("button", name="Enable Swift")).to_have_count(0)
    page.reload()
    expect(page.get_by_role("button", name="Enable Swift")).to_have_count(0)

    # The Swift page shows what was configured; the events tell the story.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Swift", exact=True).click()
    expect(page.get_by_test_id("capabilities")).to_contain_text("Static Large Objects")
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status")).to_have_text("Connection OK.")
    actions = list(Event.objects.order_by("id").values_list("action", "outcome"))
    assert actions[-5:] == [("setting.change", "success"), ("setting.apply", "success"),
                            ("swift.enable", "failure"), ("swift.enable", "success"),
                            ("swift.test", "success")]


def test_cancel_closes_the_dialog_and_saves_nothing(logged_in_page, live_server, local_swift):
    config.seed_missing()
    config.change("enable.swift", "true")
    apply_pending_settings()
    page = logged_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Zones").click()
    page.get_by_role("button", name="Enable Swift").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("URL", exact=True).fill(local_swift.auth_url)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert not SwiftStore.objects.exists()
    expect(page.get_by_role("button", name="Enable Swift")).to_be_visible()


def test_invalid_setting_value_shows_message_and_cancel_restores(logged_in_page, live_server):
    page = logged_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Global Settings").click()
    page.get_by_role("button", name="Edit swift.sync.interval").click()
    page.get_by_label("Value of swift.sync.interval").fill("ten")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_have_text("swift.sync.interval must be a whole number.")
    page.get_by_role("button", name="Cancel").click()
    expect(page.locator("#setting-swiftsyncinterval [data-testid=value]")).to_have_text("300")
    page.get_by_placeholder("Name or description").fill("parallel")
    page.get_by_placeholder("Name or description").press("Enter")
    expect(page.locator("#object-table tbody tr")).to_have_count(1)
    expect(page.locator("#object-table")).to_contain_text("swift.transfer.concurrency")
