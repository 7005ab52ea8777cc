"""scan_runs on PostgreSQL: which scans requeue_stale takes, and that a run
whose row was taken from it can neither finish nor fail it. The test's
transaction is rolled back, so nothing it enqueues is sent."""
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cloudadmin.models import Event
from storage import scan_runs, sync
from storage.models import ZoneScan
from tests.transfer_helpers import make_zone

pytestmark = pytest.mark.django_db


def running(zone, *, age, heartbeat=True):
    scan = sync.queue_scan(zone, trigger=ZoneScan.Trigger.MANUAL)
    claimed = scan_runs.claim(scan.pk, "w@old")
    beat = timezone.now() - age
    ZoneScan.objects.filter(pk=scan.pk).update(heartbeat=beat if heartbeat else None, started=beat)
    claimed.refresh_from_db()
    return claimed


def test_only_running_scans_past_the_threshold_are_requeued(settings):
    settings.TRANSFER_STALE_SECONDS = 120
    old, silent, fresh = (running(make_zone(seed=False)[0], age=timedelta(minutes=10)),
                          running(make_zone(seed=False)[0], age=timedelta(minutes=10), heartbeat=False),
                          running(make_zone(seed=False)[0], age=timedelta(seconds=30)))
    queued = sync.queue_scan(make_zone(seed=False)[0], trigger=ZoneScan.Trigger.MANUAL)

    taken = scan_runs.requeue_stale()
    assert {s.pk for s in taken} == {old.pk, silent.pk}
    for row in ZoneScan.objects.filter(pk__in=[old.pk, silent.pk]):
        assert (row.state, row.claim, row.worker) == (ZoneScan.State.QUEUED, None, "")
    assert ZoneScan.objects.get(pk=fresh.pk).state == ZoneScan.State.RUNNING
    assert ZoneScan.objects.get(pk=queued.pk).state == ZoneScan.State.QUEUED
    assert Event.objects.filter(action="zone.scan.requeue").count() == 2
    assert scan_runs.requeue_stale() == []


def test_a_requeued_scan_is_claimed_once_and_the_old_run_loses_it():
    old = running(make_zone(seed=False)[0], age=timedelta(minutes=10))
    scan_runs.requeue_stale(timedelta(minutes=5))

    with pytest.raises(scan_runs.ScanStopped), transaction.atomic():
        scan_runs.finish(old, state=ZoneScan.State.DONE)
    assert scan_runs.fail(old, RuntimeError("late")).state == ZoneScan.State.QUEUED  # not the old run's to fail

    first = scan_runs.claim(old.pk, "w@new")
    assert first is not None and first.claim != old.claim
    assert scan_runs.claim(old.pk, "w@other") is None  # a duplicate delivery
    assert scan_runs.requeue_stale(timedelta(minutes=5)) == []  # its heartbeat is fresh


def test_the_periodic_sync_requeues_stale_scans(settings):
    settings.TRANSFER_STALE_SECONDS = 60
    old = running(make_zone(seed=False)[0], age=timedelta(minutes=10))
    sync.sync_due_zones()
    assert ZoneScan.objects.get(pk=old.pk).state == ZoneScan.State.QUEUED
