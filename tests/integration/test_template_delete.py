"""Deleting a template end to end: real workers, the local Swift, the zone's
share. A 3-segment Static Large Object is deleted while its worker is
SIGKILLed mid-way; the requeued deletion finishes with nothing left in
Swift or on NFS, and no scan brings the template back.

The deleting worker runs with TRANSFER_TEST_THROTTLE (a test-only cap on
bytes per second, counted per object or file removed) on a queue of its own,
so the session's worker never picks its transfers up."""
import os
import signal
import threading
import uuid
from datetime import timedelta

import pytest
import swiftclient
from django.db import connection, transaction

from cloudadmin import config
from cloudadmin.models import Event
from storage.catalog import scanner
from storage.models import Template, TemplateExclusion, TemplateLocation, Transfer, ZoneScan
from storage.secondary import demo
from storage.swift import localswift
from storage.transfers import copy_to_zone, deletion, queueing
from tests.conftest import WorkerProcess, worker_env
from tests.storage_rows import make_location, make_template
from tests.storage_rows import make_zone as make_zone_row
from tests.transfer_helpers import add_template, make_swift_store, make_zone, swift_cli, wait_for, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024
THROTTLE = MIB // 2  # bytes/s: each 1 MiB segment deleted is followed by about 2 s
DELETE_ENV = {"TRANSFER_TEST_THROTTLE": str(THROTTLE), "TRANSFER_STALE_SECONDS": "3",
              "TRANSFER_BACKOFF_SECONDS": "0.5", "TRANSFER_BACKOFF_MAX_SECONDS": "3"}


def _connection(swift):
    return swiftclient.Connection(authurl=swift.auth_url, user=localswift.AUTH_USER, key=localswift.AUTH_KEY,
                                  retries=5)


def _objects(conn, container):
    try:
        return [obj["name"] for obj in conn.get_container(container)[1]]
    except swiftclient.ClientException as exc:
        if exc.http_status == 404:
            return None  # no such container
        raise


def _in_swift(local_swift, settings, template_id):
    """A zone holding a 3 MiB template that the session worker uploads as a
    3-segment SLO (1 MiB segments)."""
    make_swift_store(local_swift)
    config.change("swift.segment.size", str(MIB))
    zone, root = make_zone(seed=False)
    image = add_template(root, template_id, demo.image_bytes(template_id, 3 * MIB))
    scanner.run_scan(ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL).pk)
    upload = wait_transfer(template_id, direction=Transfer.Direction.UP)
    assert upload.state == Transfer.State.DONE, upload.last_error
    assert upload.segments_total == 3
    return zone, root, image


def test_slo_deletion_survives_a_sigkill_and_leaves_nothing(local_swift, celery_worker, settings,
                                                            tmp_path_factory):
    zone, root, image = _in_swift(local_swift, settings, 91)
    conn = _connection(local_swift)
    assert len(_objects(conn, "T-91_segments")) == 3
    properties_size = (root / "template/tmpl/2/91/template.properties").stat().st_size
    queue = f"delete-{uuid.uuid4().hex[:8]}"
    settings.TRANSFER_QUEUE = queue
    first = WorkerProcess(worker_env(TRANSFER_QUEUE=queue, **DELETE_ENV),
                          tmp_path_factory.mktemp("delete-worker") / "worker.log", "transfers", queues=queue).start()
    try:
        steps = deletion.request(Template.objects.get(pk=91), swift=True, zones=[zone])
        swift_step = next(step for step in steps if step.direction == Transfer.Direction.DELETE_SWIFT)
        # Mid-way: the manifest is gone and some, not all, segments are.
        wait_for(lambda: len(_objects(conn, "T-91_segments") or []) < 3, message="a segment deleted")
        os.killpg(first.proc.pid, signal.SIGKILL)
        first.proc.wait(10)
    finally:
        first.stop()
    row = Transfer.objects.get(pk=swift_step.pk)
    assert row.state == Transfer.State.RUNNING and row.worker == first.hostname
    left = _objects(conn, "T-91_segments")
    assert 1 <= len(left) < 3 and _objects(conn, "T-91") == []  # properties and manifest first
    assert (row.segments_total, row.bytes_total) == (5, 3 * MIB + properties_size)
    # The scanner while the deletion is stuck: the template is not registered again, nor uploaded.
    scanner.run_scan(ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL).pk)
    assert not Transfer.objects.filter(template_id=91, direction=Transfer.Direction.UP,
                                       state__in=Transfer.ACTIVE_STATES).exists()

    # The dead worker's rows go back to the queue; a new worker finishes them.
    def requeued():
        queueing.requeue_stale(older_than=timedelta(seconds=3))
        return Transfer.objects.filter(pk=swift_step.pk, state=Transfer.State.QUEUED).exists()

    wait_for(requeued, message="the killed deletion requeued")
    second = WorkerProcess(worker_env(TRANSFER_QUEUE=queue, **DELETE_ENV),
                           tmp_path_factory.mktemp("delete-worker") / "worker.log", "transfers", queues=queue).start()
    try:
        for step in steps:
            done = wait_for(lambda step=step: Transfer.objects.filter(
                pk=step.pk, state__in=Transfer.TERMINAL_STATES).first(), message=f"deletion step {step.pk}")
            assert done.state == Transfer.State.DONE, done.last_error
    finally:
        second.stop()
    done = Transfer.objects.get(pk=swift_step.pk)
    assert done.attempts == 2 and done.worker == second.hostname
    assert (done.segments_done, done.bytes_done) == (done.segments_total, done.bytes_total)

    # Nothing left anywhere, as the operator's tools see it.
    assert _objects(conn, "T-91") is None and _objects(conn, "T-91_segments") is None
    conn.close()
    assert not {"T-91", "T-91_segments"} & set(swift_cli(local_swift, "list").split())
    assert not (root / "template/tmpl/2/91").exists() and not image.exists()
    template = Template.objects.get(pk=91)
    assert template.deleted is not None and template.swift_state == Template.SwiftState.ABSENT
    assert TemplateLocation.objects.get(template_id=91, zone=zone).state == TemplateLocation.State.MISSING
    assert Event.objects.filter(action="template.deleted", target="T-91").count() == 1
    assert Event.objects.filter(action="transfer.requeue", target="T-91").exists()


