"""The dashboard in chromium while a real worker copies a template into the
real local Swift (throttled by TRANSFER_TEST_THROTTLE so that progress can
be seen): the progress bar advances without a reload, polling pauses while
the tab is hidden and slows down when nothing is active, and Retry of a failed
transfer from the UI completes."""
import hashlib
import re

import pytest

from storage.secondary import demo
from storage.catalog import scanner
from storage.models import Transfer, ZoneScan
from tests.conftest import WorkerProcess, worker_env
from tests.e2e.test_csp import RECORD_VIOLATIONS
from tests.transfer_helpers import add_template, make_swift_store, make_zone, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

QUEUE = "transfers-e2e-dashboard"  # only the throttled worker below takes these
THROTTLE = 1024 * 1024  # bytes/s
SLOW_ID, FAILING_ID = 901, 902


@pytest.fixture
def throttled_worker(django_db_setup, tmp_path, settings):
    """A worker of its own, throttled, on a transfer queue of its own (the
    session's worker, if any, keeps the usual queues)."""
    settings.TRANSFER_QUEUE = QUEUE  # where this process (and the live server) sends transfers
    worker = WorkerProcess(worker_env(TRANSFER_TEST_THROTTLE=str(THROTTLE), TRANSFER_QUEUE=QUEUE),
                           tmp_path / "throttled-worker.log", "transfers", queues=QUEUE).start()
    yield worker
    worker.stop()


def _scan_here(zone):
    """Scan the zone in this process: its uploads go to QUEUE."""
    from zones.models import Zone

    Zone.objects.filter(pk=zone.pk).update(allocation_state=Zone.AllocationState.ENABLED)
    scan = ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL)
    scanner.run_scan(scan.pk)


def _progress(page, transfer_id):
    return page.evaluate(
        f"() => {{ const p = document.querySelector('[data-testid=\"progress-{transfer_id}\"]');"
        f" return p ? [Number(p.value), Number(p.max)] : null; }}")


def test_live_progress_polling_and_retry(logged_in_page, live_server, local_swift, throttled_worker, swift_connection):
    page = logged_in_page
    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    slow_data = demo.image_bytes(SLOW_ID, 16 * 1024 * 1024)
    add_template(root, SLOW_ID, slow_data)
    failing_data = demo.image_bytes(FAILING_ID, 512 * 1024)
    failing_image = add_template(root, FAILING_ID, failing_data, checksum="0" * 32)  # wrong checksum

    page.add_init_script(RECORD_VIOLATIONS)
    polls = []
    page.on("request", lambda request: polls.append(request.url)
            if request.headers.get("hx-request") and request.method == "GET" else None)
    page.goto(f"{live_server.url}/")
    page.evaluate("() => { window.__sameDocument = true; }")  # gone if the page reloads
    # Nothing active: it polls, slowly, so that new activity still shows.
    assert page.locator('[data-testid=transfer-table][data-poll="10"]').count() == 1

    _scan_here(zone)
    slow = Transfer.objects.get(template_id=SLOW_ID)
    failing = Transfer.objects.get(template_id=FAILING_ID)
    # The idle poll finds the new transfers, then polls fast; no reload.
    page.locator('[data-testid=transfer-table][data-poll="2"]').wait_for(timeout=30000)
    page.locator(f"[data-testid=transfer-{slow.pk}]").wait_for()

    # The bar moves while the page stays the same document.
    page.wait_for_function(
        f"() => {{ const p = document.querySelector('[data-testid=\"progress-{slow.pk}\"]');"
        f" return p && Number(p.value) > 0 && Number(p.value) < Number(p.max); }}", timeout=60000)
    first, total = _progress(page, slow.pk)
    assert total == len(slow_data)

    # Hidden tab: no polling; shown again: it refreshes at once.
    page.evaluate("""() => {
        Object.defineProperty(document, 'hidden', {value: true, configurable: true});
        Object.defineProperty(document, 'visibilityState', {value: 'hidden', configurable: true});
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    before = len(polls)
    page.wait_for_timeout(3 * 2000 + 500)  # three poll intervals
    assert len(polls) == before, "polled while the tab was hidden"
    page.evaluate("""() => {
        delete document.hidden; delete document.visibilityState;
        document.dispatchEvent(new Event('visibilitychange'));
    }""")
    wait_for(lambda: len(polls) > before, timeout=10, message="a refresh when the tab shows again")

    page.wait_for_function(
        f"() => {{ const p = document.querySelector('[data-testid=\"progress-{slow.pk}\"]');"
        f" return p && Number(p.value) > {first}; }}", timeout=60000)
    page.locator(f"[data-testid=transfer-{slow.pk}][data-state=done]").wait_for(timeout=90000)
    page.locator(f"[data-testid=transfer-{failing.pk}][data-state=failed]").wait_for(timeout=30000)
    assert "checksum mismatch" in page.locator(f"[data-testid=transfer-{failing.pk}]").inner_text()
    assert page.evaluate("() => window.__sameDocument") is True  # never reloaded
    # Counters came along out of band.
    assert page.get_by_test_id("count-running").inner_text() == "0"
    assert page.get_by_test_id("count-failed").inner_text() == "1"

    # Nothing active any more: polling slows down to the idle pace.
    page.locator('[data-testid=transfer-table][data-poll="10"]').wait_for(timeout=10000)
    slowed = len(polls)
    page.wait_for_timeout(3 * 2000 + 500)
    assert len(polls) == slowed, "still polling every 2 s with nothing queued or running"

    # Fix the template on NFS, then Retry from the UI: it completes.
    props = failing_image.parent / "template.properties"
    props.write_text(props.read_text().replace("0" * 32, hashlib.md5(failing_data).hexdigest()))
    page.locator(f"[data-testid=transfer-{failing.pk}]").get_by_role("button", name="Retry").click()
    message = page.get_by_test_id("action-message")
    message.wait_for()
    retried = Transfer.objects.exclude(pk=failing.pk).get(template_id=FAILING_ID)
    assert re.search(rf"retried as transfer {retried.pk}\b", message.inner_text())
    page.locator(f"[data-testid=transfer-{retried.pk}][data-state=done]").wait_for(timeout=90000)
    assert page.get_by_test_id("count-failed").inner_text() == "0"  # retried since: needs no attention
    assert page.evaluate("() => window.__sameDocument") is True
    _headers, body = swift_connection.get_object(f"T-{FAILING_ID}", failing_image.name)
    assert body == failing_data
    assert page.evaluate("window.__cspViolations") == []

    # Both templates are in Swift now: the compare view says so, and its
    # toggle swaps the table in place, keeping itself in the URL.
    page.goto(f"{live_server.url}/compare/{zone.pk}/")
    for template_id in (SLOW_ID, FAILING_ID):
        assert page.locator(f"[data-testid=compare-template-{template_id}]").get_attribute("data-ok") == "true"
    page.get_by_label("Only differences").check()
    page.get_by_text("No differences.").wait_for()
    assert "differences=on" in page.url
    page.goto(f"{live_server.url}/templates/")
    assert page.get_by_test_id(f"cell-{SLOW_ID}-swift").get_attribute("data-state") == "stored"
    assert page.get_by_test_id(f"cell-{SLOW_ID}-{zone.pk}").get_attribute("data-state") == "ready"
    assert page.evaluate("window.__cspViolations") == []
