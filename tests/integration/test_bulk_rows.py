"""bulk_rows.insert_rows stores what bulk_create would, on PostgreSQL."""
import pytest

from storage.catalog import bulk_rows
from storage.models import Template, TemplateLocation
from zones.models import Zone

pytestmark = pytest.mark.django_db

SAME_AS_BULK_CREATE = ("account_id", "name", "description", "filename", "format", "size", "virtual_size",
                       "checksum", "properties", "os_type_id", "featured", "password_enabled", "extractable",
                       "swift_state", "swift_md5", "swift_size", "swift_stored_at", "deleted")


def _templates(first_id):
    return [Template(id=first_id, account_id=2, name="it's \"quoted\"", description="línea\\n{x}",
                     filename=f"{first_id}.qcow2", format="qcow2", size=16, virtual_size=None,
                     properties={"uniquename": "ü", "x.custom": "a=b", "empty": ""}),
            Template(id=first_id + 1)]  # every default


def test_insert_rows_stores_what_bulk_create_stores():
    Template.objects.bulk_create(_templates(100))
    bulk_rows.insert_rows(Template, _templates(200))
    for offset in (0, 1):
        created = Template.objects.values(*SAME_AS_BULK_CREATE).get(pk=100 + offset)
        inserted = Template.objects.values(*SAME_AS_BULK_CREATE).get(pk=200 + offset)
        assert {**inserted, "filename": created["filename"]} == created
    rows = Template.objects.filter(pk__gte=200)
    assert len({row.uuid for row in rows}) == 2  # a new uuid4 per row, as a model default
    assert all(row.created and row.updated for row in rows)  # auto_now_add, auto_now


def test_insert_rows_leaves_the_serial_id_to_the_database():
    zone = Zone.objects.create(name="zone1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="KVM")
    Template.objects.bulk_create(_templates(300))
    bulk_rows.insert_rows(TemplateLocation, [
        TemplateLocation(template_id=300, zone=zone, state=TemplateLocation.State.READY, path="template/tmpl/2/300",
                         image_size=16, image_mtime=1700000000.25),
        TemplateLocation(template_id=301, zone=zone, state=TemplateLocation.State.INVALID, reason="no image")])
    rows = list(TemplateLocation.objects.filter(zone=zone).order_by("template_id"))
    assert [(row.template_id, row.state, row.image_mtime, row.image_size) for row in rows] == [
        (300, "Ready", 1700000000.25, 16), (301, "Invalid", None, None)]
    assert rows[0].pk != rows[1].pk and rows[0].updated
    Template.objects.create(id=302)
    later = TemplateLocation.objects.create(template_id=302, zone=zone, state="Ready")
    assert later.pk > max(row.pk for row in rows)  # the sequence moved on
