"""The whole Add zone wizard in chromium, with a real worker checking the
demo secondary storage: the Swift ordering warning, validation errors, Back,
a reload mid-wizard, Launch zone, then Enable zone."""
import re
import shutil

import pytest
from playwright.sync_api import expect

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.secondary import nfs
from storage.models import ZoneScan
from storage.secondary.demo import create_demo_secondary_storage
from tests.e2e.test_csp import RECORD_VIOLATIONS
from tests.swift_setup_helpers import put_enable_swift_in_effect
from zones.models import Host, Zone, ZoneWizardDraft

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_share():
    """nfs://127.0.0.1/export/secondary, as `make run` prints it, resolved by
    the test worker under NFS_MOUNT_ROOT."""
    folder = nfs.local_path("127.0.0.1", "/export/secondary")
    shutil.rmtree(folder, ignore_errors=True)
    create_demo_secondary_storage(folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def zone_enabled_calls(monkeypatch):
    """The calls of zones.hooks.zone_enabled; the real hook still runs."""
    from zones import hooks

    calls = []
    real = hooks.zone_enabled

    def recorded(zone, *, user=None):
        calls.append((zone.name, user.get_username() if user else None))
        real(zone, user=user)

    monkeypatch.setattr(hooks, "zone_enabled", recorded)
    return calls


def progress(page, number, total=9):
    expect(page.get_by_test_id("wizard-progress")).to_have_text(f"Step {number} of {total}")


def test_add_zone_wizard(logged_in_page, live_server, celery_worker, demo_share, zone_enabled_calls):
    put_enable_swift_in_effect("true")
    page = logged_in_page
    page.add_init_script(RECORD_VIOLATIONS)  # every page load from here on
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Zones").click()
    page.get_by_role("button", name="Add zone").click()
    progress(page, 1)
    expect(page).to_have_url(re.compile(r"/zones/add/\d+/type/$"))
    steps = page.get_by_role("list", name="Wizard steps")
    expect(steps.get_by_role("listitem")).to_have_count(9)

    # 1. Zone type. enable.swift is in effect and Swift is not configured:
    # the warning, and Next refused until the confirmation is ticked.
    warning = page.get_by_test_id("swift-warning")
    expect(warning).to_contain_text("Creating a zone now means Swift can never be added to this cloud")
    page.get_by_role("radio", name=re.compile("^Basic")).check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("error-confirm_no_swift")).to_contain_text("Tick the confirmation")
    progress(page, 1)
    page.get_by_label("I understand: once this zone exists, Swift can never be added to this cloud.").check()
    page.get_by_role("button", name="Next").click()
    progress(page, 2)
    expect(page).to_have_url(re.compile(r"/zones/add/\d+/zone/$"))

    # 2. Zone
    page.get_by_label("Name", exact=True).fill("zone1")
    page.get_by_label("IPv4 DNS1").fill("8.8.8.8")
    page.get_by_label("Internal DNS1").fill("192.168.10.2")
    page.get_by_label("Hypervisor").select_option("XenServer")
    page.get_by_label("Network domain").fill("cs1cloud.internal")
    page.get_by_role("button", name="Next").click()
    progress(page, 3)

    # 3. Pod, first with a gateway outside the subnet: refused, in place.
    page.get_by_label("Pod name").fill("pod1")
    page.get_by_label("Reserved system gateway").fill("192.168.11.1")
    page.get_by_label("Reserved system netmask").fill("255.255.255.0")
    page.get_by_label("Start reserved system IP").fill("192.168.10.100")
    page.get_by_label("End reserved system IP").fill("192.168.10.150")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_test_id("error-start_ip")).to_have_text(
        "192.168.10.100 is outside the gateway's subnet 192.168.11.0/24.")
    progress(page, 3)
    page.get_by_label("Reserved system gateway").fill("192.168.10.1")
    page.get_by_role("button", name="Next").click()
    progress(page, 4)

    # 4. Guest network
    page.get_by_label("Guest gateway").fill("192.168.10.1")
    page.get_by_label("Guest netmask").fill("255.255.255.0")
    page.get_by_label("Guest start IP").fill("192.168.10.151")
    page.get_by_label("Guest end IP").fill("192.168.10.200")
    page.get_by_role("button", name="Next").click()
    progress(page, 5)

    # 5. Cluster, then Back to the guest network: its values are kept.
    page.get_by_label("Cluster name").fill("cluster1")
    page.get_by_role("button", name="Next").click()
    progress(page, 6)
    page.get_by_role("link", name="Back").click()
    progress(page, 5)
    expect(page.get_by_label("Cluster name")).to_have_value("cluster1")
    expect(page).to_have_url(re.compile(r"/zones/add/\d+/cluster/$"))
    page.get_by_role("button", name="Next").click()
    progress(page, 6)

    # 6. Host; a reload mid-wizard stays on this step, with the draft intact.
    page.reload()
    progress(page, 6)
    expect(page).to_have_url(re.compile(r"/zones/add/\d+/host/$"))
    page.get_by_label("Host name").fill("192.168.10.20")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("host-Secret-42")
    page.get_by_role("button", name="Next").click()
    progress(page, 7)

    assert page.evaluate("window.__cspViolations") == []

    # 7. Primary storage
    page.get_by_label("Name", exact=True).fill("primary1")
    page.get_by_label("Protocol").select_option("NFS")
    page.get_by_label("Server").fill("192.168.10.5")
    page.get_by_label("Path", exact=True).fill("/export/primary")
    page.get_by_role("button", name="Next").click()
    progress(page, 8)

    # 8. Secondary storage: the demo share, checked by the worker.
    page.get_by_label("NFS Server", exact=True).fill("127.0.0.1")
    page.get_by_label("Path", exact=True).fill("/export/secondary")
    page.get_by_role("button", name="Next").click()
    progress(page, 9)

    # 9. Review
    expect(page.get_by_test_id("review-share-check")).to_have_text("reachable, 2 templates found")
    expect(page.locator("#wizard")).to_contain_text("cluster1")
    expect(page.locator("#wizard")).not_to_contain_text("host-Secret-42")
    page.get_by_role("button", name="Launch zone").click()

    expect(page.get_by_role("heading", name="Zone zone1")).to_be_visible()
    expect(page.get_by_test_id("allocation-state")).to_have_text("Disabled")
    expect(page.get_by_test_id("secondary-storage")).to_contain_text("reachable, 2 templates found")
    zone = Zone.objects.get(name="zone1")
    assert Host.objects.get(cluster__pod__zone=zone).password == "host-Secret-42"
    assert not ZoneWizardDraft.objects.exists()

    page.get_by_role("button", name="Enable zone").click()
    confirm = page.get_by_role("dialog")
    expect(confirm).to_contain_text("Zone zone1 will be scanned at once")
    confirm.get_by_role("button", name="Enable zone").click()
    expect(page.get_by_test_id("allocation-state")).to_have_text("Enabled")
    expect(page.get_by_role("button", name="Disable zone")).to_be_visible()
    assert zone_enabled_calls == [("zone1", "admin")]
    # The worker's own "zone.scan" event may already be there: not the wizard's.
    actions = list(Event.objects.filter(action__startswith="zone.").exclude(action="zone.scan")
                   .order_by("id").values_list("action", "detail"))
    assert [a for a, _ in actions] == ["zone.create", "zone.enable", "zone.sync"]
    assert english(actions[2][1]) == "scan queued: zone enabled"  # the transfer engine took the hook
    assert ZoneScan.objects.get(zone=zone).trigger == "zone-enabled"

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Zones").click()
    row = page.get_by_test_id("zone-row")
    expect(row).to_contain_text("zone1")
    expect(row).to_contain_text("Enabled")
    expect(row).to_contain_text("Up")
    assert page.evaluate("window.__cspViolations") == []
