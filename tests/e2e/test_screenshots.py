"""Every page in English and Japanese, at 1366x900 and 1024x768, in
chromium: no horizontal overflow of the page, the same sidebar width on
every page, and (the `page` fixture's rule) no console error or CSP
violation. The screenshots are kept under the test's tmp folder; the list
of pages checked is printed (pytest -s) for the record.

Pages come from the URL resolver (tests/urlcrawl.py) with the sample rows
below filling in their ids, so pages added later are checked too."""
import pytest

from storage.secondary import demo, nfs

from django.test import Client

from storage.models import TemplateRegistration, Transfer
from tests.storage_rows import make_location, make_template, make_transfer
from tests.storage_rows import make_zone as make_zone_row
from tests.transfer_helpers import make_swift_store
from tests.urlcrawl import MISSING_ID, endpoints
from tests.zone_wizard_helpers import fill, mark_share_checked, start
from zones import wizard

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = [(1366, 900), (1024, 768)]
LANGUAGES = [("en", "English"), ("ja", "日本語")]
# Not pages: actions (POST only), the API, the health check, logout.
SKIPPED = ("logout", "healthz", "client_api")
LONG = "a-rather-long-template-name-that-an-admin-might-really-use-for-a-windows-server-image"


def sample_rows(admin_user, local_swift):
    """Rows that give every page with an id something to show, with long
    values where tables could overflow."""
    make_swift_store(local_swift)
    zone = make_zone_row("zone-screenshot-with-a-long-name")
    store = zone.secondary_storages.get()
    demo.create_demo_secondary_storage(nfs.local_path(store.server, store.path))  # for the compare page
    template = make_template(4321, LONG, properties={"filename": f"{LONG}.vhd", "id": "4321",
                                                     "description": LONG * 2})
    make_location(template, zone)
    make_transfer(template, zone, Transfer.State.FAILED, error="Uploading T-4321: " + "very long error " * 20)
    make_transfer(make_template(4322, LONG + "-2"), zone, Transfer.State.RUNNING, done=100, total=1000, rate=512.0)
    registered = make_template(4323, LONG + "-registered")
    TemplateRegistration.objects.create(template=registered, zone=zone, url=f"http://example.com/{LONG}.vhd",
                                        name=LONG, format="vhd", hypervisor="XenServer", filename="x.vhd")
    make_transfer(registered, zone, Transfer.State.RUNNING, direction=Transfer.Direction.DOWNLOAD, done=10, total=100)
    client = Client()
    client.force_login(admin_user)
    draft = mark_share_checked(fill(client, start(client)))  # every step open, up to the review
    return {"zone": zone, "template": template, "draft": draft, "registered": registered}


def page_paths(rows):
    """The path of every page (GET) with the sample rows' ids."""
    ids = {"zones:detail": rows["zone"].pk, "zones:edit": rows["zone"].pk, "storage:compare": rows["zone"].pk,
           "storage:template": rows["template"].pk, "storage:template_edit": rows["template"].pk,
           "storage:template_registration": rows["registered"].pk}
    paths = []
    for name, path, _view in endpoints():
        if name in SKIPPED:
            continue
        if name == "zones:wizard_step":
            paths.extend(f"/zones/add/{rows['draft'].pk}/{step.slug}/" for step in wizard.steps_for(rows["draft"])
                         if wizard.may_visit(rows["draft"], step))
            continue
        if str(MISSING_ID) in path:
            if name not in ids:
                continue
            path = path.replace(str(MISSING_ID), str(ids[name]))
        if "sample" in path:
            continue
        paths.append(path)
    return paths


def test_every_page_in_both_languages_and_two_sizes(logged_in_page, live_server, admin_user, local_swift,
                                                   celery_worker, new_context, tmp_path):
    rows = sample_rows(admin_user, local_swift)
    page = logged_in_page
    checked, widths, problems = [], {}, []
    # POST-only actions answer a GET with 405: not pages.
    candidates = [path for path in page_paths(rows) if page.request.get(f"{live_server.url}{path}").status == 200]
    for code, button in LANGUAGES:
        page.goto(f"{live_server.url}/events/")
        page.get_by_test_id("language-switcher").get_by_role("button", name=button).click()
        page.wait_for_url(f"{live_server.url}/events/")
        for width, height in VIEWPORTS:
            page.set_viewport_size({"width": width, "height": height})
            for path in candidates:
                page.goto(f"{live_server.url}{path}")
                if page.url.rstrip("/") != f"{live_server.url}{path}".rstrip("/"):
                    continue  # redirected elsewhere (a wizard step not open yet)
                overflow = page.evaluate(
                    "() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
                if overflow > 0:
                    problems.append(f"{code} {width}x{height} {path}: {overflow}px wider than the window")
                widths.setdefault((code, width), set()).add(
                    page.evaluate("() => document.querySelector('.sidebar').getBoundingClientRect().width"))
                name = path.strip("/").replace("/", "_") or "dashboard"
                page.screenshot(path=str(tmp_path / f"{code}-{width}x{height}-{name}.png"))
                checked.append(f"{code} {width}x{height} {path}")
    # The login page, in a browser without a session.
    for code, language in (("en", "en-US"), ("ja", "ja-JP")):
        login = new_context(locale=language).new_page()
        for width, height in VIEWPORTS:
            login.set_viewport_size({"width": width, "height": height})
            login.goto(f"{live_server.url}/login/")
            if login.evaluate("() => document.documentElement.scrollWidth > document.documentElement.clientWidth"):
                problems.append(f"{code} {width}x{height} /login/: wider than the window")
            login.screenshot(path=str(tmp_path / f"{code}-{width}x{height}-login.png"))
            checked.append(f"{code} {width}x{height} /login/")
    print("\nPages checked:\n" + "\n".join(checked))
    assert problems == []
    assert {path.split(" ")[-1] for path in checked} >= {
        "/", "/templates/", "/zones/", "/swift/", "/settings/", "/events/", "/account/",
        f"/zones/{rows['zone'].pk}/", f"/templates/{rows['template'].pk}/", f"/compare/{rows['zone'].pk}/",
        f"/zones/{rows['zone'].pk}/edit/", f"/templates/{rows['template'].pk}/edit/",
        f"/templates/register/{rows['registered'].pk}/", f"/zones/add/{rows['draft'].pk}/review/", "/login/"}
    assert len({width for found in widths.values() for width in found}) == 1, widths  # one sidebar width
