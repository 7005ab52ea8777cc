"""A ZoneScan row's life on a worker: claim, heartbeat, failure, requeue.

A scan holds its zone (one queued or running scan per zone, a database
constraint), so a scan that can stay `running` blocks Sync now and the
periodic sync for good. The same rules as transfers make every end reach
the row:

- `claim()` takes a queued row with a conditional UPDATE and a fresh claim
  id; a duplicate delivery of the task finds nothing to take.
- `heartbeat()` refreshes the row from a thread while the scan walks the
  share (a walk of 100,000 folders writes nothing for a long time).
- `fail()`: a scan whose code raised (a database error, a bug) ends failed
  with its reason and releases the zone.
- `requeue_stale()`: a running scan whose worker died (SIGKILL, lost host)
  goes back to the queue; the beat task that requeues transfers calls it.
Every write after the claim is conditional on it, so a worker that was only
slow finds the row no longer its own and its results are dropped.
"""
from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from cloudadmin import events, messages
from cloudadmin.messages import coded
from storage import dispatch
from storage.models import ZoneScan

logger = logging.getLogger(__name__)


class ScanStopped(Exception):
    """The row is no longer this run's: it was requeued meanwhile."""


def stale_after() -> timedelta:
    return timedelta(seconds=settings.TRANSFER_STALE_SECONDS)


def heartbeat_interval() -> float:
    """Often enough that a live scan never looks stale."""
    return max(0.5, settings.TRANSFER_STALE_SECONDS / 6)


def claim(scan_id: int, worker: str = "") -> ZoneScan | None:
    """The queued scan, now running and owned by this run; None when it was
    not queued (a duplicate delivery, or already ended)."""
    now = timezone.now()
    token = uuid.uuid4()
    if not ZoneScan.objects.filter(pk=scan_id, state=ZoneScan.State.QUEUED).update(
            state=ZoneScan.State.RUNNING, started=now, heartbeat=now, claim=token, worker=worker[:255]):
        return None
    return ZoneScan.objects.select_related("zone").get(pk=scan_id)


def owned(scan: ZoneScan):
    """The row, if it is still this run's."""
    return ZoneScan.objects.filter(pk=scan.pk, claim=scan.claim, state=ZoneScan.State.RUNNING)


@contextmanager
def heartbeat(scan: ZoneScan):
    """Refresh the scan's heartbeat from a thread until the block ends. The
    thread has its own database connection, closed when it stops."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(heartbeat_interval()):
                try:
                    if not owned(scan).update(heartbeat=timezone.now()):
                        return  # requeued or ended: nothing more to keep alive
                except Exception:  # the database may be back at the next beat
                    logger.warning("zone scan %s: heartbeat not written", scan.pk, exc_info=True)
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"scan-{scan.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def finish(scan: ZoneScan, **values) -> None:
    """Write the scan's end (inside the caller's transaction); ScanStopped
    rolls the caller's work back when the row was taken from this run."""
    if not owned(scan).update(**values):
        raise ScanStopped(scan.pk)


def fail(scan: ZoneScan, exc: BaseException) -> ZoneScan:
    """End a scan whose code raised: failed, with the reason, zone released."""
    reason = f"{type(exc).__name__}: {exc}".strip()[:5000]
    now = timezone.now()
    with transaction.atomic():
        if owned(scan).update(state=ZoneScan.State.FAILED, error=reason, finished=now, heartbeat=now):
            events.record_failure("zone.scan", username="worker", target=scan.zone.name,
                                  detail=messages.encode(coded("scan %(id)s failed: %(reason)s", id=scan.pk,
                                                               reason=reason), max_length=2000))
    scan.refresh_from_db()
    return scan


def stale_filter(now=None, *, older_than: timedelta | None = None) -> Q:
    limit = (now or timezone.now()) - (older_than if older_than is not None else stale_after())
    return Q(state=ZoneScan.State.RUNNING) & (Q(heartbeat__lt=limit) | Q(heartbeat__isnull=True, started__lt=limit))


def stale_scans(older_than: timedelta | None = None):
    return ZoneScan.objects.filter(stale_filter(older_than=older_than)).select_related("zone").order_by("id")


def requeue_stale(older_than: timedelta | None = None, *, username: str = "system") -> list[ZoneScan]:
    """Hand running scans whose worker stopped sending heartbeats back to the
    queue (claim cleared, task enqueued on commit). Returns them as they were."""
    requeued = []
    for scan in stale_scans(older_than):
        with transaction.atomic():
            taken = ZoneScan.objects.filter(Q(pk=scan.pk, claim=scan.claim),
                                            stale_filter(older_than=older_than)).update(
                state=ZoneScan.State.QUEUED, claim=None, worker="")
            if not taken:
                continue
            since = scan.heartbeat.isoformat(timespec="seconds") if scan.heartbeat else "never"
            events.record("zone.scan.requeue", username=username, target=scan.zone.name,
                          detail=coded("scan %(id)s (worker %(worker)s, last heartbeat %(since)s) handed back "
                                       "to the queue", id=scan.pk, worker=scan.worker or "?", since=since))
            transaction.on_commit(lambda pk=scan.pk: dispatch.task("scan_zone").delay(pk))
        logger.warning("zone scan %s: no heartbeat since %s from %s; requeued", scan.pk, scan.heartbeat,
                       scan.worker or "?")
        requeued.append(scan)
    return requeued
