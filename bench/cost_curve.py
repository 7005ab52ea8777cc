#!/usr/bin/env python
"""The cost curve (issue 20): how the cost grows with the number of templates.

  scan       bench/scan.py's two scans of 1,000, 10,000 and 100,000 template
             folders, each size in a fresh process: time and peak RSS
  dashboard  bench/dashboard.py's pages (the dashboard, its htmx poll, the
             Templates list, filtered) through Django's test client at
             1,000, 10,000 and 100,000 templates × 5 zones: p50/p95 over
             --requests requests and the SQL query count
  resync     a zone of 10, 100 and 1,000 templates of 1 MiB enabled (its scan
             queues every upload, as Sync now does) and copied by the
             workers scripts/services.py starts (--pool/--concurrency
             override the transfers queue's): wall time from the enable to
             the last copy done, per template, and queue-to-start latency

Each size is printed with the previous size's figure and the growth factor.
It runs on a fresh test_<DATABASE_URL's name> database (dropped at the end)
with its own local Swift, NFS folder and workers on CELERY_BROKER_URL. Not a
test: run it by hand on a quiet machine; --quick checks it at small sizes.

    .venv/bin/python bench/cost_curve.py
    .venv/bin/python bench/cost_curve.py --quick
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.measures import MIB, write_template  # noqa: E402 - needs ROOT on sys.path
from bench.services import bench_stack, interruptible, local_swift, start_workers, test_database_name  # noqa: E402

SIZES = {"scan": [1_000, 10_000, 100_000], "dashboard": [1_000, 10_000, 100_000], "resync": [10, 100, 1_000]}
QUICK = {"scan": [100, 1_000], "dashboard": [100, 1_000], "resync": [5, 20]}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the script")
    parser.add_argument("--parts", default="scan,dashboard,resync", help="comma-separated (default: all)")
    for part in SIZES:
        parser.add_argument(f"--{part}-sizes", type=lambda text: [int(n) for n in text.split(",")],
                            help=f"comma-separated (default {','.join(map(str, SIZES[part]))})")
    parser.add_argument("--zones", type=int, default=5, help="zones of the dashboard part (default 5)")
    parser.add_argument("--requests", type=int, help="requests per page and size (default 40, quick 10)")
    parser.add_argument("--resync-mib", type=int, default=1, help="size of each re-synced template (default 1)")
    parser.add_argument("--pool", help="pool of the transfers worker (default: scripts/services.py's)")
    parser.add_argument("--concurrency", type=int, help="its concurrency, also TRANSFER_CONCURRENCY")
    parser.add_argument("--scan-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for part in SIZES:
        chosen = getattr(args, f"{part}_sizes")
        setattr(args, f"{part}_sizes", chosen or (QUICK if args.quick else SIZES)[part])
    args.requests = args.requests or (10 if args.quick else 40)
    return args


def print_curve(title: str, rows: list[tuple[int, dict]], metrics: list[tuple[str, str]]) -> None:
    """One line per size: each metric (key, format) with the previous size's
    figure and the growth factor."""
    print(f"\n{title}")
    previous = None
    for size, values in rows:
        parts = []
        for key, form in metrics:
            text = f"{key} {form.format(values[key])}"
            if previous is not None:
                before = previous[1][key]
                factor = f"×{values[key] / before:.2f}" if before else "×-"
                text += f" (at {previous[0]:,}: {form.format(before)}, {factor})"
            parts.append(text)
        print(f"  {size:>9,}: " + "; ".join(parts))
        previous = (size, values)


# --- scan ---------------------------------------------------------------------------
def peak_rss_mib() -> float:
    """This process's peak RSS: VmHWM belongs to the memory of this program
    (ru_maxrss keeps the parent's from before the exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # not Linux


def scan_child(count: int) -> None:
    """One size in this fresh process: prints a JSON line of its figures."""
    import django

    django.setup()
    from bench.scan import scan_twice

    baseline = peak_rss_mib()
    work = Path(tempfile.mkdtemp(prefix="bench-cost-scan-"))
    try:
        results = scan_twice(work, count)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (_, _, _, walk1, db1), (_, _, _, walk2, db2) = results
    print(json.dumps({"first s": walk1 + db1, "walk s": walk1, "second s": walk2 + db2,
                      "peak RSS MiB": peak_rss_mib(), "growth MiB": peak_rss_mib() - baseline}))


def scan_part(args) -> None:
    rows = []
    for count in args.scan_sizes:
        out = subprocess.run([sys.executable, __file__, "--scan-child", str(count)], env=dict(os.environ),
                             capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"bench: the scan of {count} failed:\n{out.stderr[-3000:]}")
        rows.append((count, json.loads(out.stdout.strip().splitlines()[-1])))
        print(f"scan: measured {count:,} folders", flush=True)
    print_curve("scan (template folders): first scan (walk + database), its walk, second scan, "
                "peak RSS of the process and its growth over the start", rows,
                [("first s", "{:.2f}"), ("walk s", "{:.2f}"), ("second s", "{:.2f}"),
                 ("peak RSS MiB", "{:.0f}"), ("growth MiB", "{:.0f}")])


# --- dashboard -------------------------------------------------------------------------
def dashboard_part(args) -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from bench.dashboard import measure
    from sampledata.rows import make_zone, seed_bulk

    logging.getLogger("axes").setLevel(logging.WARNING)  # a line per login otherwise
    warnings.filterwarnings("ignore", message="No directory at")  # no collectstatic: bench.settings
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("bench-cost", "", "bench-password-123"))
    zones = [make_zone(f"cost-zone-{n}") for n in range(args.zones)]
    seeded, results = 0, []
    for size in args.dashboard_sizes:
        start = time.perf_counter()
        seed_bulk(size - seeded, zones, first_id=1_000_000 + seeded, seed=size)
        seeded = size
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"dashboard: seeded {size:,} templates × {len(zones)} zones in {time.perf_counter() - start:.1f} s",
              flush=True)
        results.append((size, measure(client, zones, args.requests)))
    for page in results[0][1]:
        rows = [(size, dict(zip(("p50 ms", "p95 ms", "queries"), figures[page]))) for size, figures in results]
        print_curve(f"{page} ({args.zones} zones, {args.requests} requests)", rows,
                    [("p50 ms", "{:.1f}"), ("p95 ms", "{:.1f}"), ("queries", "{}")])


