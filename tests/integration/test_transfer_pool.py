"""The transfers worker as deployed: a threads pool (scripts/services.py
"transfers") that runs TRANSFER_CONCURRENCY copies at once in one process,
and scale-out, several such workers (hosts) sharing one queue.

Real worker processes, PostgreSQL, Redis and the local Swift. Each worker
listens on a queue of this module's own and copies at TRANSFER_TEST_THROTTLE
(a test-only cap), so that copies overlap; its database connections carry
an application_name of their own, so that pg_stat_activity counts them."""
import uuid
from pathlib import Path

import pytest
from django.db import connection

from cloudadmin.models import Event
from cloudadmin.tasks import ping
from storage import tasks
from storage.catalog import scanner
from storage.models import Transfer, ZoneScan
from storage.secondary import demo
from tests.conftest import WorkerProcess, _database_url, worker_env
from tests.transfer_helpers import add_template, make_swift_store, make_zone, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

KIB = 1024
CONCURRENCY = 4


def _start(tmp_path_factory, queue, throttle, name):
    from django.conf import settings

    url = f"{_database_url(settings.DATABASES['default'])}?application_name={name}"
    env = worker_env(TRANSFER_QUEUE=queue, TRANSFER_TEST_THROTTLE=str(throttle),
                     TRANSFER_CONCURRENCY=str(CONCURRENCY), DATABASE_URL=url)
    return WorkerProcess(env, tmp_path_factory.mktemp("pool-worker") / "worker.log", "transfers",
                         queues=queue).start()


def _queue_uploads(swift, settings, queue, ids, size):
    """A zone holding templates `ids`, scanned here: their uploads are queued
    on `queue` at once, when the scan commits."""
    settings.TRANSFER_QUEUE = queue
    make_swift_store(swift)
    zone, root = make_zone(seed=False)
    for template_id in ids:
        add_template(root, template_id, demo.image_bytes(template_id, size))
    scanner.run_scan(ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL).pk)
    return list(Transfer.objects.filter(template_id__in=ids))


def _ended(ids):
    return Transfer.objects.filter(template_id__in=ids, state__in=Transfer.TERMINAL_STATES).count() == len(ids)


def _connections(name):
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [name])
        return cursor.fetchone()[0]


def test_two_hosts_share_the_queue_and_copy_every_template_exactly_once(local_swift, settings, tmp_path_factory):
    queue = f"scale-{uuid.uuid4().hex[:8]}"
    names = [f"pool-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    workers = [_start(tmp_path_factory, queue, 256 * KIB, name) for name in names]
    try:
        ids = list(range(7000, 7040))
        queued = _queue_uploads(local_swift, settings, queue, ids, 64 * KIB)
        assert len(queued) == len(ids)
        # Celery's Django fixup closes each thread's connection after its
        # task: while 40 transfers run, a host holds no more than a
        # connection per thread, not one per transfer it ran.
        peak = {name: 0 for name in names}

        def sample_until_ended():
            peak.update({name: max(peak[name], _connections(name)) for name in names})
            return _ended(ids)

        wait_for(sample_until_ended, timeout=240, interval=0.05, message="every transfer ended")
        assert all(0 < count <= CONCURRENCY + 2 for count in peak.values()), peak
        rows = list(Transfer.objects.filter(template_id__in=ids))
        assert len(rows) == len(ids)  # one row per template: nothing queued twice
        assert {row.state for row in rows} == {Transfer.State.DONE}, [r.last_error for r in rows if r.last_error]
        assert all(row.attempts == 1 for row in rows)  # each claimed once
        done = Event.objects.filter(action="transfer.done", target__in=[f"T-{i}" for i in ids])
        assert sorted(done.values_list("target", flat=True)) == sorted(f"T-{i}" for i in ids)
        by_worker = {worker.hostname: sum(row.worker == worker.hostname for row in rows) for worker in workers}
        assert all(by_worker.values()), by_worker  # both hosts ran some
        assert sum(by_worker.values()) == len(ids)
        assert all(_connections(name) <= CONCURRENCY for name in names)  # idle threads hold none
    finally:
        for worker in workers:
            worker.stop()
    wait_for(lambda: all(_connections(name) == 0 for name in names), message="the workers' connections closed")


def test_one_threads_worker_runs_several_copies_at_once_and_short_tasks_go_on(
        local_swift, settings, tmp_path_factory, celery_worker):
    queue = f"threads-{uuid.uuid4().hex[:8]}"
    worker = _start(tmp_path_factory, queue, 256 * KIB, f"pool-{uuid.uuid4().hex[:8]}")
    try:
        ids = list(range(7100, 7112))  # 1 MiB each at 256 KiB/s: about 4 s a copy, three rounds
        _queue_uploads(local_swift, settings, queue, ids, 1024 * KIB)
        running = Transfer.objects.filter(template_id__in=ids, worker=worker.hostname,
                                          state__in=(Transfer.State.RUNNING, Transfer.State.VERIFYING))
        seen = wait_for(lambda: running.count() > 2 and running.count(), message="more than two copies at once")
        # A short task on the celery queue is not held behind the copies: it
        # is answered while copies of the first rounds still wait in the queue.
        ping.delay("while-copying")
        wait_for(lambda: Event.objects.filter(action="worker.ping", target="while-copying").exists(),
                 message="the ping", timeout=60)
        assert Transfer.objects.filter(template_id__in=ids, state=Transfer.State.QUEUED).exists()
        peak = [seen]

        def sample_until_ended():
            peak.append(running.count())
            return _ended(ids)

        wait_for(sample_until_ended, timeout=240, interval=0.05, message="every transfer ended")
        assert 2 < max(peak) <= CONCURRENCY  # at most TRANSFER_CONCURRENCY: the memory bound holds
        rows = Transfer.objects.filter(template_id__in=ids)
        assert {row.state for row in rows} == {Transfer.State.DONE}
        assert {row.worker for row in rows} == {worker.hostname}
    finally:
        worker.stop()


def test_duplicate_deliveries_in_one_threads_worker_run_the_copy_once(local_swift, settings, tmp_path_factory):
    """Two more deliveries of the same task reach free threads of the same
    process while the copy runs: the claim turns them away."""
    queue = f"dup-{uuid.uuid4().hex[:8]}"
    worker = _start(tmp_path_factory, queue, 256 * KIB, f"pool-{uuid.uuid4().hex[:8]}")
    try:
        [transfer] = _queue_uploads(local_swift, settings, queue, [7200], 1024 * KIB)
        wait_for(lambda: Transfer.objects.filter(pk=transfer.pk, state=Transfer.State.RUNNING).exists(),
                 message="the copy running")
        for _ in range(2):
            tasks.transfer_run.apply_async((transfer.pk,), queue=queue)
        wait_for(lambda: _ended([7200]), message="the copy ended")
        row = Transfer.objects.get(pk=transfer.pk)
        assert (row.state, row.attempts, row.worker) == (Transfer.State.DONE, 1, worker.hostname)
        assert Event.objects.filter(action="transfer.done", target="T-7200").count() == 1
        # All three deliveries ran to their end (two of them doing nothing).
        worker.wait_idle()
        assert Path(worker.log_path).read_text().count("succeeded in") == 3, worker.log()
    finally:
        worker.stop()
