"""The transfer engine under faults: Swift's proxy killed mid-copy, the
worker SIGKILLed mid-copy, the source changed mid-copy, a cancel.

These workers run with TRANSFER_TEST_THROTTLE (a test-only setting that caps
a copy's speed) so that a copy is still running when the fault strikes, and
listen on a queue of their own (TRANSFER_QUEUE) so that the session's
unthrottled worker never picks these transfers up."""
import hashlib
import os
import signal
import time
import uuid

import pytest
import swiftclient

from cloudadmin.messages import english
from cloudadmin import config
from storage.secondary import demo
from storage.swift import localswift
from storage.catalog import scanner
from storage.transfers import queueing as transfers
from storage.models import Transfer, ZoneScan
from tests.conftest import WorkerProcess, worker_env
from tests.transfer_helpers import add_template, make_swift_store, make_zone, wait_for, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024
THROTTLE = 2 * MIB  # bytes/s: an 8 MiB template takes about 4 s
FAULT_ENV = {"TRANSFER_TEST_THROTTLE": str(THROTTLE), "TRANSFER_STALE_SECONDS": "3",
             "TRANSFER_BACKOFF_SECONDS": "0.5", "TRANSFER_BACKOFF_MAX_SECONDS": "3",
             "TRANSFER_MAX_ATTEMPTS": "10"}


@pytest.fixture(scope="module")
def fault_swift():
    swift = localswift.temporary().start()
    yield swift
    swift.stop()


def _start_worker(tmp_path_factory, queue, **extra):
    env = worker_env(TRANSFER_QUEUE=queue, **FAULT_ENV, **extra)
    return WorkerProcess(env, tmp_path_factory.mktemp("fault-worker") / "worker.log", "transfers",
                         queues=queue).start()


@pytest.fixture(scope="module")
def fault_queue():
    return f"faults-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def fault_worker(django_db_setup, django_db_blocker, tmp_path_factory, fault_queue):
    worker = _start_worker(tmp_path_factory, fault_queue)
    yield worker
    worker.stop()


def _connection(swift):
    return swiftclient.Connection(authurl=swift.auth_url, user=localswift.AUTH_USER,
                                  key=localswift.AUTH_KEY, retries=5)


def _queue_upload(swift, settings, queue, template_id, size=8 * MIB):
    """A zone with one template, scanned here, its upload queued on `queue`."""
    settings.TRANSFER_QUEUE = queue
    make_swift_store(swift)
    config.change("swift.segment.size", str(MIB))
    config.change("swift.transfer.concurrency", "2")
    zone, root = make_zone(seed=False)
    data = demo.image_bytes(template_id, size)
    image = add_template(root, template_id, data)
    scan = ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL)
    scanner.run_scan(scan.pk)
    transfer = Transfer.objects.get(template_id=template_id)
    return transfer, image, data


def _segments(conn, template_id):
    try:
        _headers, objects = conn.get_container(f"T-{template_id}_segments")
    except swiftclient.ClientException as exc:
        if exc.http_status == 404:
            return []
        raise
    return [o["name"] for o in objects]


def _downloaded_md5(conn, template_id, name):
    _headers, body = conn.get_object(f"T-{template_id}", name)
    return hashlib.md5(body).hexdigest()


def test_proxy_killed_mid_transfer_then_restarted(fault_swift, fault_worker, fault_queue, settings):
    transfer, image, data = _queue_upload(fault_swift, settings, fault_queue, 81)
    conn = _connection(fault_swift)
    sent = wait_for(lambda: _segments(conn, 81) if len(_segments(conn, 81)) >= 2 else None,
                    message="two segments in Swift")
    stamps = {name: conn.head_object("T-81_segments", name)["x-timestamp"] for name in sent}
    conn.close()

    fault_swift.kill_proxy()
    row = wait_for(lambda: Transfer.objects.filter(pk=transfer.pk, attempts__gte=2).first(),
                   message="a retry after the proxy died")
    assert row.state != Transfer.State.DONE
    assert "cannot reach" in english(row.last_error) or "lost" in english(row.last_error)
    fault_swift.start_proxy()

    done = wait_transfer(81)
    assert done.state == Transfer.State.DONE, done.last_error
    assert done.segments_reused >= len(sent)
    conn = _connection(fault_swift)
    for name, stamp in stamps.items():  # not sent again
        assert conn.head_object("T-81_segments", name)["x-timestamp"] == stamp
    assert _downloaded_md5(conn, 81, image.name) == hashlib.md5(data).hexdigest() == done.md5
    assert len(_segments(conn, 81)) == 8  # nothing stale left
    conn.close()


