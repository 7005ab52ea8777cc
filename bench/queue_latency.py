"""Queue-to-start latency of transfers: from the task's send to the moment
the transfers worker (scripts/services.py "transfers": the threads pool of
TRANSFER_CONCURRENCY, as deployed) claims the row (its `started`).

Two runs over the same kind of small upload (NFS → the local Swift):
- one at a time: each task is sent once the previous transfer has ended, so
  the figure is the pure cost of delivery, Celery, Django and the claim;
- burst: every task sent at once, so later ones also wait for a free thread.

Everything is its own: a throwaway PostgreSQL database on the server of
DATABASE_URL (dropped at the end), a local Swift on free ports, NFS folders
in a temporary directory, a queue of its own on the Redis of
CELERY_BROKER_URL (give it a Redis database of its own).

    .venv/bin/python bench/queue_latency.py --transfers 50 --size-kib 64

Prints median and p90 of each run (milliseconds), the burst's throughput,
the worker's peak RSS and the load average.
Exit status 0 when every transfer ended done.
"""
from __future__ import annotations

import argparse
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from bench.load import percentile  # noqa: E402 - ROOT on sys.path
from bench.services import Processes, admin_sql, database_urls, wait_until  # noqa: E402
from bench.uploads import make_templates  # noqa: E402
import services  # noqa: E402 - scripts/services.py: the worker as deployed

KIB = 1024


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transfers", type=int, default=50, help="transfers per run (default 50)")
    parser.add_argument("--size-kib", type=int, default=64, help="size of each template (default 64 KiB)")
    return parser.parse_args()


def start_worker(processes: Processes, queue: str) -> str:
    from cloudadmin.celery import app

    hostname = f"bench-transfers-{uuid.uuid4().hex[:6]}@localhost"
    processes.start("transfers", [*services.worker_argv("transfers", sys.executable, queues=queue, hostname=hostname),
                                  "--without-gossip", "--without-mingle"])
    wait_until(lambda: app.control.ping(destination=[hostname], timeout=0.5), 60, "the transfers worker")
    return hostname


def queued_rows(zone, count: int) -> list[int]:
    """Scan the zone with the uploads' tasks parked on a queue nobody reads:
    the rows are queued, and this bench sends their tasks itself."""
    from django.conf import settings

    from storage.catalog import scanner
    from storage.models import Transfer, ZoneScan

    parked, settings.TRANSFER_QUEUE = settings.TRANSFER_QUEUE, f"parked-{uuid.uuid4().hex[:8]}"
    try:
        scanner.run_scan(ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL).pk)
    finally:
        _drop_queue(settings.TRANSFER_QUEUE)
        settings.TRANSFER_QUEUE = parked
    ids = list(Transfer.objects.filter(state=Transfer.State.QUEUED).order_by("pk").values_list("pk", flat=True))
    assert len(ids) == count, f"{len(ids)} uploads queued, {count} expected"
    return ids


def _drop_queue(name: str) -> None:
    import redis
    from django.conf import settings

    redis.Redis.from_url(settings.CELERY_BROKER_URL).delete(name)


def _started(pk: int) -> float | None:
    from storage.models import Transfer

    started = Transfer.objects.filter(pk=pk).values_list("started", flat=True).first()
    return started.timestamp() if started else None


def _ended(pks) -> bool:
    from storage.models import Transfer

    return Transfer.objects.filter(pk__in=pks, state__in=Transfer.TERMINAL_STATES).count() == len(pks)


def one_at_a_time(pks, queue) -> list[float]:
    from storage import tasks

    latencies = []
    for pk in pks:
        sent = time.time()
        tasks.transfer_run.apply_async((pk,), queue=queue)
        started = wait_until(lambda: _started(pk), 60, f"transfer {pk} to start")
        latencies.append(started - sent)
        wait_until(lambda: _ended([pk]), 60, f"transfer {pk} to end")
    return latencies


def burst(pks, queue) -> tuple[list[float], float]:
    """The latencies, and the seconds from the first send to the last end."""
    from storage import tasks
    from storage.models import Transfer

    sent = {}
    for pk in pks:
        sent[pk] = time.time()
        tasks.transfer_run.apply_async((pk,), queue=queue)
    wait_until(lambda: _ended(pks), 600, "the burst to end")
    last = max(t.timestamp() for t in Transfer.objects.filter(pk__in=pks).values_list("finished", flat=True))
    return [_started(pk) - sent[pk] for pk in pks], last - min(sent.values())


def peak_rss_mib(pid: int) -> float:
    """The process's peak resident set (VmHWM), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def report(name: str, latencies: list[float]) -> None:
    ms = [1000 * x for x in latencies]
    print(f"{name:<16}{len(ms):>6}{statistics.median(ms):>12.1f}{percentile(ms, 90):>10.1f}"
          f"{min(ms):>10.1f}{max(ms):>10.1f}")


def main() -> int:
    args = parse_args()
    admin_url, db_url, db_name = database_urls()
    scratch = Path(tempfile.mkdtemp(prefix="cloudadmin-bench-"))
    (scratch / "nfs").mkdir()
    queue = f"latency-{uuid.uuid4().hex[:8]}"
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "bench.settings", "DATABASE_URL": db_url, "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "NFS_MOUNT_ROOT": str(scratch / "nfs"),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        "TRANSFER_QUEUE": queue, "PYTHONPATH": str(ROOT),
    })
    admin_sql(admin_url, f'CREATE DATABASE "{db_name}"')
    processes = Processes(dict(os.environ), scratch)
    local_swift = None
    try:
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

        from storage.swift import localswift

        call_command("migrate", verbosity=0)
        local_swift = localswift.temporary().start()
        zone, _sources = make_templates(local_swift, 2 * args.transfers, args.size_kib * KIB, 64)
        pks = queued_rows(zone, 2 * args.transfers)
        start_worker(processes, queue)
        print(f"bench/queue_latency.py: {args.transfers} uploads of {args.size_kib} KiB per run, one transfers "
              f"worker (threads, TRANSFER_CONCURRENCY {settings.TRANSFER_CONCURRENCY})")
        print(f"{'run':<16}{'count':>6}{'median ms':>12}{'p90 ms':>10}{'min ms':>10}{'max ms':>10}")
        report("one at a time", one_at_a_time(pks[:args.transfers], queue))
        latencies, seconds = burst(pks[args.transfers:], queue)
        report("burst", latencies)
        print(f"burst: {args.transfers} transfers in {seconds:.1f} s, {args.transfers / seconds:.1f} per second; "
              f"worker peak RSS {peak_rss_mib(processes.procs[0].pid):.0f} MiB (data bound: "
              f"{settings.TRANSFER_CONCURRENCY} transfers x (swift.transfer.concurrency + 1) MiB)")
        load1, load5, load15 = os.getloadavg()
        print(f"load average: {load1:.2f} {load5:.2f} {load15:.2f}")
        from storage.models import Transfer

        failed = Transfer.objects.exclude(state=Transfer.State.DONE).count()
        if failed:
            print(f"{failed} transfer(s) did not end done")
        return 0 if not failed else 1
    finally:
        processes.stop()
        if local_swift is not None:
            local_swift.stop()
        try:
            from django.db import connections

            connections.close_all()
            _drop_queue(queue)
        except Exception:  # noqa: BLE001 - Django may not be set up
            pass
        admin_sql(admin_url, f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
