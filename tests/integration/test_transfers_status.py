"""Stuck transfers end to end: `manage.py transfers_status` (run as an
operator would, in its own process) lists a transfer whose worker died,
`--requeue` hands it back and the real worker completes it; the periodic
task does the same by itself. The copies are checked by downloading them
from the local Swift."""
import hashlib
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.secondary import demo
from storage.catalog import scanner
from storage import tasks
from storage.transfers import queueing as transfers
from storage.models import SecondaryStorage, Transfer
from tests.conftest import ROOT, worker_env
from tests.transfer_helpers import add_template, make_swift_store, make_zone, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)

MIB = 1024 * 1024
DEAD_WORKER = "dead-worker@gone"


def stuck_upload(local_swift, template_id, *, heartbeat_age, size=3 * MIB):
    """A zone whose template was scanned, and an upload of it left running
    by a worker that died `heartbeat_age` ago (no task is in the queue)."""
    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    data = demo.image_bytes(template_id, size)
    image = add_template(root, template_id, data)
    store = SecondaryStorage.objects.get(zone=zone)
    found = scanner.scan_folder(root)
    scanner.record_entries(zone, [(store, entry) for entry in found.entries], complete_scan=True)
    stat = image.stat()
    beat = timezone.now() - heartbeat_age
    transfer = Transfer.objects.create(
        template_id=template_id, direction=Transfer.Direction.UP, zone=zone, state=Transfer.State.RUNNING,
        claim=uuid.uuid4(), worker=DEAD_WORKER, heartbeat=beat, started=beat, attempts=1,
        bytes_total=size, bytes_done=size // 3, source_size=stat.st_size, source_mtime=stat.st_mtime)
    return transfer, image, data


def transfers_status(*args):
    return subprocess.run([sys.executable, "manage.py", "transfers_status", *args], cwd=ROOT, env=worker_env(),
                          capture_output=True, text=True, timeout=120)


def swift_md5(swift_connection, template_id, name):
    _headers, body = swift_connection.get_object(f"T-{template_id}", name)
    return hashlib.md5(body).hexdigest()


def test_command_lists_a_stuck_transfer_and_requeue_lets_the_worker_finish_it(
        local_swift, celery_worker, swift_connection):
    # 90 s without a heartbeat: stuck for an operator's --stale-minutes 1, not
    # yet for the engine's own TRANSFER_STALE_SECONDS (120 s), so only the
    # requeue can bring it back.
    transfer, image, data = stuck_upload(local_swift, 9101, heartbeat_age=timedelta(seconds=90))
    assert not transfers.stale_transfers().filter(pk=transfer.pk).exists()

    listed = transfers_status("--stale-minutes", "1", "--timeout", "3")
    assert listed.returncode == 1, listed.stderr
    out = listed.stdout
    assert all(hostname in out for hostname in celery_worker.hostnames)
    assert "no heartbeat for 1 min): 1" in out
    row = next(line.split() for line in out.splitlines() if line.split()[:2] == [str(transfer.pk), "T-9101"])
    assert row[2:5] == ["up", transfer.zone.name, "running"]
    assert row[6:10] == ["s", "ago", DEAD_WORKER, "1.0"]  # heartbeat "9x s ago", progress "1.0 MiB / 3.0 MiB"
    assert "Run again with --requeue" in out
    assert "1 stuck transfer(s) left in place" in listed.stderr
    assert Transfer.objects.get(pk=transfer.pk).state == Transfer.State.RUNNING  # listing changes nothing

    requeued = transfers_status("--stale-minutes", "1", "--timeout", "3", "--requeue")
    assert requeued.returncode == 0, requeued.stdout + requeued.stderr
    assert "Requeued 1 transfer(s)." in requeued.stdout
    # A second delivery of the same task (the broker redelivering the dead
    # worker's message) must not run the copy a second time.
    tasks.transfer_run.apply_async((transfer.pk,), queue=settings.TRANSFER_QUEUE)

    done = wait_transfer(9101)
    assert done.pk == transfer.pk
    assert done.state == Transfer.State.DONE, done.last_error
    assert done.worker == celery_worker.transfers.hostname
    assert done.attempts == 2  # the dead worker's one, and exactly one more claim
    assert done.md5 == hashlib.md5(data).hexdigest() == swift_md5(swift_connection, 9101, image.name)
    event = Event.objects.get(action="transfer.requeue", target="T-9101")
    assert event.username == "manage.py transfers_status" and DEAD_WORKER in english(event.detail)
    assert Event.objects.filter(action="transfer.done", target="T-9101").count() == 1

    after = transfers_status("--stale-minutes", "1", "--timeout", "3")
    assert after.returncode == 0, after.stdout + after.stderr
    assert "no heartbeat for 1 min): 0" in after.stdout


def test_the_periodic_task_requeues_a_stuck_transfer_through_the_worker(
        local_swift, celery_worker, swift_connection):
    transfer, image, data = stuck_upload(
        local_swift, 9102, heartbeat_age=timedelta(seconds=settings.TRANSFER_STALE_SECONDS + 600))

    tasks.sync_due_zones.delay()  # what beat sends every few seconds

    done = wait_transfer(9102)
    assert done.pk == transfer.pk
    assert done.state == Transfer.State.DONE, done.last_error
    assert done.attempts == 2
    assert done.md5 == hashlib.md5(data).hexdigest() == swift_md5(swift_connection, 9102, image.name)
    event = Event.objects.get(action="transfer.requeue", target="T-9102")
    assert event.username == "beat"
    assert Event.objects.filter(action="transfer.done", target="T-9102").count() == 1


def test_command_reports_an_unreachable_broker_with_exit_status_2():
    result = subprocess.run([sys.executable, "manage.py", "transfers_status", "--timeout", "1"], cwd=ROOT,
                            env=worker_env(CELERY_BROKER_URL="redis://127.0.0.1:1/0"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "broker unreachable" in result.stdout
    assert "the broker is unreachable" in result.stderr
