"""When zones are scanned and their templates copied to Swift.

- `start_zone_sync(zone, user=...)`: a zone was enabled (zones.hooks).
- `sync_now(zone, user=...)`: the operator's "Sync now".
- `sync_due_zones()`: Celery beat, every few seconds; scans each enabled
  zone whose newest scan is older than `swift.sync.interval` seconds.

Each queues a ZoneScan row (at most one queued or running per zone, a
database constraint) and enqueues `storage.tasks.scan_zone` on commit. The
scan (storage.catalog.scanner) records Templates and TemplateLocations, then
`queue_uploads` creates the upload Transfers for templates not yet in Swift.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from cloudadmin import config, events
from cloudadmin.messages import coded
from storage import dispatch
from storage.catalog import scan_runs
from storage.models import ZoneScan
from storage.transfers import queueing
from zones.models import Zone

logger = logging.getLogger(__name__)


def queue_scan(zone, *, trigger: str, user=None) -> ZoneScan | None:
    """A queued ZoneScan of `zone`, enqueued on commit; None when one is
    already queued or running (that one will see the same files)."""
    try:
        with transaction.atomic():
            scan = ZoneScan.objects.create(zone=zone, trigger=trigger, requested_by=events.username_of(user))
    except IntegrityError:
        return None
    transaction.on_commit(lambda: dispatch.task("scan_zone").delay(scan.pk))
    return scan


def start_zone_sync(zone, *, user=None) -> ZoneScan | None:
    """A zone was just enabled: scan it at once (called inside the enabling
    transaction; nothing is enqueued unless it commits)."""
    scan = queue_scan(zone, trigger=ZoneScan.Trigger.ZONE_ENABLED, user=user)
    if scan is not None:
        events.record("zone.sync", user=user, target=zone.name, detail=coded("scan queued: zone enabled"))
    return scan


def sync_now(zone, *, user=None) -> ZoneScan | None:
    """The operator's "Sync now". None when a scan is already queued or running."""
    scan = queue_scan(zone, trigger=ZoneScan.Trigger.MANUAL, user=user)
    events.record("zone.sync", user=user, target=zone.name,
                  detail=coded("scan queued") if scan is not None else coded("a scan is already queued or running"))
    return scan


def sync_due_zones(now=None) -> list[ZoneScan]:
    """Queue a scan of every enabled zone whose newest scan started more than
    `swift.sync.interval` seconds ago (or never). Also hands stale transfers
    and scans (their worker died) back to the queue. Called by Celery beat."""
    now = now or timezone.now()
    due_before = now - timedelta(seconds=config.value("swift.sync.interval"))
    queued = []
    due = (Zone.objects.filter(allocation_state=Zone.AllocationState.ENABLED)
           .annotate(newest=Max("scans__created"))
           .filter(Q(newest__isnull=True) | Q(newest__lte=due_before)))
    for zone in due:
        with transaction.atomic():
            scan = queue_scan(zone, trigger=ZoneScan.Trigger.PERIODIC)
        if scan is not None:
            queued.append(scan)
    queueing.requeue_stale(username="beat")
    scan_runs.requeue_stale(username="beat")
    return queued
