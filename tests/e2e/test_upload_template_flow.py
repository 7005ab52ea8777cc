"""Upload from local in chromium: a 200 MiB qcow2 file sent by
tus-js-client, its MD5 computed by hash-wasm in a Web Worker, to the web app
as a real gunicorn process (tests/web_process.py) that the test kills and
starts again. Mid-way the network is cut (context.set_offline) and comes
back, the page is reloaded and the same file chosen again, and the web
server is killed and restarted: each time the upload resumes at the server's
offset. It ends with the template on the zone's NFS and in Swift as T-<id>,
byte-identical; the dashboard shows the From-browser transfer with the
server's offset at every step. The server writes at TRANSFER_TEST_THROTTLE
bytes/s so that the interruptions land mid-way.

Each interruption may log only the failed loads it provokes, while it lasts
(until a PATCH after it is stored); anything else, CSP violations included,
fails the test."""
import hashlib
import re
import time

import pytest
from playwright.sync_api import expect

from storage.models import BrowserUpload, Template, Transfer
from tests.conftest import worker_env
from tests.download_server import MIB, qcow2_image
from tests.transfer_helpers import enable_zone, make_swift_store, make_zone, swift_cli, wait_for, wait_transfer
from tests.web_process import WebProcess

pytestmark = pytest.mark.django_db(transaction=True)
SIZE = 200 * MIB
THROTTLE = 6 * MIB  # the server's writes: about 35 s for the file, 3 s per 16 MiB chunk
# 423: the server still writes the bytes of a request the client gave up
# (tus-js-client retries). 409 is never logged (tests/conftest.py expects it).
BUSY = r"the server responded with a status of 423\b"
CUT = re.compile(rf"Failed to load resource: (net::ERR_INTERNET_DISCONNECTED|{BUSY})")
RELOAD = re.compile(rf"Failed to load resource: ({BUSY})")
# While the server is down (refused), the request it was reading (reset or
# empty), and 423 until the killed request's claim is stale.
RESTART = re.compile(rf"Failed to load resource: (net::ERR_CONNECTION_REFUSED|net::ERR_CONNECTION_RESET|"
                     rf"net::ERR_EMPTY_RESPONSE|{BUSY})")


class Console:
    """The console errors of the page's context, checked phase by phase."""

    def __init__(self, page):
        self.errors, self.seen = page.context.console_errors, 0

    def only(self, allowed: re.Pattern | None, phase: str) -> None:
        new, self.seen = self.errors[self.seen:], len(self.errors)
        unexpected = [error for error in new if allowed is None or not allowed.search(error)]
        assert unexpected == [], f"console errors {phase}: {unexpected}"


def _offset():
    return BrowserUpload.objects.values_list("offset", flat=True).first() or 0


def stored_patch(since: float):
    """Matches the answer to a PATCH the page sent after `since` (time.time())
    that the server stored: the first one after an interruption."""
    def matches(response):
        return (response.request.method == "PATCH" and response.status == 204
                and response.request.timing["startTime"] >= since * 1000)
    return matches


def _offset_of(response) -> int:
    return int(response.request.headers["upload-offset"])


def _fill(page, zone, path):
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_label("Name").fill("uploaded-200m")
    page.get_by_label("Display text").fill("Uploaded from the browser")
    page.get_by_label("Zone", exact=True).select_option(label=zone.name)
    page.get_by_label("Format").select_option("qcow2")
    page.get_by_label("Hypervisor").select_option("KVM")
    page.get_by_label("Every zone").check()  # sent as tus metadata (static/upload.js)


def _dashboard_shows(page, web, transfer, state="running"):
    """Another admin's dashboard: the From-browser row, with at least the
    server's offset of now."""
    least = _offset()
    dashboard = page.context.new_page()
    dashboard.goto(f"{web.url}/")
    row = dashboard.get_by_test_id(f"transfer-{transfer.pk}")
    expect(row).to_contain_text("From browser")
    expect(row).to_have_attribute("data-state", state)
    if state == "running":
        assert int(row.locator("progress").get_attribute("value")) >= least
    dashboard.close()


@pytest.fixture
def web(admin_user, tmp_path):
    """gunicorn on the test database, writing uploads at THROTTLE; a claim
    left by a killed request is free after 8 s (TRANSFER_STALE_SECONDS),
    not the default 2 minutes, to keep the run short."""
    process = WebProcess(worker_env(TRANSFER_TEST_THROTTLE=str(THROTTLE), TRANSFER_STALE_SECONDS="8"),
                         tmp_path / "gunicorn.log").start()
    yield process
    process.stop()


