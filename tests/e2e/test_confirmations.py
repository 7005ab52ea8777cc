"""Hard-to-undo actions ask first, in one keyboard-operable dialog that
spells out the consequence: Cancel (or Esc) changes nothing, the accept
button does the action, for plain forms and for htmx ones alike."""
import pytest
from playwright.sync_api import expect

from storage.models import Transfer
from tests.storage_rows import make_template, make_transfer, make_zone
from tests.zone_wizard_helpers import STEP_DATA
from zones.models import Zone, ZoneWizardDraft

pytestmark = pytest.mark.django_db(transaction=True)


def test_disable_zone_cancel_transfer_and_discard_draft_are_confirmed(logged_in_page, live_server, admin_user):
    page = logged_in_page
    dialog = page.get_by_test_id("confirm-dialog")

    # Disable zone (a plain form): Esc, then the accept button.
    zone = make_zone("zone-c")
    page.goto(f"{live_server.url}/zones/{zone.pk}/")
    page.get_by_role("button", name="Disable zone").click()
    expect(dialog).to_contain_text("Zone zone-c will no longer be scanned or synced")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.get_by_test_id("allocation-state")).to_have_text("Enabled")
    page.get_by_role("button", name="Disable zone").click()
    dialog.get_by_role("button", name="Disable zone").click()
    expect(page.get_by_test_id("allocation-state")).to_have_text("Disabled")
    assert Zone.objects.get(pk=zone.pk).allocation_state == "Disabled"

    # Cancel transfer (an htmx form): Cancel keeps it, the accept button cancels.
    queued = make_transfer(make_template(41), zone, Transfer.State.QUEUED)
    page.goto(f"{live_server.url}/")
    row = page.get_by_test_id(f"transfer-{queued.pk}")
    row.get_by_role("button", name="Cancel").click()
    expect(dialog).to_contain_text(f"Transfer {queued.pk} of template 41 stops")
    dialog.get_by_role("button", name="Cancel", exact=True).click()
    expect(dialog).to_be_hidden()
    assert Transfer.objects.get(pk=queued.pk).state == Transfer.State.QUEUED
    row.get_by_role("button", name="Cancel").click()
    dialog.get_by_role("button", name="Cancel transfer").click()
    expect(page.get_by_test_id("action-message")).to_have_text(f"Transfer {queued.pk} is cancelled.")
    expect(page.locator(f"[data-testid=transfer-{queued.pk}][data-state=cancelled]")).to_have_count(1)

    # Discard a draft of the Add zone wizard.
    ZoneWizardDraft.objects.create(user=admin_user, data={"zone": STEP_DATA["zone"]})
    page.goto(f"{live_server.url}/zones/")
    page.get_by_test_id("draft").get_by_role("button", name="Discard").click()
    expect(dialog).to_contain_text("This cannot be undone.")
    dialog.get_by_role("button", name="Discard").click()
    expect(page.get_by_role("alert")).to_contain_text("was discarded")
    assert not ZoneWizardDraft.objects.exists()
