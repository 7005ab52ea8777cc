"""The automatic mode (`swift.replicate.to.all.zones`): a template in Swift
reaches a zone enabled later; a zone already holding an identical template
is not copied to; with the setting false nothing is copied automatically,
but a template registered for every zone (zoneid=-1) still is."""
import hashlib

import pytest
from django.db import transaction

from cloudadmin import config
from storage.secondary import demo
from storage.transfers import replication, queueing as transfers
from storage.models import Template, TemplateLocation, Transfer, ZoneScan
from tests.transfer_helpers import add_template, enable_zone, make_swift_store, make_zone, wait_for, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)


def _scanned(zone):
    return wait_for(lambda: ZoneScan.objects.filter(zone=zone, state=ZoneScan.State.DONE).first(),
                    message=f"scan of {zone.name}")


def test_a_zone_enabled_later_receives_the_templates_in_swift(local_swift, celery_worker):
    make_swift_store(local_swift)
    source, source_root = make_zone(seed=False)
    data = demo.image_bytes(4100, 1024 * 1024 + 3)
    image = add_template(source_root, 4100, data)
    enable_zone(source)
    assert wait_transfer(4100, direction=Transfer.Direction.UP).state == Transfer.State.DONE
    later, later_root = make_zone(seed=False)  # added after the template reached Swift, still disabled
    assert replication.replicate_template(4100) == 0  # a disabled zone gets nothing

    enable_zone(later)
    copy = wait_transfer(4100, direction=Transfer.Direction.DOWN)
    assert copy.state == Transfer.State.DONE, copy.last_error
    assert copy.zone == later
    folder = later_root / "template" / "tmpl" / "2" / "4100"
    assert (folder / image.name).read_bytes() == data
    assert (folder / "template.properties").read_bytes() == (image.parent / "template.properties").read_bytes()
    # Everything is in place now: another pass queues nothing.
    assert replication.replicate_to_zone(later.pk) == 0
    assert replication.replicate_template(4100) == 0


def test_a_zone_holding_the_identical_template_is_not_copied_to(local_swift, celery_worker):
    make_swift_store(local_swift)
    source, source_root = make_zone(seed=False)
    data = demo.image_bytes(4200, 700_000)
    image = add_template(source_root, 4200, data)
    enable_zone(source)
    assert wait_transfer(4200, direction=Transfer.Direction.UP).state == Transfer.State.DONE
    # The upload's follow-up (replicate_template) runs after its row says
    # Done: were the twin enabled before it ran, it would rightly queue a copy
    # to a zone not scanned yet (which the copy then finds identical).
    celery_worker.transfers.wait_idle()

    twin, twin_root = make_zone(seed=False)
    twin_image = add_template(twin_root, 4200, data, filename=image.name)  # same bytes, same checksum
    before = twin_image.stat().st_mtime_ns
    enable_zone(twin)
    _scanned(twin)
    assert TemplateLocation.objects.get(template_id=4200, zone=twin).state == TemplateLocation.State.READY
    assert replication.replicate_to_zone(twin.pk) == 0
    assert not Transfer.objects.filter(template_id=4200, direction=Transfer.Direction.DOWN).exists()

    # Copy to zone on demand finds the identical copy and writes nothing.
    with transaction.atomic():
        queued = transfers.enqueue_copy_down(Template.objects.get(pk=4200), twin)
    done = wait_transfer(4200, direction=Transfer.Direction.DOWN)
    assert done.pk == queued.pk and done.state == Transfer.State.DONE, done.last_error
    assert done.md5 == hashlib.md5(data).hexdigest()
    assert twin_image.stat().st_mtime_ns == before
    assert sorted(p.name for p in twin_image.parent.iterdir()) == sorted([image.name, "template.properties"])


def _in_swift_with_the_setting_false(swift, template_id):
    """A template uploaded from one zone while another enabled zone waits:
    returns that other zone."""
    config.change("swift.replicate.to.all.zones", "false")
    make_swift_store(swift)
    source, source_root = make_zone(seed=False)
    add_template(source_root, template_id, demo.image_bytes(template_id, 1000))
    target, _root = make_zone(seed=False)
    enable_zone(target)
    _scanned(target)
    enable_zone(source)
    assert wait_transfer(template_id, direction=Transfer.Direction.UP).state == Transfer.State.DONE
    return target


def test_with_the_setting_false_templates_stay_until_copied_on_demand(local_swift, celery_worker):
    target = _in_swift_with_the_setting_false(local_swift, 4300)
    assert replication.replicate_template(4300) == 0
    assert replication.replicate_to_zone(target.pk) == 0
    assert not Transfer.objects.filter(template_id=4300, direction=Transfer.Direction.DOWN).exists()

    config.change("swift.replicate.to.all.zones", "true")
    replication.replicate_to_zone(target.pk)  # what the zone's next periodic scan does
    copy = wait_transfer(4300, direction=Transfer.Direction.DOWN)
    assert copy.state == Transfer.State.DONE and copy.zone == target, copy.last_error
    assert Transfer.objects.filter(template_id=4300, direction=Transfer.Direction.DOWN).count() == 1


def test_a_template_registered_for_every_zone_is_copied_with_the_setting_false(local_swift, celery_worker):
    target = _in_swift_with_the_setting_false(local_swift, 4400)
    assert not Transfer.objects.filter(template_id=4400, direction=Transfer.Direction.DOWN).exists()
    Template.objects.filter(pk=4400).update(cross_zones=True)  # what registerTemplate zoneid=-1 sets
    assert replication.replicate_template(4400) == 1
    copy = wait_transfer(4400, direction=Transfer.Direction.DOWN)
    assert copy.state == Transfer.State.DONE and copy.zone == target, copy.last_error
    assert replication.replicate_to_zone(target.pk) == 0  # the zone holds it now