def test_worker_killed_mid_transfer_redelivered_task_completes(fault_swift, tmp_path_factory, settings,
                                                               django_db_setup):
    # A short visibility timeout so that Redis hands the unacknowledged task
    # to the next worker soon; TRANSFER_STALE_SECONDS lets it take the row over.
    queue = f"kill-{uuid.uuid4().hex[:8]}"
    first = _start_worker(tmp_path_factory, queue, CELERY_VISIBILITY_TIMEOUT="12")
    try:
        transfer, image, data = _queue_upload(fault_swift, settings, queue, 82)
        conn = _connection(fault_swift)
        wait_for(lambda: len(_segments(conn, 82)) >= 2, message="two segments in Swift")
        os.killpg(first.proc.pid, signal.SIGKILL)
        first.proc.wait(10)
        row = Transfer.objects.get(pk=transfer.pk)
        assert row.state == Transfer.State.RUNNING and row.worker == first.hostname
        before = set(_segments(conn, 82))
    finally:
        first.stop()
    # Redis gives the task back once it is older than the visibility timeout.
    time.sleep(max(0.0, 12.5 - (time.time() - row.started.timestamp())))
    second = _start_worker(tmp_path_factory, queue, CELERY_VISIBILITY_TIMEOUT="12")
    try:
        done = wait_transfer(82)
    finally:
        second.stop()
    assert done.state == Transfer.State.DONE, done.last_error
    assert done.worker == second.hostname and done.attempts == 2
    assert done.segments_reused >= len(before)
    assert _downloaded_md5(conn, 82, image.name) == hashlib.md5(data).hexdigest()
    conn.close()


def test_source_changed_mid_copy_fails_and_uploads_no_mix(fault_swift, fault_worker, fault_queue, settings):
    transfer, image, data = _queue_upload(fault_swift, settings, fault_queue, 83)
    wait_for(lambda: Transfer.objects.filter(pk=transfer.pk, bytes_done__gt=MIB).exists(), message="progress")
    changed = bytearray(data)
    changed[-1] ^= 0xFF
    image.write_bytes(bytes(changed))
    stat = image.stat()
    os.utime(image, (stat.st_atime, stat.st_mtime + 5))
    done = wait_transfer(83)
    assert done.state == Transfer.State.FAILED
    assert "changed" in english(done.last_error)
    conn = _connection(fault_swift)
    _headers, objects = conn.get_container("T-83")
    assert objects == []  # neither the image nor template.properties
    conn.close()


def test_cancel_stops_the_copy_and_cleans_its_segments(fault_swift, fault_worker, fault_queue, settings):
    transfer, image, _data = _queue_upload(fault_swift, settings, fault_queue, 84)
    conn = _connection(fault_swift)
    wait_for(lambda: len(_segments(conn, 84)) >= 1, message="a segment in Swift")
    transfers.cancel(transfer)
    assert Transfer.objects.get(pk=transfer.pk).state == Transfer.State.CANCELLED
    wait_for(lambda: _segments(conn, 84) == [], message="segments cleaned after cancel")
    _headers, objects = conn.get_container("T-84")
    assert objects == []
    conn.close()
    row = Transfer.objects.get(pk=transfer.pk)
    assert row.state == Transfer.State.CANCELLED and row.bytes_done < row.bytes_total