def test_deleting_from_one_zone_keeps_it_there_missing_until_copy_to_zone(local_swift, celery_worker, settings):
    zone, root, image = _in_swift(local_swift, settings, 92)
    steps = deletion.request(Template.objects.get(pk=92), swift=False, zones=[zone])
    assert [step.direction for step in steps] == [Transfer.Direction.DELETE_ZONE]
    done = wait_transfer(92, direction=Transfer.Direction.DELETE_ZONE)
    assert done.state == Transfer.State.DONE, done.last_error
    assert not (root / "template/tmpl/2/92").exists()
    template = Template.objects.get(pk=92)
    assert template.deleted is None and template.swift_state == Template.SwiftState.STORED
    # Neither replication (the zone is enabled) nor a scan brings it back.
    config.change("swift.replicate.to.all.zones", "true")
    zone.allocation_state = zone.AllocationState.ENABLED
    zone.save()
    scanner.run_scan_and_replicate(ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL).pk)
    assert not Transfer.objects.filter(template_id=92, direction=Transfer.Direction.DOWN).exists()
    assert TemplateLocation.objects.get(template_id=92, zone=zone).state == TemplateLocation.State.MISSING
    # Copy to zone clears the intent and copies it down again.
    copy_to_zone.queue(template, zone)
    assert not TemplateExclusion.objects.filter(template_id=92).exists()
    copied = wait_transfer(92, direction=Transfer.Direction.DOWN)
    assert copied.state == Transfer.State.DONE, copied.last_error
    assert (root / "template/tmpl/2/92" / image.name).read_bytes() == demo.image_bytes(92, 3 * MIB)


def test_a_cancelled_deletion_leaves_no_complete_copy_and_its_retry_finishes(local_swift, celery_worker, settings,
                                                                             tmp_path_factory):
    zone, root, _image = _in_swift(local_swift, settings, 93)
    default_queue, queue = settings.TRANSFER_QUEUE, f"delete-{uuid.uuid4().hex[:8]}"
    settings.TRANSFER_QUEUE = queue
    worker = WorkerProcess(worker_env(TRANSFER_QUEUE=queue, **DELETE_ENV),
                           tmp_path_factory.mktemp("delete-worker") / "worker.log", "transfers", queues=queue).start()
    folder = root / "template/tmpl/2/93"
    try:
        [step] = deletion.request(Template.objects.get(pk=93), swift=False, zones=[zone])
        # template.properties goes first; after the 3 MiB image the throttled worker waits about 6 s.
        wait_for(lambda: not (folder / "template.properties").exists(), message="template.properties deleted")
        queueing.cancel(Transfer.objects.get(pk=step.pk))
    finally:
        worker.stop()  # a warm shutdown: its run stops at its next progress write
    cancelled = Transfer.objects.get(pk=step.pk)
    assert cancelled.state == Transfer.State.CANCELLED and cancelled.segments_done < cancelled.segments_total
    assert folder.exists() and not (folder / "template.properties").exists()  # never complete again
    settings.TRANSFER_QUEUE = default_queue  # the session worker runs the retry
    retried = queueing.retry(cancelled)
    done = wait_for(lambda: Transfer.objects.filter(pk=retried.pk, state__in=Transfer.TERMINAL_STATES).first(),
                    message="the retried deletion")
    assert done.state == Transfer.State.DONE, done.last_error
    assert not folder.exists() and done.direction == Transfer.Direction.DELETE_ZONE
    assert TemplateLocation.objects.get(template_id=93, zone=zone).state == TemplateLocation.State.MISSING
    assert Template.objects.get(pk=93).swift_state == Template.SwiftState.STORED  # Swift was not asked


def test_a_copy_queued_while_a_deletion_commits_waits_for_it_and_is_refused():
    """The template row lock orders a deletion request and a copy being
    queued: the copy, started while the deletion's transaction is open,
    sees the deletion once it commits (without the lock it would have read
    the template as not deleted and queued an upload)."""
    zone = make_zone_row("zone-race")
    template = make_template(94)
    make_location(template, zone)
    locked, outcome = threading.Event(), {}

    def queue_upload():
        locked.wait(30)
        try:
            outcome["upload"] = queueing.enqueue_upload(Template.objects.get(pk=94), zone)
        finally:
            connection.close()

    other = threading.Thread(target=queue_upload)
    other.start()
    with transaction.atomic():
        deletion.request(Template.objects.get(pk=94), swift=False, zones=[zone])
        locked.set()
        other.join(1)  # gives the other thread time to reach the lock (it waits there)
    other.join(30)
    assert outcome == {"upload": None}
    assert not Transfer.objects.filter(template_id=94, direction=Transfer.Direction.UP).exists()