@pytest.mark.allow_console_errors  # checked phase by phase (Console)
def test_upload_resumes_after_a_cut_a_reload_and_a_server_restart_then_reaches_swift(
        page, web, admin_password, local_swift, celery_worker, tmp_path):
    image = qcow2_image(SIZE, virtual=20 * 1024**3, seed=5)
    image_md5 = hashlib.md5(image).hexdigest()
    path = tmp_path / "disk.qcow2"
    path.write_bytes(image)
    del image
    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    enable_zone(zone)
    console = Console(page)

    page.goto(f"{web.url}/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(admin_password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{web.url}/")
    page.get_by_role("link", name="Templates").first.click()
    page.get_by_role("link", name="Upload from local").click()
    expect(page.get_by_role("heading", name="Upload from local")).to_be_visible()
    _fill(page, zone, path)
    page.get_by_role("button", name="Upload", exact=True).click()
    transfer = wait_for(lambda: Transfer.objects.filter(direction=Transfer.Direction.BROWSER).first())
    wait_for(lambda: _offset() >= 2 * MIB, message="2 MiB on the server")
    _dashboard_shows(page, web, transfer)

    # 1. The network goes away mid-way, and comes back: it resumes at the server's offset.
    wait_for(lambda: _offset() >= 40 * MIB, timeout=120, message="40 MiB on the server")
    console.only(None, "before the cut")
    page.context.set_offline(True)
    at_cut = _offset()
    expect(page.get_by_test_id("upload-status")).to_contain_text("Network lost")
    with page.expect_response(stored_patch(time.time()), timeout=120000) as resumed:
        page.context.set_offline(False)
    assert _offset_of(resumed.value) >= at_cut  # not from 0 (the server may store bytes sent before the cut)
    console.only(CUT, "while the network was cut")
    _dashboard_shows(page, web, transfer)

    # 2. A reload, the same file chosen again: it resumes again.
    wait_for(lambda: _offset() >= 90 * MIB, timeout=120, message="90 MiB on the server")
    console.only(None, "before the reload")
    at_reload, reloaded = _offset(), time.time()
    page.reload()
    _fill(page, zone, path)
    with page.expect_response(stored_patch(reloaded), timeout=120000) as resumed:
        page.get_by_role("button", name="Upload", exact=True).click()
    assert _offset_of(resumed.value) >= at_reload
    assert BrowserUpload.objects.count() == 1  # the same upload, not a new one
    console.only(RELOAD, "after the reload")
    _dashboard_shows(page, web, transfer)

    # 3. The web server dies mid-request and starts again: what reached the
    # disk (the stored offset) is kept, the rest is written again from there.
    wait_for(lambda: _offset() >= 140 * MIB, timeout=120, message="140 MiB on the server")
    console.only(None, "before the restart")
    killed = time.time()
    web.kill()
    at_kill = _offset()
    with page.expect_response(stored_patch(killed), timeout=180000) as resumed:
        web.start()
    assert _offset_of(resumed.value) == at_kill >= 140 * MIB  # nothing after the kill could change it
    console.only(RESTART, "while the web server restarted")
    _dashboard_shows(page, web, transfer)

    # 4. Verified, on NFS, then in Swift as T-<id>.
    template_id = transfer.template_id
    page.wait_for_url(f"{web.url}/templates/{template_id}/", timeout=180000)
    console.only(None, "after the restart")
    template = Template.objects.get(pk=template_id)
    assert template.checksum == image_md5 and template.cross_zones
    assert _md5_of(root / "template/tmpl/2" / str(template_id) / template.filename) == image_md5
    up = wait_transfer(template_id, direction=Transfer.Direction.UP, timeout=300)
    assert up.state == Transfer.State.DONE, up.last_error
    swift_cli(local_swift, "download", f"T-{template_id}", template.filename, "-o", str(tmp_path / "copy"))
    assert _md5_of(tmp_path / "copy") == image_md5
    _dashboard_shows(page, web, transfer, state="done")
    console.only(None, "at the end")


def _md5_of(path) -> str:
    md5 = hashlib.md5()
    with open(path, "rb") as handle:
        while block := handle.read(8 * MIB):
            md5.update(block)
    return md5.hexdigest()


@pytest.mark.allow_console_errors
def test_pause_resume_then_cancel_removes_the_partial_file(logged_in_page, live_server, settings, tmp_path):
    settings.TRANSFER_TEST_THROTTLE = 2 * MIB
    path = tmp_path / "disk.qcow2"
    path.write_bytes(qcow2_image(24 * MIB, virtual=10 * 1024**3, seed=6))
    zone, root = make_zone(seed=False)
    page = logged_in_page
    console = Console(page)
    page.goto(f"{live_server.url}/templates/upload/")
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Choose a file")
    page.get_by_label("File").set_input_files(str(path))
    page.get_by_label("Name").fill("to-cancel")
    page.get_by_label("Zone", exact=True).select_option(label=zone.name)
    page.get_by_label("Hypervisor").select_option("KVM")
    page.get_by_role("button", name="Upload", exact=True).click()
    wait_for(lambda: _offset() >= 2 * MIB, message="2 MiB on the server")
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_test_id("upload-status")).to_contain_text("Paused")
    with page.expect_request(lambda request: request.method == "PATCH", timeout=60000) as first:
        page.get_by_role("button", name="Resume").click()
    assert int(first.value.headers["upload-offset"]) >= 2 * MIB
    upload = BrowserUpload.objects.select_related("transfer").get()
    folder = root / "template/tmpl/2" / str(upload.transfer.template_id)
    assert [p.name for p in folder.iterdir()] == [upload.temp_name]
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_test_id("upload-status")).to_contain_text("Cancelled")
    wait_for(lambda: not BrowserUpload.objects.exists(), message="the upload row removed")
    assert not folder.exists() or list(folder.iterdir()) == []
    assert Transfer.objects.get().state == Transfer.State.CANCELLED
    console.only(re.compile(rf"Failed to load resource: ({BUSY})"), "pausing, resuming and cancelling")
