#!/usr/bin/env python
"""Transfer throughput (issue 20): the engine through real Celery workers
against `swift upload` and rclone, on one local Swift, alternating rounds.

Contenders, each from empty containers, who goes first turning round by round:

  engine   UP transfers queued for every template of a zone (one transaction,
           as a scan queues them) and run by the workers that
           scripts/services.py starts (--pool/--concurrency override the
           transfers queue's worker); timed from the enqueue to the last
           transfer finished, every one DONE with its MD5 verified
  cli      swift upload --object-threads 10 of the same folder
           (-S <segment size> --segment-threads 10 when a file is larger
           than the segment size, as the engine segments it)
  rclone   rclone copy --transfers 8 to the same Swift (skipped with a note
           when rclone is missing: bash scripts/system-deps.sh rclone)

Cases: "many", 16 templates of 64 MiB; "slo", one of 2 GiB with the local
Swift's max_file_size lowered to 1 GiB. Prints per contender the median
seconds, min-max, MiB/s, client CPU seconds per GiB (the worker process
tree's for the engine, the command's for the others), the machine's CPU
seconds per GiB (every process: the Swift servers, the database and this
script too), peak RSS (the whole worker host for the engine), the
engine worker host's peak PSS (from one more engine run after the timed
rounds, untimed: reading smaps costs the cores CPU that would fall on the
engine's rounds only), the throughput ratios engine/cli and engine/rclone, Swift's client requests per
template, the engine's queue-to-start latency (of the transfers that found a
free slot, and of all) with each round's timeline, and os.getloadavg() at
the start and the end.
--hosts N runs N worker sets on the same queues (scale-out): each template
must be copied once, in one attempt. It runs on a fresh test_<DATABASE_URL's name>
database, dropped at the end, as bench/transfer.py's. Not a test: run it
by hand on a quiet machine.

    .venv/bin/python bench/throughput.py                       # both cases, 3 rounds
    .venv/bin/python bench/throughput.py --case many --size 8MiB --count 4 --rounds 1
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.measures import (  # noqa: E402 - needs ROOT on sys.path
    MIB, SwiftRequests, TreeMeter, parse_size, run_measured, write_template)
from bench.services import bench_stack, interruptible, local_swift, start_workers, test_database_name  # noqa: E402

GIB = 1024 * MIB
CASES = {  # name: (templates, bytes each, Swift's max_file_size or None for Swift's default)
    "many": (16, 64 * MIB, None),
    "slo": (1, 2 * GIB, 1 * GIB),
}
FIRST_ID = 700_001


@dataclass
class Result:
    seconds: list = field(default_factory=list)
    cpu: list = field(default_factory=list)
    rss: list = field(default_factory=list)
    pss: list = field(default_factory=list)  # the engine's worker host
    queue_to_start: list = field(default_factory=list)  # the engine's, seconds per transfer
    free_slot: list = field(default_factory=list)  # the same, of those started before any copy ended
    segments: int = 0  # the engine's SLO segments, all rounds
    requests: list = field(default_factory=list)  # client requests Swift answered, per run
    methods: Counter = field(default_factory=Counter)  # of the last run
    hosts: Counter = field(default_factory=Counter)  # the engine's transfers per worker, all rounds
    machine: list = field(default_factory=list)  # CPU seconds of every process on the machine, per run
    timeline: str = ""  # the engine's last run: commit, starts and finishes after the enqueue


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", choices=[*CASES, "all"], default="all")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, help="templates per case (default: the case's)")
    parser.add_argument("--size", type=parse_size, help="bytes per template, e.g. 8MiB (default: the case's)")
    parser.add_argument("--max-file-size", type=parse_size,
                        help="the local Swift's max_file_size (default: the case's)")
    parser.add_argument("--segment-size", type=parse_size,
                        help="swift.segment.size for the engine, -S for the CLI, --swift-chunk-size for "
                             "rclone (default: the setting's, within max_file_size)")
    parser.add_argument("--pool", help="pool of the transfers worker (default: scripts/services.py's)")
    parser.add_argument("--concurrency", type=int,
                        help="its concurrency, also TRANSFER_CONCURRENCY (default: scripts/services.py's)")
    parser.add_argument("--hosts", type=int, default=1,
                        help="worker sets, each its own --hostname, sharing the queues (scale-out; default 1)")
    parser.add_argument("--object-threads", type=int, default=10)
    parser.add_argument("--segment-threads", type=int, default=10, help="the CLI's (default 10)")
    parser.add_argument("--engine-segment-threads", type=int,
                        help="swift.transfer.concurrency, the engine's segment threads (default: the setting's)")
    parser.add_argument("--rclone-transfers", type=int, default=8)
    return parser.parse_args()


# --- the contenders --------------------------------------------------------------------
class Bench:
    """One case: its share, its Swift and the runs of every contender."""

    def __init__(self, args, server, zone, share: Path, templates: list[int], segment_size: int, meter):
        self.args, self.server, self.zone, self.share = args, server, zone, share
        self.templates, self.segment_size, self.meter = templates, segment_size, meter
        # Segmented as the engine segments: above the segment size (within max_file_size).
        self.slo = any(p.stat().st_size > segment_size for p in share.rglob("*.qcow2"))
        self.auth = ["-A", server.auth_url, "-U", "test:tester", "-K", "testing"]
        self.swift_cli = str(Path(sys.executable).parent / "swift")

    def empty_swift(self) -> None:
        """Every container of the account gone, and the templates as a first
        scan leaves them (no transfer, not in Swift)."""
        from storage.catalog import scanner
        from storage.models import SecondaryStorage, Template

        subprocess.run([self.swift_cli, *self.auth, "delete", "--all"], check=True, capture_output=True)
        Template.objects.filter(pk__in=self.templates).delete()
        store = SecondaryStorage.objects.get(zone=self.zone)
        found = scanner.scan_folder(self.share)
        scanner.record_entries(self.zone, [(store, e) for e in found.entries], complete_scan=True)

    def engine(self, result: Result, meter: TreeMeter | None = None) -> None:
        from django.db import transaction
        from django.utils import timezone

        from storage.models import Template, TemplateLocation, Transfer
        from storage.transfers import queueing

        meter = meter or self.meter
        locations = list(TemplateLocation.objects.filter(zone=self.zone).select_related("template"))
        meter.begin()
        enqueued = timezone.now()
        with transaction.atomic():
            for location in locations:
                queueing.enqueue_upload(location.template, self.zone, source_size=location.image_size,
                                        source_mtime=location.image_mtime)
        committed = timezone.now()
        rows = Transfer.objects.filter(template_id__in=self.templates, direction=Transfer.Direction.UP)

        def ended():
            return rows.exclude(state__in=Transfer.TERMINAL_STATES).count() == 0 and rows.exists()

        timeout = 600 + sum(p.stat().st_size for p in self.share.rglob("*.qcow2")) / (10 * MIB)
        wait(ended, timeout, "the engine's transfers")
        cpu, rss = meter.end()
        result.pss.append(meter.peak_pss)
        failed = [f"T-{t.template_id}: {t.state} {t.last_error}" for t in rows if t.state != Transfer.State.DONE]
        failed += [f"T-{t.template_id}: {t.attempts} attempts" for t in rows if t.attempts != 1]  # copied twice?
        if failed or Template.objects.filter(pk__in=self.templates).exclude(
                swift_state=Template.SwiftState.STORED).exists():
            raise SystemExit("bench: engine transfers did not all end done:\n" + "\n".join(failed))
        last = max(t.finished for t in rows)
        result.seconds.append((last - enqueued).total_seconds())
        result.cpu.append(cpu)
        result.rss.append(rss)
        result.queue_to_start += [(t.started - t.created).total_seconds() for t in rows]
        first_end = min(t.finished for t in rows)
        result.free_slot += [(t.started - t.created).total_seconds() for t in rows if t.started < first_end]
        result.segments += sum(t.segments_total for t in rows if t.segment_size)
        result.hosts.update(t.worker.split("@")[0] for t in rows)

        def span(stamps) -> str:
            return "–".join(f"{(s - enqueued).total_seconds():.2f}" for s in (min(stamps), max(stamps)))
        result.timeline = (f"committed {(committed - enqueued).total_seconds():.2f} s, started "
                           f"{span([t.started for t in rows])} s, finished {span([t.finished for t in rows])} s")

    def cli(self, result: Result) -> None:
        options = ["--object-threads", str(self.args.object_threads)]
        if self.slo:
            options += ["-S", str(self.segment_size), "--segment-threads", str(self.args.segment_threads)]
        self.measured(result, [self.swift_cli, *self.auth, "upload", *options, "bench-cli", "template"])

    def rclone(self, result: Result) -> None:
        env = {**os.environ, "RCLONE_CONFIG": os.devnull, "RCLONE_CONFIG_BENCH_TYPE": "swift",
               "RCLONE_CONFIG_BENCH_AUTH": self.server.auth_url, "RCLONE_CONFIG_BENCH_USER": "test:tester",
               "RCLONE_CONFIG_BENCH_KEY": "testing"}
        self.measured(result, ["rclone", "copy", "--transfers", str(self.args.rclone_transfers),
                               "--swift-chunk-size", f"{self.segment_size // MIB}M",
                               "template", "bench:bench-rclone/template"], env=env)

    def measured(self, result: Result, argv: list[str], **kwargs) -> None:
        seconds, cpu, rss = run_measured(argv, cwd=self.share, **kwargs)
        result.seconds.append(seconds)
        result.cpu.append(cpu)
        result.rss.append(rss)


def wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: timed out waiting for {what}")
        time.sleep(0.25)  # the engine is timed by its rows' timestamps, not by this poll


# --- a case ----------------------------------------------------------------------------------
def run_case(args, name: str, processes) -> tuple[dict, int, int, int]:
    """Every round of one case; returns {contender: Result}, the bytes moved
    per run, the segment size used and the number of templates."""
    from cloudadmin import config
    from sampledata.shares import make_swift_store, make_zone

    count, size, max_file_size = CASES[name]
    count, size = args.count or count, args.size or size
    max_file_size = args.max_file_size or max_file_size
    swift_options = {"max_file_size": max_file_size} if max_file_size else {}
    counter = SwiftRequests()
    with local_swift(access_log_port=counter.port, **swift_options) as server:
        make_swift_store(server)
        segment_size = args.segment_size or min(int(config.value("swift.segment.size")),
                                                server.max_file_size // 2)
        config.change("swift.segment.size", str(segment_size))
        config.change("swift.replicate.to.all.zones", "false")
        if args.engine_segment_threads:
            config.change("swift.transfer.concurrency", str(args.engine_segment_threads))
        zone, share = make_zone(seed=False)
        print(f"\ncase {name}: writing {count} × {size / MIB:.0f} MiB under {share} ...", flush=True)
        templates = [FIRST_ID + n for n in range(count)]
        for template_id in templates:
            write_template(share, template_id, size)
        workers = start_workers(processes, pool=args.pool, concurrency=args.concurrency, hosts=args.hosts)
        # The timed rounds sample RSS only, as the commands' do.
        bench = Bench(args, server, zone, share, templates, segment_size, TreeMeter([w.pid for w in workers]))
        runs = {"engine": bench.engine, "cli": bench.cli}
        if shutil.which("rclone"):
            runs["rclone"] = bench.rclone
        else:
            print("rclone is not installed: skipped (bash scripts/system-deps.sh rclone installs it)")
        results = alternate(runs, args.rounds, bench.empty_swift, counter)
        bench.empty_swift()
        memory = Result()  # one more engine run, untimed, for the PSS (module docstring)
        bench.engine(memory, TreeMeter([w.pid for w in workers], pss=True))
        results["engine"].pss = memory.pss
        bench.empty_swift()
        processes.stop()  # the workers: the next case has its own Swift
        shutil.rmtree(share, ignore_errors=True)
    counter.close()
    return results, count * size, segment_size, count


def machine_busy() -> float:
    """CPU seconds every process on the machine has used (Swift, PostgreSQL
    and Redis too): what a contender costs the cores it shares."""
    import psutil

    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0)


def alternate(runs: dict, rounds: int, empty, counter: SwiftRequests) -> dict:
    results = {name: Result() for name in runs}
    order = list(runs)
    for round_no in range(1, rounds + 1):
        for name in order:
            empty()
            mark = len(counter.lines)
            before = machine_busy()
            runs[name](results[name])
            results[name].machine.append(machine_busy() - before)
            time.sleep(0.5)  # the proxy logs a request after answering it
            requests = counter.client_requests(mark)
            results[name].requests.append(len(requests))
            results[name].methods = Counter(method for method, _status in requests)
            print(f"round {round_no} {name:7s} {results[name].seconds[-1]:8.2f} s  "
                  f"client CPU {results[name].cpu[-1]:6.2f} s  peak RSS {results[name].rss[-1] / MIB:6.0f} MiB  "
                  f"Swift requests {len(requests)}  machine CPU {results[name].machine[-1]:5.2f} s", flush=True)
            if results[name].timeline:
                print(f"        {name}: {results[name].timeline}", flush=True)
        order = order[1:] + order[:1]
    return results


def report(name: str, args, results: dict, total: int, segment_size: int, count: int) -> None:
    gib, mib = total / GIB, total / MIB
    print(f"\ncase {name}: {mib:.0f} MiB per run, segment size {segment_size / MIB:.0f} MiB, "
          f"{args.rounds} rounds")
    print(f"  {'contender':<9}{'median s':>10}{'min-max s':>16}{'MiB/s':>9}{'CPU s/GiB':>11}{'peak RSS MiB':>14}")
    medians = {}
    for contender, result in results.items():
        median = medians[contender] = statistics.median(result.seconds)
        span = f"{min(result.seconds):.2f}-{max(result.seconds):.2f}"
        print(f"  {contender:<9}{median:>10.2f}{span:>16}{mib / median:>9.1f}"
              f"{statistics.median(result.cpu) / gib:>11.2f}{max(result.rss) / MIB:>14.0f}")
    print("  machine CPU s/GiB (every process, the Swift servers and the database too): " + "; ".join(
        f"{name} {statistics.median(r.machine) / gib:.2f}" for name, r in results.items()))
    print("  Swift client requests per template (median run; by method, the last run): " + "; ".join(
        f"{name} {statistics.median(r.requests) / count:.1f} ("
        + ", ".join(f"{m} {n / count:.1f}" for m, n in sorted(r.methods.items())) + ")"
        for name, r in results.items()))
    for peer in ("cli", "rclone"):
        if peer in medians:
            print(f"  throughput ratio engine/{peer}: {medians[peer] / medians['engine']:.2f}")
    print(f"  engine worker host peak PSS {max(results['engine'].pss) / MIB:.0f} MiB, from an untimed run "
          "(the RSS sum counts the pages prefork processes share once per process)")
    engine = results["engine"]
    latency, free = engine.queue_to_start, engine.free_slot
    print(f"  engine queue-to-start, with a free slot (started before any copy ended): median "
          f"{1000 * statistics.median(free):.0f} ms, max {1000 * max(free):.0f} ms ({len(free)} transfers); "
          f"all, waits for a slot included: median {1000 * statistics.median(latency):.0f} ms, "
          f"max {1000 * max(latency):.0f} ms ({len(latency)}); SLO segments per run {engine.segments / args.rounds:.0f}")
    if args.hosts > 1:
        print("  engine transfers per worker (each once, one attempt): "
              + ", ".join(f"{host} {n}" for host, n in sorted(engine.hosts.items())))
    print("  (engine: peak RSS of the whole worker host, CPU of its process tree; "
          "cli/rclone: the command's own)")


def main() -> int:
    args = parse_args()
    print(f"bench/throughput.py: load average at start {os.getloadavg()}", flush=True)
    cases = list(CASES) if args.case == "all" else [args.case]
    with bench_stack("cloudadmin-bench-throughput-", database=test_database_name()) as (_scratch, processes):
        reports = [(name, *run_case(args, name, processes)) for name in cases]
    for name, results, total, segment_size, count in reports:
        report(name, args, results, total, segment_size, count)
    print(f"\nload average at end {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(interruptible(main))
