"""Register template in chromium: from the Templates page, fill the form,
submit, and watch the progress page until the template is in Swift and in
every enabled zone; then its detail page."""
import pytest
from playwright.sync_api import expect

from storage.models import TemplateRegistration
from tests.download_server import IMAGE, download_queue, download_worker, md5, server  # noqa: F401
from tests.transfer_helpers import enable_zone, make_swift_store, make_zone

pytestmark = pytest.mark.django_db(transaction=True)


def test_register_a_template_and_watch_it_reach_every_zone(logged_in_page, live_server, local_swift, settings,
                                                          download_queue, download_worker, server):
    settings.TRANSFER_QUEUE = download_queue
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = True  # the download source is on loopback
    make_swift_store(local_swift)
    home, home_root = make_zone(seed=False)
    other, other_root = make_zone(seed=False)
    enable_zone(home)
    enable_zone(other)
    page = logged_in_page

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Templates").click()
    page.get_by_role("link", name="Register template").click()
    expect(page.get_by_role("heading", name="Register template")).to_be_visible()
    page.get_by_label("Name").fill("debian-13")
    page.get_by_label("Description").fill("Debian 13 cloud image")
    page.get_by_label("URL").fill("file:///etc/passwd")
    page.get_by_label("Zone", exact=True).select_option(label=home.name)
    page.get_by_label("Format").select_option("qcow2")
    page.get_by_label("Hypervisor").select_option("KVM")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_test_id("error-url")).to_contain_text("Only http:// and https://")

    page.get_by_label("URL").fill(server.url("/image.qcow2"))
    page.get_by_label("MD5 checksum").fill(md5(IMAGE))
    page.get_by_label("Public").check()
    page.get_by_role("button", name="Register").click()

    registration = TemplateRegistration.objects.get()
    expect(page.get_by_role("heading", name=f"Template {registration.template_id}: debian-13")).to_be_visible()
    status = page.get_by_test_id("registration-status")
    expect(status).to_have_attribute("data-finished", "true", timeout=90000)  # the page polls itself
    expect(page.get_by_test_id("download-state")).to_have_attribute("data-state", "done")
    expect(page.get_by_test_id("swift-state")).to_have_attribute("data-state", "Stored")
    for zone in (home, other):
        expect(page.get_by_test_id(f"zone-{zone.name}")).to_have_attribute("data-ready", "true")
    page.get_by_role("link", name="Template details").click()
    expect(page).to_have_url(f"{live_server.url}/templates/{registration.template_id}/")
    for root in (home_root, other_root):
        folder = root / "template" / "tmpl" / "2" / str(registration.template_id)
        assert (folder / registration.filename).read_bytes() == IMAGE
