"""Enable Swift against the real local Keystone and the Swift behind it, in
chromium, as an admin types it (the Domain field appears for a v3 URL), then
a zone with the demo share through the wizard: T-1 and T-5 reach Swift."""
import re
import shutil

import pytest
from playwright.sync_api import expect

from storage.secondary import nfs
from storage.swift import localkeystone
from storage.secondary.demo import create_demo_secondary_storage
from storage.models import SwiftStore, Template, Transfer
from tests.e2e.test_csp import RECORD_VIOLATIONS
from tests.swift_setup_helpers import put_enable_swift_in_effect
from tests.transfer_helpers import swift_cli, wait_transfer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]


@pytest.fixture
def demo_share():
    folder = nfs.local_path("127.0.0.1", "/export/secondary")
    shutil.rmtree(folder, ignore_errors=True)
    create_demo_secondary_storage(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def progress(page, number):
    expect(page.get_by_test_id("wizard-progress")).to_have_text(f"Step {number} of 9")


def next_step(page, number):
    page.get_by_role("button", name="Next").click()
    progress(page, number)


def test_enable_swift_on_keystone_then_a_zone_whose_templates_reach_swift(
        logged_in_page, live_server, keystone_swift, celery_worker, demo_share):
    for container in swift_cli(keystone_swift, "list").split():
        swift_cli(keystone_swift, "delete", container)
    put_enable_swift_in_effect("true")
    page = logged_in_page
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.add_init_script(RECORD_VIOLATIONS)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Zones").click()
    page.get_by_role("button", name="Enable Swift").click()
    dialog = page.get_by_role("dialog")
    domain = dialog.get_by_label("Domain", exact=True)
    expect(domain).to_be_hidden()  # tempauth has no domain
    dialog.get_by_label("URL", exact=True).fill(keystone_swift.keystone.url)
    expect(domain).to_be_visible()  # a v3 URL: the field shows, with Keystone's default
    expect(domain).to_have_value("Default")
    dialog.get_by_label("Account", exact=True).fill(localkeystone.PROJECT)
    dialog.get_by_label("Username", exact=True).fill(localkeystone.USERNAME)
    dialog.get_by_label("Key", exact=True).fill("wrong-password")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog.get_by_role("alert")).to_have_text(
        "Keystone authentication: wrong username or password, or the user is not in domain Default (401)",
        timeout=60000)
    expect(domain).to_be_visible()
    dialog.get_by_label("Key", exact=True).fill(localkeystone.PASSWORD)
    dialog.get_by_role("button", name="OK").click()
    expect(dialog.get_by_role("status")).to_contain_text("Swift configured.", timeout=60000)
    store = SwiftStore.objects.get()
    assert (store.auth_version, store.domain, store.region) == ("3", "Default", "RegionOne")
    with page.expect_navigation(url=re.compile(r"/zones/\??$")):
        dialog.get_by_role("button", name="Close").click()

    # The Add Zone wizard with the demo share, as make run prints it.
    page.get_by_role("button", name="Add Zone").click()
    progress(page, 1)
    page.get_by_role("radio", name=re.compile("^Basic")).check()
    next_step(page, 2)
    page.get_by_label("Name", exact=True).fill("zone1")
    page.get_by_label("IPv4 DNS1").fill("8.8.8.8")
    page.get_by_label("Internal DNS1").fill("192.168.10.2")
    page.get_by_label("Hypervisor").select_option("XenServer")
    next_step(page, 3)
    page.get_by_label("Pod name").fill("pod1")
    page.get_by_label("Reserved system gateway").fill("192.168.10.1")
    page.get_by_label("Reserved system netmask").fill("255.255.255.0")
    page.get_by_label("Start reserved system IP").fill("192.168.10.100")
    page.get_by_label("End reserved system IP").fill("192.168.10.150")
    next_step(page, 4)
    page.get_by_label("Guest gateway").fill("192.168.10.1")
    page.get_by_label("Guest netmask").fill("255.255.255.0")
    page.get_by_label("Guest start IP").fill("192.168.10.151")
    page.get_by_label("Guest end IP").fill("192.168.10.200")
    next_step(page, 5)
    page.get_by_label("Cluster name").fill("cluster1")
    next_step(page, 6)
    page.get_by_label("Host name").fill("192.168.10.20")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("host-Secret-42")
    next_step(page, 7)
    page.get_by_label("Name", exact=True).fill("primary1")
    page.get_by_label("Protocol").select_option("NFS")
    page.get_by_label("Server").fill("192.168.10.5")
    page.get_by_label("Path", exact=True).fill("/export/primary")
    next_step(page, 8)
    page.get_by_label("NFS Server", exact=True).fill("127.0.0.1")
    page.get_by_label("Path", exact=True).fill("/export/secondary")
    next_step(page, 9)
    page.get_by_role("button", name="Launch zone").click()
    expect(page.get_by_role("heading", name="Zone zone1")).to_be_visible()
    page.get_by_role("button", name="Enable zone").click()
    page.get_by_role("dialog").get_by_role("button", name="Enable zone").click()  # the confirmation
    expect(page.get_by_test_id("allocation-state")).to_have_text("Enabled")

    # The worker copies both seed templates into Swift through Keystone.
    for template_id in (1, 5):
        transfer = wait_transfer(template_id, timeout=180)
        assert transfer.state == Transfer.State.DONE, transfer.last_error
        assert Template.objects.get(pk=template_id).swift_state == Template.SwiftState.STORED
    assert {"T-1", "T-5"} <= set(swift_cli(keystone_swift, "list").split())
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    expect(page.get_by_role("heading", name="Templates")).to_be_visible()
    assert page.evaluate("window.__cspViolations") == []
    # The refused wrong password is a 400 answer, which chromium logs: nothing else.
    assert [e for e in errors if "status of 400" not in e] == []