# --- re-sync -----------------------------------------------------------------------------
def resync_one(zone, share: Path, ids: range, size: int) -> dict:
    """Enable the zone holding `ids` and wait for every upload; its figures."""
    from django.utils import timezone

    from storage.models import Transfer
    from zones import wizard
    from zones.models import Zone

    for template_id in ids:
        write_template(share, template_id, size)
    start = timezone.now()
    wizard.set_allocation(zone.pk, Zone.AllocationState.ENABLED)
    rows = Transfer.objects.filter(zone=zone, direction=Transfer.Direction.UP)
    deadline = time.monotonic() + 300 + 2 * len(ids)
    while rows.filter(state=Transfer.State.DONE).count() < len(ids):
        failed = list(rows.filter(state__in=(Transfer.State.FAILED, Transfer.State.CANCELLED)))
        if failed or time.monotonic() > deadline:
            raise SystemExit(f"bench: re-sync of {len(ids)}: {len(failed)} failed "
                             f"({failed[0].last_error if failed else 'timed out'})")
        time.sleep(0.1)
    wall = (max(t.finished for t in rows) - start).total_seconds()
    latency = [(t.started - t.created).total_seconds() for t in rows]
    return {"wall s": wall, "per template ms": 1000 * wall / len(ids),
            "queue-to-start p50 ms": 1000 * statistics.median(latency),
            "MiB/s": len(ids) * size / MIB / wall}


def resync_part(args, processes) -> None:
    from cloudadmin import config
    from sampledata.shares import make_swift_store, make_zone

    rows, first_id = [], 800_000
    with local_swift() as server:
        make_swift_store(server)
        config.change("swift.replicate.to.all.zones", "false")  # the zones enabled before stay out of it
        start_workers(processes, pool=args.pool, concurrency=args.concurrency)
        for count in args.resync_sizes:
            zone, share = make_zone(seed=False)
            rows.append((count, resync_one(zone, share, range(first_id, first_id + count), args.resync_mib * MIB)))
            first_id += count
            print(f"resync: measured {count:,} templates", flush=True)
            shutil.rmtree(share, ignore_errors=True)
        processes.stop()
    print_curve(f"re-sync of a zone's templates of {args.resync_mib} MiB (enable → last copy done)", rows,
                [("wall s", "{:.2f}"), ("per template ms", "{:.0f}"), ("queue-to-start p50 ms", "{:.0f}"),
                 ("MiB/s", "{:.1f}")])


def main() -> int:
    args = parse_args()
    if args.scan_child:
        scan_child(args.scan_child)
        return 0
    parts = args.parts.split(",")
    print(f"bench/cost_curve.py: load average at start {os.getloadavg()}", flush=True)
    with bench_stack("cloudadmin-bench-cost-", database=test_database_name()) as (_scratch, processes):
        if "scan" in parts:
            scan_part(args)
        if "resync" in parts:
            resync_part(args, processes)
        if "dashboard" in parts:
            dashboard_part(args)
    print(f"\nload average at end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(interruptible(main))
