"""Edit template: the row changes at once, and a PROPERTIES transfer run by
a real worker writes the new name, display text and public flag into
template.properties on every zone's NFS copy and in Swift (read back from
both), keeping every other key."""
import pytest

from storage.models import GuestOsType, Template, Transfer
from storage.secondary import demo, properties
from tests.transfer_helpers import add_template, enable_zone, make_swift_store, make_zone, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)


def _in_swift(swift_connection, template_id):
    _, body = swift_connection.get_object(f"T-{template_id}", properties.FILENAME)
    return properties.parse(body)


def test_edit_writes_template_properties_on_nfs_and_in_swift(local_swift, celery_worker, admin_client,
                                                             swift_connection):
    make_swift_store(local_swift)
    source, source_root = make_zone(seed=False)
    image = add_template(source_root, 4600, demo.image_bytes(4600, 300_000))
    enable_zone(source)
    assert wait_transfer(4600, direction=Transfer.Direction.UP).state == Transfer.State.DONE
    other, other_root = make_zone(seed=False)
    enable_zone(other)
    assert wait_transfer(4600, direction=Transfer.Direction.DOWN).state == Transfer.State.DONE
    ubuntu = GuestOsType.objects.get(name="Ubuntu 12.04 (64-bit)")

    response = admin_client.post(f"/templates/4600/edit/", {
        "name": "web-server", "description": "Web server = nginx", "os_type": ubuntu.pk, "public": "on",
        "featured": "on", "extractable": "on"})
    assert response.status_code == 302 and response["Location"] == "/templates/4600/"
    template = Template.objects.get(pk=4600)
    assert (template.name, template.os_type, template.featured, template.extractable, template.password_enabled) == (
        "web-server", ubuntu, True, True, False)
    update = wait_transfer(4600, direction=Transfer.Direction.PROPERTIES)
    assert update.state == Transfer.State.DONE, update.last_error

    expected = {"uniquename": "web-server", "description": "Web server = nginx", "public": "true"}
    copies = [properties.parse((root / "template/tmpl/2/4600/template.properties").read_bytes())
              for root in (source_root, other_root)]
    copies.append(_in_swift(swift_connection, 4600))
    for values in copies:
        assert {key: values.get(key) for key in expected} == expected
        assert values["x.custom"] == "kept" and values["filename"] == image.name  # other keys stay
        assert list(values)[:2] == ["filename", "id"]  # in their order
    # CloudStack's database fields are not written into the file.
    assert not {"featured", "extractable", "ostype", "passwordenabled"} & set(copies[0])
    # The image is untouched: no new upload or copy down follows.
    assert Transfer.objects.filter(template_id=4600, direction=Transfer.Direction.UP).count() == 1
    assert Transfer.objects.filter(template_id=4600, direction=Transfer.Direction.DOWN).count() == 1

    # An edit of database fields only queues no transfer.
    admin_client.post("/templates/4600/edit/", {
        "name": "web-server", "description": "Web server = nginx", "os_type": ubuntu.pk, "public": "on"})
    assert Transfer.objects.filter(template_id=4600, direction=Transfer.Direction.PROPERTIES).count() == 1
    assert Template.objects.get(pk=4600).featured is False


def test_the_update_waits_for_a_running_copy_of_the_template(celery_worker, admin_client):
    from django.utils import timezone

    from storage.catalog.scanner import record_entries, scan_folder
    from storage.models import SecondaryStorage
    from tests.transfer_helpers import wait_for

    zone, root = make_zone(seed=False)
    add_template(root, 4700, demo.image_bytes(4700, 1000))
    store = SecondaryStorage.objects.get(zone=zone)
    record_entries(zone, [(store, entry) for entry in scan_folder(root).entries], complete_scan=True)
    # An upload some worker is running (its heartbeat is fresh): the update must not write under it.
    upload = Transfer.objects.create(template_id=4700, zone=zone, direction=Transfer.Direction.UP,
                                     state=Transfer.State.RUNNING, heartbeat=timezone.now())
    other = GuestOsType.objects.get(name="Other (64-bit)")
    admin_client.post("/templates/4700/edit/", {"name": "edited", "description": "d", "os_type": other.pk})

    waiting = wait_for(lambda: Transfer.objects.filter(template_id=4700, direction=Transfer.Direction.PROPERTIES,
                                                       last_error__contains="copying the template").first(),
                       message="the update waiting")
    assert waiting.state in (Transfer.State.QUEUED, Transfer.State.RUNNING)
    props = root / "template/tmpl/2/4700/template.properties"
    assert properties.parse(props.read_bytes())["uniquename"] == "t4700"
    Transfer.objects.filter(pk=upload.pk).update(state=Transfer.State.DONE)
    done = wait_transfer(4700, direction=Transfer.Direction.PROPERTIES)
    assert done.state == Transfer.State.DONE, done.last_error
    assert properties.parse(props.read_bytes())["uniquename"] == "edited"
