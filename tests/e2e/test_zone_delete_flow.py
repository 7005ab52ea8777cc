"""The way out of a zone created by mistake, in chromium: a zone created
while enable.swift is in effect and Swift is not configured locks Swift
out; deleting it (its confirmation page lists what goes) offers Enable
Swift again; Swift is enabled against the local Swift and the zone is
created again, now with no warning. The NFS share is never touched. (The
`page` fixture fails the test on any console error or CSP violation.)"""
import re
import shutil

import pytest
from playwright.sync_api import expect

from cloudadmin.models import Event
from storage.models import SecondaryStorage, SwiftStore
from storage.secondary import nfs
from storage.secondary.demo import create_demo_secondary_storage
from storage.swift import localswift
from tests.e2e.test_csp import RECORD_VIOLATIONS
from tests.swift_setup_helpers import put_enable_swift_in_effect
from zones.models import Host, Pod, Zone

pytestmark = pytest.mark.django_db(transaction=True)

SHARE_PATH = "/export/zone-delete-flow"


@pytest.fixture
def share():
    folder = nfs.local_path("127.0.0.1", SHARE_PATH)
    shutil.rmtree(folder, ignore_errors=True)
    create_demo_secondary_storage(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def tree(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*"))


def add_zone(page, *, warned):
    """Walk the Add Zone wizard to Launch zone with the demo share."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Zones").click()
    page.get_by_role("button", name="Add Zone").click()
    page.get_by_role("radio", name=re.compile("^Basic")).check()
    if warned:
        expect(page.get_by_test_id("swift-warning")).to_contain_text("Swift can never be added")
        page.get_by_label("I understand: once this zone exists, Swift can never be added to this cloud.").check()
    else:
        expect(page.get_by_test_id("swift-warning")).to_have_count(0)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Name", exact=True).fill("zone1")
    page.get_by_label("IPv4 DNS1").fill("8.8.8.8")
    page.get_by_label("Internal DNS1").fill("192.168.10.2")
    page.get_by_label("Hypervisor").select_option("XenServer")
    page.get_by_role("button", name="Next").click()
    for label, value in (("Pod name", "pod1"), ("Reserved system gateway", "192.168.10.1"),
                         ("Reserved system netmask", "255.255.255.0"), ("Start reserved system IP", "192.168.10.100"),
                         ("End reserved system IP", "192.168.10.150")):
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Next").click()
    for label, value in (("Guest gateway", "192.168.10.1"), ("Guest netmask", "255.255.255.0"),
                         ("Guest start IP", "192.168.10.151"), ("Guest end IP", "192.168.10.200")):
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Cluster name").fill("cluster1")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Host name").fill("192.168.10.20")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("host-Secret-42")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Name", exact=True).fill("primary1")
    page.get_by_label("Protocol").select_option("NFS")
    page.get_by_label("Server").fill("192.168.10.5")
    page.get_by_label("Path", exact=True).fill("/export/primary")
    page.get_by_role("button", name="Next").click()
    page.get_by_label("NFS Server", exact=True).fill("127.0.0.1")
    page.get_by_label("Path", exact=True).fill(SHARE_PATH)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("review-share-check")).to_have_text("reachable, 2 templates found")
    page.get_by_role("button", name="Launch zone").click()
    expect(page.get_by_role("heading", name="Zone zone1")).to_be_visible()
    expect(page.get_by_test_id("allocation-state")).to_have_text("Disabled")


def test_delete_the_mistaken_zone_then_enable_swift(logged_in_page, live_server, celery_worker, local_swift, share):
    put_enable_swift_in_effect("true")
    page = logged_in_page
    page.add_init_script(RECORD_VIOLATIONS)
    files_before = tree(share)

    # 1. A zone while enable.swift is in effect and Swift is not configured: Swift is locked out.
    add_zone(page, warned=True)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Zones").click()
    expect(page.get_by_role("heading", name="Zones")).to_be_visible()
    expect(page.get_by_role("button", name="Enable Swift")).to_have_count(0)

    # 2. Delete it: the confirmation page says what goes, then Delete zone.
    page.get_by_test_id("zone-row").get_by_role("link", name="zone1").click()
    page.get_by_role("link", name="Delete zone").click()
    expect(page.get_by_role("heading", name="Delete zone zone1")).to_be_visible()
    plan = page.get_by_test_id("removal-plan")
    expect(plan.get_by_role("row", name=re.compile("^Pods 1 "))).to_contain_text("pod1")
    for text in ("pod1", "cluster1", "192.168.10.20", "nfs://192.168.10.5/export/primary",
                 f"nfs://127.0.0.1{SHARE_PATH}"):
        expect(plan).to_contain_text(text)
    page.get_by_role("button", name="Delete zone").click()

    # 3. Back on Zones, with Enable Swift offered again.
    expect(page.get_by_role("heading", name="Zones")).to_be_visible()
    expect(page.get_by_role("alert").filter(has_text="Zone zone1 was deleted.")).to_be_visible()
    expect(page.get_by_text("Swift can be enabled now.")).to_be_visible()
    assert not Zone.objects.exists() and not Pod.objects.exists() and not SecondaryStorage.objects.exists()
    assert tree(share) == files_before  # nothing on NFS was touched

    page.get_by_role("button", name="Enable Swift").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("URL", exact=True).fill(local_swift.auth_url)
    dialog.get_by_label("Account", exact=True).fill("test")
    dialog.get_by_label("Username", exact=True).fill("tester")
    dialog.get_by_label("Key", exact=True).fill(localswift.AUTH_KEY)
    dialog.get_by_role("button", name="OK").click()
    expect(dialog.get_by_role("status")).to_contain_text("Swift configured.")
    with page.expect_navigation(url=re.compile(r"/zones/\??$")):
        dialog.get_by_role("button", name="Close").click()
    assert SwiftStore.objects.get().username == "tester"

    # 4. The zone again, without the warning this time.
    add_zone(page, warned=False)
    zone = Zone.objects.get()
    assert Host.objects.get(cluster__pod__zone=zone).host_name == "192.168.10.20"
    assert [a for a, in Event.objects.filter(action__in=["zone.create", "zone.delete", "swift.enable"])
            .order_by("id").values_list("action")] == ["zone.create", "zone.delete", "swift.enable", "zone.create"]
    assert page.evaluate("window.__cspViolations") == []
