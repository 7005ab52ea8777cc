"""Delete templates in chromium: a template registered from a bad URL (its
download fails) deleted from its page; template 5 deleted from one zone only
(it stays in Swift and the other zone, Missing in that one), then
everywhere from the Templates list's Delete selected. Then `swift list` and
the zones' NFS trees show exactly what remains: template 1."""
import re

import pytest
from playwright.sync_api import expect

from storage.models import Template, TemplateRegistration, Transfer
from storage.secondary import layout
from tests.download_server import download_queue, download_worker, server  # noqa: F401
from tests.transfer_helpers import enable_zone, make_swift_store, make_zone, swift_cli, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def _all_ended():
    return not Transfer.objects.filter(state__in=Transfer.ACTIVE_STATES).exists()


def _template_folders(root):
    return sorted(folder.rel for folder in layout.walk(root).folders)


def _reset_swift(local_swift):
    for container in swift_cli(local_swift, "list").split():
        swift_cli(local_swift, "delete", container)


def _confirm_on_template_page(page, template_id, *, untick=()):
    page.get_by_test_id("delete-template").click()
    expect(page.get_by_role("heading", name="Delete templates")).to_be_visible()
    for box in untick:
        page.locator(f"#copy-{template_id}-{box}").uncheck()
    page.get_by_test_id("confirm-delete").click()
    expect(page).to_have_url(re.compile(rf"/templates/{template_id}/$"))


def test_delete_a_failed_registration_then_template_5_from_one_zone_then_everywhere(
        logged_in_page, live_server, local_swift, settings, download_queue, download_worker, server):
    settings.TRANSFER_QUEUE = download_queue
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = True  # the download source is on loopback
    _reset_swift(local_swift)
    make_swift_store(local_swift)
    zone_a, root_a = make_zone()
    zone_b, root_b = make_zone()
    enable_zone(zone_a)
    enable_zone(zone_b)
    wait_for(lambda: Template.objects.filter(swift_state="Stored").count() == 2 and _all_ended(),
             message="templates 1 and 5 in Swift and both zones scanned")
    page = logged_in_page

    # A registration from a URL that answers 404 fails; its template is deleted.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="Register template").click()
    page.get_by_label("Name").fill("broken")
    page.get_by_label("URL").fill(server.url("/no-such-image.qcow2"))
    page.get_by_label("Zone", exact=True).select_option(label=zone_a.name)
    page.get_by_label("Format").select_option("qcow2")
    page.get_by_label("Hypervisor").select_option("KVM")
    page.get_by_role("button", name="Register").click()
    broken = TemplateRegistration.objects.get().template_id
    expect(page.get_by_test_id("download-state")).to_have_attribute("data-state", "failed", timeout=90000)
    page.goto(f"{live_server.url}/templates/{broken}/")
    _confirm_on_template_page(page, broken)
    expect(page.get_by_test_id("template-deleted")).to_be_visible()
    wait_for(_all_ended, message="the failed registration deleted")

    # Template 5 from zone A only: untick Swift and zone B.
    page.goto(f"{live_server.url}/templates/5/")
    _confirm_on_template_page(page, 5, untick=("swift", f"zone-{zone_b.pk}"))
    wait_for(_all_ended, message="template 5 deleted from zone A")
    page.reload()
    cell = page.get_by_test_id(f"cell-5-{zone_a.pk}")
    expect(cell).to_have_attribute("data-state", "missing")
    expect(cell.get_by_role("button", name="Copy to zone")).to_be_visible()  # the undo
    assert _template_folders(root_a) == ["template/tmpl/1/1"]
    assert _template_folders(root_b) == ["template/tmpl/1/1", "template/tmpl/1/5"]
    assert "T-5" in swift_cli(local_swift, "list").split()

    # Then everywhere, from the Templates list.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    expect(page.get_by_test_id(f"template-{broken}")).to_have_count(0)
    page.get_by_test_id("select-5").check()
    page.get_by_test_id("delete-selected").click()
    expect(page.get_by_test_id(f"copy-5-zone-{zone_a.pk}")).to_have_count(0)  # nothing left there
    expect(page.locator(f"#copy-5-zone-{zone_b.pk}")).to_be_checked()
    expect(page.locator("#copy-5-swift")).to_be_checked()
    expect(page.get_by_test_id("count-T-5")).to_have_text("2")  # the image and template.properties
    page.get_by_test_id("confirm-delete").click()
    expect(page).to_have_url(f"{live_server.url}/templates/")
    expect(page.get_by_test_id("template-5")).to_have_count(0)
    wait_for(_all_ended, message="template 5 deleted everywhere")
    failed = Transfer.objects.filter(state__in=(Transfer.State.FAILED, Transfer.State.CANCELLED),
                                     direction__in=(Transfer.Direction.DELETE_SWIFT, Transfer.Direction.DELETE_ZONE))
    assert not failed.exists()

    # What remains, as the operator's tools show it: template 1 only.
    assert {name for name in swift_cli(local_swift, "list").split() if not name.startswith("T-1")} == set()
    assert "T-1" in swift_cli(local_swift, "list").split()
    assert _template_folders(root_a) == _template_folders(root_b) == ["template/tmpl/1/1"]
    assert not (root_b / "template/tmpl/1/5").exists()
