"""Dashboard load while transfers run.

N logged-in admins (threads, each a `requests` session that logged in
through the real login form) cycle through PAGES against gunicorn with the
worker idle, then while M uploads of S MiB each run through a real Celery
worker into the local Swift, then idle again. Prints throughput (req/s),
p50/p95 latency and errors of each run, the ratio of the busy run to the
two idle ones pooled, then downloads every template from Swift and compares
its MD5 with the source file.

Everything is its own: a throwaway PostgreSQL database (created on the
server of DATABASE_URL, dropped at the end), a local Swift on free ports,
NFS folders in a temporary directory, gunicorn and a worker on the Redis of
CELERY_BROKER_URL (give it a Redis database of its own).

    .venv/bin/python bench/load.py --users 8 --transfers 8 --size-mib 128

Exit status 0 when no request failed and every transfer completed with a
verified checksum.
"""
from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.services import (  # noqa: E402 - needs ROOT on sys.path
    PASSWORD, bench_stack, interruptible, local_swift, login, start_gunicorn, start_workers)
from bench.uploads import make_templates, verify_in_swift  # noqa: E402 - needs ROOT on sys.path

# What each simulated admin requests, in turn: (path, as htmx). As htmx
# (HX-Request: true) a list page answers its table fragment, as the
# dashboard's polling does. The one list to change when pages move.
PAGES = [
    ("/", False),
    ("/", True),
    ("/events/", True),
    ("/zones/", True),
    ("/templates/", True),
]
MIB = 1024 * 1024


# --- the load ------------------------------------------------------------------------
@dataclass
class Run:
    name: str
    seconds: float = 0.0
    latencies: dict = field(default_factory=dict)  # path -> [seconds]
    errors: list = field(default_factory=list)

    @property
    def all(self) -> list[float]:
        return [x for values in self.latencies.values() for x in values]

    @property
    def count(self) -> int:
        return len(self.all) + len(self.errors)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def label(page: tuple[str, bool]) -> str:
    path, htmx = page
    return f"{path} (htmx)" if htmx else path


