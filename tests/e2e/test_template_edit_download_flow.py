"""Edit template and Download in chromium: the template page's Edit
template form (OS type, extractable), the properties update reaching the
NFS copy, then Download: the link Swift serves gives the NFS image's very
bytes. The `page` fixture fails the test on any console error or CSP
violation on the way."""
import pytest
from playwright.sync_api import expect

from storage.models import Transfer
from storage.secondary import properties
from tests.transfer_helpers import enable_zone, make_swift_store, make_zone, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)
FOLDER = "template/tmpl/1/1"


def test_edit_a_template_then_download_it(logged_in_page, live_server, local_swift, celery_worker, tmp_path):
    make_swift_store(local_swift)
    zone, root = make_zone()
    enable_zone(zone)
    assert wait_transfer(1, direction=Transfer.Direction.UP).state == Transfer.State.DONE
    page = logged_in_page
    page.goto(f"{live_server.url}/templates/1/")
    page.get_by_role("link", name="Edit template").click()
    expect(page.get_by_role("heading", name="Edit template 1")).to_be_visible()
    page.get_by_label("Name").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("error-name")).to_be_visible()  # a 400, shown in place
    page.get_by_label("Name").fill("routing-edited")
    page.get_by_label("OS type").select_option(label="CentOS 5.3 (64-bit)")
    page.get_by_label("Extractable").check()
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(f"{live_server.url}/templates/1/")
    expect(page.get_by_test_id("os-type")).to_have_text("CentOS 5.3 (64-bit)")
    update = wait_transfer(1, direction=Transfer.Direction.PROPERTIES)
    assert update.state == Transfer.State.DONE, update.last_error
    values = properties.parse((root / FOLDER / properties.FILENAME).read_bytes())
    assert values["uniquename"] == "routing-edited"

    page.get_by_test_id("download-template").click()
    expect(page).to_have_url(f"{live_server.url}/templates/1/download/")
    link = page.get_by_test_id("download-link")
    assert link.get_attribute("href").startswith(f"http://127.0.0.1:{local_swift.proxy_port}/v1/")
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / "image"
    download.value.save_as(saved)
    assert saved.read_bytes() == (root / FOLDER / values["filename"]).read_bytes()
