"""A scan that reads a copy still holding the old template.properties does
not undo an edit whose properties update has not run yet; once it is done,
the scan records what the copies say again."""
import pytest

from storage.catalog.scanner import record_entries, scan_folder
from storage.models import SecondaryStorage, Template, Transfer
from tests.transfer_helpers import add_template
from zones.models import Zone

pytestmark = pytest.mark.django_db


def test_a_scan_keeps_an_edit_that_is_being_written(tmp_path):
    zone = Zone.objects.create(name="Z1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="XenServer")
    store = SecondaryStorage.objects.create(zone=zone, server="127.0.0.1", path="/export/z1")
    add_template(tmp_path, 900, b"x" * 100)  # uniquename=t900
    entries = [(store, entry) for entry in scan_folder(tmp_path).entries]
    record_entries(zone, entries, complete_scan=True)
    Template.objects.filter(pk=900).update(name="edited", properties={"uniquename": "edited"})
    update = Transfer.objects.create(template_id=900, zone=zone, direction=Transfer.Direction.PROPERTIES)

    record_entries(zone, entries, complete_scan=True)
    assert Template.objects.get(pk=900).name == "edited"

    Transfer.objects.filter(pk=update.pk).update(state=Transfer.State.FAILED)
    record_entries(zone, entries, complete_scan=True)
    assert Template.objects.get(pk=900).name == "t900"