def percentile(values: list[float], pct: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def drive(name: str, base: str, sessions: list, until) -> Run:
    """Every session requests PAGES in turn until until() is true."""
    run = Run(name, latencies={label(page): [] for page in PAGES})
    stop = threading.Event()
    lock = threading.Lock()

    def user(session, offset):
        pages = itertools.islice(itertools.cycle(PAGES), offset, None)
        for path, htmx in pages:
            if stop.is_set():
                return
            headers = {"HX-Request": "true"} if htmx else {}
            start = time.perf_counter()
            try:
                answer = session.get(base + path, headers=headers, allow_redirects=False, timeout=60)
                elapsed = time.perf_counter() - start
                error = None if answer.status_code == 200 else f"{label((path, htmx))}: HTTP {answer.status_code}"
            except Exception as exc:  # noqa: BLE001 - counted, not fatal
                elapsed, error = time.perf_counter() - start, f"{label((path, htmx))}: {type(exc).__name__}"
            with lock:
                if error:
                    run.errors.append(error)
                else:
                    run.latencies[label((path, htmx))].append(elapsed)

    threads = [threading.Thread(target=user, args=(s, i % len(PAGES)), daemon=True) for i, s in enumerate(sessions)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    while not until():
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(90)
    run.seconds = time.perf_counter() - start
    return run


def print_runs(runs: list[Run]) -> None:
    print(f"{'run':<16}{'seconds':>8}{'requests':>10}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'errors':>8}")
    for run in runs:
        values = run.all
        print(f"{run.name:<16}{run.seconds:>8.1f}{run.count:>10}{run.rate:>9.1f}"
              f"{1000 * percentile(values, 50):>9.1f}{1000 * percentile(values, 95):>9.1f}{len(run.errors):>8}")
    print("p95 ms by URL    " + "".join(f"{run.name:>16}" for run in runs))
    for page in PAGES:
        print(f"  {label(page):<14}" + "".join(f"{1000 * percentile(run.latencies[label(page)], 95):>16.1f}"
                                              for run in runs))
    for run in runs:
        for error in sorted(set(run.errors))[:5]:
            print(f"  {run.name} error: {error} (x{run.errors.count(error)})")


# --- set-up --------------------------------------------------------------------------
def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=8, help="concurrent logged-in admins (default 8)")
    parser.add_argument("--transfers", type=int, default=8, help="uploads running meanwhile (default 8)")
    parser.add_argument("--size-mib", type=int, default=128, help="size of each template (default 128)")
    parser.add_argument("--segment-mib", type=int, default=16, help="swift.segment.size (default 16: SLO)")
    parser.add_argument("--idle-seconds", type=float, default=20, help="length of the idle run (default 20)")
    parser.add_argument("--web-workers", type=int, default=2, help="gunicorn processes (default 2)")
    parser.add_argument("--web-threads", type=int, default=4, help="threads per gunicorn process (default 4)")
    parser.add_argument("--worker-concurrency", type=int, default=2,
                        help="concurrency of the worker of the transfers queue (default 2)")
    parser.add_argument("--pool", help="its pool (default: scripts/services.py's)")
    return parser.parse_args()


def start_services(args, processes) -> tuple[str, list]:
    """gunicorn and the Celery workers on the bench's database; returns the
    base URL and one logged-in session per admin."""
    from concurrent.futures import ThreadPoolExecutor

    from django.contrib.auth import get_user_model

    users = [f"bench{i}" for i in range(args.users)]
    for username in users:
        get_user_model().objects.create_superuser(username, "", PASSWORD)
    base, _proc = start_gunicorn(processes, workers=args.web_workers, threads=args.web_threads)
    start_workers(processes, pool=args.pool, concurrency=args.worker_concurrency)
    with ThreadPoolExecutor(len(users)) as pool:
        return base, list(pool.map(lambda u: login(base, u), users))


def measure(args, base: str, sessions: list, zone, sources: dict) -> tuple[Run, Run, Run, float]:
    """Idle, then while the zone's uploads run, then idle again; returns the
    three runs and the seconds the copies took."""
    from storage.models import Transfer
    from zones import wizard
    from zones.models import Zone

    def idle_run(name):
        started = time.monotonic()
        return drive(name, base, sessions, lambda: time.monotonic() - started >= args.idle_seconds)

    # Idle runs before and after the busy one, pooled: a machine shared
    # with other jobs drifts less into the ratio.
    idle_before = idle_run("idle before")
    # Enabling the zone scans it and queues its uploads, as in the UI.
    wizard.set_allocation(zone.pk, Zone.AllocationState.ENABLED)
    busy_start = time.monotonic()
    finished = {}

    def transfers_ended():
        if time.monotonic() - busy_start > 1800:
            return True  # a broken run: stop, the verification reports it
        ended = Transfer.objects.filter(template_id__in=sources, state__in=Transfer.TERMINAL_STATES).count()
        if ended == len(sources) and "at" not in finished:
            finished["at"] = time.monotonic()
        return ended == len(sources)

    # The check runs every 0.1 s in this thread, on its own connection.
    busy = drive("with transfers", base, sessions, transfers_ended)
    copy_seconds = finished.get("at", time.monotonic()) - busy_start
    return idle_before, busy, idle_run("idle after"), copy_seconds


def summarise(args, runs: tuple[Run, Run, Run, float], local_swift, sources: dict) -> bool:
    """Print the runs, their ratio and the verification; True when all went well."""
    idle_before, busy, idle_after, copy_seconds = runs
    total = args.transfers * args.size_mib
    idle = Run("idle (both)", seconds=idle_before.seconds + idle_after.seconds,
               latencies={k: idle_before.latencies[k] + idle_after.latencies[k] for k in idle_before.latencies},
               errors=idle_before.errors + idle_after.errors)
    print()
    print_runs([idle_before, busy, idle_after, idle])
    ratio_rate = busy.rate / idle.rate if idle.rate else float("nan")
    ratio_p95 = percentile(busy.all, 95) / percentile(idle.all, 95) if idle.all else float("nan")
    print(f"ratio with transfers / idle (both): throughput {ratio_rate:.2f}x, p95 latency {ratio_p95:.2f}x")
    verified, problems = verify_in_swift(local_swift, sources)
    print(f"transfers: {verified}/{len(sources)} completed with the MD5 downloaded from Swift equal to the "
          f"source's; {total} MiB in {copy_seconds:.1f} s ({total / copy_seconds:.1f} MiB/s, "
          f"scan included)")
    for problem in problems:
        print(f"  {problem}")
    return not idle.errors and not busy.errors and verified == len(sources)


def main() -> int:
    args = parse_args()
    with bench_stack("cloudadmin-bench-") as (_scratch, processes), local_swift() as swift_server:
        zone, sources = make_templates(swift_server, args.transfers, args.size_mib * MIB, args.segment_mib)
        base, sessions = start_services(args, processes)
        print(f"bench/load.py: {args.users} admins on {', '.join(map(label, PAGES))}, "
              f"gunicorn {args.web_workers}x{args.web_threads}; {args.transfers} uploads of {args.size_mib} MiB "
              f"(segments {args.segment_mib} MiB), worker concurrency {args.worker_concurrency}")
        ok = summarise(args, measure(args, base, sessions, zone, sources), swift_server, sources)
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(interruptible(main))
