"""Scans recorded in the database, and when zones are scanned."""
import shutil
from datetime import timedelta

import pytest
from django.utils import timezone

from cloudadmin.messages import english
from cloudadmin import config
from storage.catalog import scanner, sync
from storage.models import Template, TemplateLocation, Transfer, ZoneScan
from tests.transfer_helpers import add_template, make_zone
from zones.models import Zone

pytestmark = pytest.mark.django_db


def _scan(zone):
    scan = ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL)
    return scanner.run_scan(scan.pk)


def test_scan_records_templates_locations_and_missing_ones(django_capture_on_commit_callbacks):
    zone, root = make_zone()
    add_template(root, 20, b"abc", checksum="")
    (root / "template/tmpl/2/21").mkdir(parents=True)
    (root / "template/tmpl/2/21/template.properties").write_text("garbage\n")
    scan = _scan(zone)
    assert (scan.state, scan.templates_found, scan.templates_ready, scan.templates_invalid) == ("done", 4, 3, 1)
    assert scan.transfers_queued == 0  # no Swift configured: nothing to copy to
    invalid = TemplateLocation.objects.get(template_id=21, zone=zone)
    assert invalid.state == TemplateLocation.State.INVALID and "no '='" in english(invalid.reason)
    assert Template.objects.get(pk=20).properties["x.custom"] == "kept"
    assert Template.objects.get(pk=5).name == "centos53-x64"

    shutil.rmtree(root / "template/tmpl/2/20")
    assert _scan(zone).templates_found == 3
    assert TemplateLocation.objects.get(template_id=20, zone=zone).state == TemplateLocation.State.MISSING
    assert ZoneScan.objects.filter(zone=zone).count() == 2


def test_an_unreachable_share_fails_the_scan_with_the_reason():
    zone, root = make_zone(seed=False)
    root.rmdir()
    scan = _scan(zone)
    assert scan.state == ZoneScan.State.FAILED and "not a folder" in scan.error


def test_one_scan_at_a_time_per_zone():
    zone, _root = make_zone(seed=False)
    assert sync.sync_now(zone) is not None
    assert sync.sync_now(zone) is None  # already queued
    assert ZoneScan.objects.filter(zone=zone).count() == 1


def test_periodic_sync_scans_enabled_zones_when_their_interval_has_passed():
    config.change("swift.sync.interval", "60")
    enabled, _ = make_zone(seed=False)
    disabled, _ = make_zone(seed=False)
    Zone.objects.filter(pk=enabled.pk).update(allocation_state=Zone.AllocationState.ENABLED)
    assert [s.zone_id for s in sync.sync_due_zones()] == [enabled.pk]  # never scanned
    ZoneScan.objects.update(state=ZoneScan.State.DONE)
    assert sync.sync_due_zones() == []  # scanned just now
    later = timezone.now() + timedelta(seconds=61)
    assert [s.trigger for s in sync.sync_due_zones(now=later)] == [ZoneScan.Trigger.PERIODIC]
    assert not ZoneScan.objects.filter(zone=disabled).exists()


def test_a_failed_upload_of_the_same_copy_is_not_queued_again_by_scans(local_swift):
    from tests.transfer_helpers import make_swift_store

    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    add_template(root, 30, b"abcdef")
    assert _scan(zone).transfers_queued == 1
    Transfer.objects.filter(template_id=30).update(state=Transfer.State.FAILED)
    assert _scan(zone).transfers_queued == 0  # waits for the operator's Retry
    add_template(root, 30, b"abcdefgh")  # a new copy of it
    assert _scan(zone).transfers_queued == 1


def test_stale_running_transfers_go_back_to_the_queue(settings):
    zone, root = make_zone(seed=False)
    add_template(root, 31, b"x")
    _scan(zone)
    template = Template.objects.get(pk=31)
    stale = Transfer.objects.create(template=template, direction=Transfer.Direction.UP, zone=zone,
                                    state=Transfer.State.RUNNING,
                                    heartbeat=timezone.now() - timedelta(seconds=settings.TRANSFER_STALE_SECONDS + 5))
    from storage.transfers import lifecycle, queueing as transfers
    assert [t.pk for t in transfers.requeue_stale()] == [stale.pk]  # the rows requeued, as they were
    assert transfers.requeue_stale() == []  # queued once, not at every beat
    assert Transfer.objects.get(pk=stale.pk).state == Transfer.State.QUEUED
    claimed = lifecycle.claim(stale.pk, "other")
    assert claimed is not None and claimed[0].attempts == 1
    assert lifecycle.claim(stale.pk, "duplicate") is None  # a duplicate delivery does nothing


def test_a_running_transfer_with_a_dead_worker_is_taken_over_by_a_redelivered_task(settings):
    from storage.transfers import lifecycle

    zone, root = make_zone(seed=False)
    add_template(root, 32, b"x")
    _scan(zone)
    row = Transfer.objects.create(template_id=32, direction=Transfer.Direction.UP, zone=zone,
                                  state=Transfer.State.RUNNING, heartbeat=timezone.now())
    assert lifecycle.claim(row.pk, "redelivered") is None  # its worker is alive
    Transfer.objects.filter(pk=row.pk).update(
        heartbeat=timezone.now() - timedelta(seconds=settings.TRANSFER_STALE_SECONDS + 1))
    assert lifecycle.claim(row.pk, "redelivered") is not None
