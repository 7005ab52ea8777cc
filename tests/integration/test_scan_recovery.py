"""Zone scans recover like transfers: a scan whose worker was SIGKILLed is
handed back to the queue by its stale heartbeat, and a scan whose database
call raises ends failed with the reason. Either way the zone is released:
Sync now works again and the zone is scanned. Real worker processes,
PostgreSQL and Redis; the database fault is a real PostgreSQL error raised
by a trigger, not a patched function."""
import os
import signal
import uuid
from datetime import timedelta

import pytest
from django.db import connection

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage import tasks
from storage.catalog import scan_runs, sync
from storage.models import ZoneScan
from tests.conftest import WorkerProcess, worker_env
from tests.transfer_helpers import make_zone, wait_for

pytestmark = [pytest.mark.django_db(transaction=True)]

FOLDERS = 30_000


def _big_share(root, count=FOLDERS):
    """`count` complete template folders (a 1-byte image each)."""
    tmpl = root / "template" / "tmpl" / "2"
    tmpl.mkdir(parents=True)
    for template_id in range(1000, 1000 + count):
        folder = tmpl / str(template_id)
        folder.mkdir()
        (folder / "t.raw").write_bytes(b"x")
        (folder / "template.properties").write_text(
            f"filename=t.raw\nid={template_id}\nsize=1\nvirtualsize=1\nraw=true\n")


def test_a_scan_whose_worker_was_sigkilled_is_requeued_and_the_zone_scanned_again(
        celery_worker, tmp_path_factory):
    zone, root = make_zone(seed=False)
    _big_share(root)
    queue = f"scan-kill-{uuid.uuid4().hex[:8]}"
    # A heartbeat every second, so that its silence shows within seconds.
    doomed = WorkerProcess(worker_env(TRANSFER_STALE_SECONDS="6"),
                           tmp_path_factory.mktemp("scan-kill") / "worker.log", "worker", queues=queue).start()
    try:
        scan = ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL)
        tasks.scan_zone.apply_async((scan.pk,), queue=queue)
        wait_for(lambda: ZoneScan.objects.filter(pk=scan.pk, state=ZoneScan.State.RUNNING).exists(),
                 message="the scan running on the doomed worker")
        os.killpg(doomed.proc.pid, signal.SIGKILL)
        doomed.proc.wait(10)
    finally:
        doomed.stop()
    row = ZoneScan.objects.get(pk=scan.pk)
    assert (row.state, row.worker, row.finished) == (ZoneScan.State.RUNNING, doomed.hostname, None)
    assert sync.sync_now(zone) is None  # the zone is held while the row says running

    # What beat does every few seconds, with the doomed worker's threshold.
    [requeued] = wait_for(lambda: scan_runs.requeue_stale(timedelta(seconds=6)), message="a stale scan")
    assert requeued.pk == scan.pk
    done = wait_for(lambda: ZoneScan.objects.filter(pk=scan.pk, state__in=("done", "failed")).first(),
                    timeout=300, message="the requeued scan on the session worker")
    assert done.state == ZoneScan.State.DONE, done.error
    assert done.templates_found == done.templates_ready == FOLDERS
    assert done.worker == celery_worker.tasks.hostname
    assert Event.objects.filter(action="zone.scan.requeue", target=zone.name).count() == 1

    again = sync.sync_now(zone)
    assert again is not None
    rescanned = wait_for(lambda: ZoneScan.objects.filter(pk=again.pk, state__in=("done", "failed")).first(),
                         timeout=300, message="the next Sync now")
    assert (rescanned.state, rescanned.templates_found) == (ZoneScan.State.DONE, FOLDERS)


def _drop_refusal():
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS test_refuse_location ON storage_templatelocation;"
                       "DROP FUNCTION IF EXISTS test_refuse_location();")


@pytest.fixture
def refuse_location_inserts():
    """PostgreSQL refuses every new TemplateLocation row, as a locked or
    failing database would; calling the fixture's value heals it."""
    with connection.cursor() as cursor:
        cursor.execute("""
            CREATE OR REPLACE FUNCTION test_refuse_location() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION 'database is locked'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER test_refuse_location BEFORE INSERT ON storage_templatelocation
            FOR EACH ROW EXECUTE FUNCTION test_refuse_location();""")
    yield _drop_refusal
    _drop_refusal()


def _ended(scan):
    return wait_for(lambda: ZoneScan.objects.filter(pk=scan.pk, state__in=("done", "failed")).first(),
                    message=f"scan {scan.pk} to end")


def test_a_scan_whose_database_call_raises_fails_with_the_reason_and_releases_the_zone(
        celery_worker, refuse_location_inserts):
    zone, _root = make_zone()  # the seed's templates 1 and 5
    failed = _ended(sync.sync_now(zone))
    assert failed.state == ZoneScan.State.FAILED
    assert "database is locked" in failed.error and failed.finished is not None
    event = Event.objects.get(action="zone.scan", target=zone.name)
    assert event.outcome == Event.Outcome.FAILURE and "database is locked" in english(event.detail)

    retry = sync.sync_now(zone)
    assert retry is not None  # the zone was released
    assert _ended(retry).state == ZoneScan.State.FAILED  # the database still refuses

    refuse_location_inserts()  # the database recovers
    done = _ended(sync.sync_now(zone))
    assert (done.state, done.templates_ready) == (ZoneScan.State.DONE, 2), done.error
