#!/usr/bin/env python
"""Benchmark: the transfer engine's upload path against the `swift` CLI.

Starts a local Swift, writes a template of --size bytes (default 1 GiB) into
a temporary secondary storage, then alternates, for --rounds rounds:

  engine     storage.transfers.lifecycle.run_transfer in a fresh worker-like process
             (streams, uploads segments in parallel, verifies every ETag and
             the whole-file MD5 against template.properties)
  cli-slo    swift upload -S <segment size> --segment-threads <concurrency>
  cli-plain  swift upload (one object; skipped above Swift's max_file_size)

Each run starts from an empty container. The client's CPU seconds are
printed too: on a small machine Swift's servers and the client share the
cores, and the engine hashes every byte twice (segment and whole file). Prints the median seconds and
throughput of each, the throughput ratio engine / cli-slo, and the engine
process's peak RSS. Not a test: run it by hand.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cloudadmin \\
    .venv/bin/python bench/transfer.py --size 1GiB --rounds 3

It uses (and creates if needed) the test database, test_<DATABASE_URL's
name>, as the test suite does.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import resource
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
from bench.measures import parse_size  # noqa: E402 - needs ROOT on sys.path
from bench.services import local_swift  # noqa: E402

TEMPLATE_ID = 900001
IMAGE = "bench-0000-0000-0000-000000000000.vhd"
SHARE = "nfs://127.0.0.1/bench"


def write_template(root: Path, size: int) -> str:
    folder = root / "template" / "tmpl" / "1" / str(TEMPLATE_ID)
    folder.mkdir(parents=True, exist_ok=True)
    md5 = hashlib.md5()
    with open(folder / IMAGE, "wb") as out:
        left = size
        while left:
            block = os.urandom(min(left, 4 * 1024 * 1024))
            md5.update(block)
            out.write(block)
            left -= len(block)
    (folder / "template.properties").write_text(
        f"filename={IMAGE}\nid={TEMPLATE_ID}\nuniquename=bench\nchecksum={md5.hexdigest()}\n"
        f"size={size}\nvirtualsize={size}\nvhd=true\nvhd.size={size}\n")
    return str(folder / IMAGE)


# --- the engine side, in a child process --------------------------------------------
def engine_child(args) -> None:
    """One engine upload in this (fresh) process; prints a JSON line."""
    import resource

    import django

    django.setup()
    import storage.tasks  # noqa: F401 - a worker process has Celery and the tasks loaded too
    from cloudadmin import config
    from cloudadmin.celery import app  # noqa: F401
    from storage.transfers import lifecycle
    from storage.catalog import scanner
    from storage.swift import client as swift
    from storage.models import SecondaryStorage, SwiftStore, Template, Transfer
    from zones.models import Zone

    config.change("swift.segment.size", str(args.segment_size))
    config.change("swift.transfer.concurrency", str(args.concurrency))
    SwiftStore.objects.all().delete()
    creds = swift.Credentials(url=args.auth_url, username="test:tester", key="testing")
    conn = swift.connect(creds)
    caps = swift.capabilities(conn)
    conn.close()
    SwiftStore.objects.create(url=args.auth_url, username="test:tester", key="testing", auth_version="1.0",
                              capabilities=caps)
    zone, _ = Zone.objects.get_or_create(
        name="bench", defaults=dict(network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                                    hypervisor="XenServer"))
    store, _ = SecondaryStorage.objects.get_or_create(zone=zone, server="127.0.0.1", path="/bench")
    found = scanner.scan_folder(args.share_root)
    scanner.record_entries(zone, [(store, e) for e in found.entries], complete_scan=True)
    Transfer.objects.filter(template_id=TEMPLATE_ID).delete()
    Template.objects.filter(pk=TEMPLATE_ID).update(swift_state=Template.SwiftState.ABSENT)
    transfer = Transfer.objects.create(template_id=TEMPLATE_ID, direction=Transfer.Direction.UP, zone=zone)
    before = resource.getrusage(resource.RUSAGE_SELF)
    start = time.perf_counter()
    state = lifecycle.run_transfer(transfer.pk, worker="bench")
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_SELF)
    transfer.refresh_from_db()
    print(json.dumps({"seconds": seconds, "state": state, "error": transfer.last_error, "md5": transfer.md5,
                      "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
                      "peak_rss_mb": after.ru_maxrss / 1024}))


# --- the parent ------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=parse_size, default=parse_size("1GiB"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--segment-size", type=parse_size, default=parse_size("256MiB"))
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--read-ahead-mb", type=int, default=None,
                        help="TRANSFER_READ_AHEAD_MB for the engine (default: the setting's)")
    parser.add_argument("--engine-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--auth-url", help=argparse.SUPPRESS)
    parser.add_argument("--share-root", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.engine_child:
        engine_child(args)
        return

    import django

    django.setup()
    from django.db import connection

    test_db = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    settings_db = connection.settings_dict
    database_url = (f"postgres://{settings_db['USER']}@{settings_db['HOST'] or '127.0.0.1'}:"
                    f"{settings_db['PORT'] or 5432}/{test_db}")
    work = Path(tempfile.mkdtemp(prefix="bench-transfer-"))
    try:
        run_rounds(args, work, database_url)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_rounds(args, work: Path, database_url: str) -> None:
    from storage.swift import localswift

    share_root = work / "share"
    print(f"writing a {args.size} byte template under {share_root} ...", flush=True)
    image = write_template(share_root, args.size)
    swift_cli = [str(Path(sys.executable).parent / "swift")]
    with local_swift() as local:  # its folder removed at the end too
        auth = ["-A", local.auth_url, "-U", localswift.AUTH_USER, "-K", localswift.AUTH_KEY]
        container = f"T-{TEMPLATE_ID}"

        def clean():
            for name in (container, f"{container}_segments"):
                subprocess.run([*swift_cli, *auth, "delete", name], capture_output=True)

        env = {**os.environ, "DATABASE_URL": database_url, "NFS_MOUNTS": f"{SHARE}={share_root}",
               "PYTHONPATH": str(ROOT)}
        if args.read_ahead_mb is not None:
            env["TRANSFER_READ_AHEAD_MB"] = str(args.read_ahead_mb)

        def engine_run():
            out = subprocess.run([sys.executable, __file__, "--engine-child", "--auth-url", local.auth_url,
                                  "--share-root", str(share_root), "--segment-size", str(args.segment_size),
                                  "--concurrency", str(args.concurrency)],
                                 env=env, capture_output=True, text=True, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            if result["state"] != "done":
                raise SystemExit(f"engine run failed: {result['error']}")
            return result["seconds"], result["cpu"], result["peak_rss_mb"]

        def cli_run(*options):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            subprocess.run([*swift_cli, *auth, "upload", *options, "--object-name", IMAGE, container, image],
                           check=True, capture_output=True)
            seconds = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, None

        runs = {"engine": engine_run,
                "cli-slo": lambda: cli_run("-S", str(args.segment_size), "--segment-threads", str(args.concurrency)),
                "cli-plain": lambda: cli_run()}
        if args.size > local.max_file_size:
            del runs["cli-plain"]
        times, cpu, peak_rss = alternate(runs, args.rounds, clean)
        clean()
    report(args, times, cpu, peak_rss)


def alternate(runs: dict, rounds: int, clean) -> tuple[dict, dict, list]:
    """Each run once per round from an empty container, who goes first
    turning; returns the seconds and client CPU seconds of each, and the
    engine's peak RSS of each round."""
    times = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    peak_rss = []
    order = list(runs)
    for round_no in range(rounds):
        for name in order:
            clean()
            seconds, cpu_seconds, rss = runs[name]()
            times[name].append(seconds)
            cpu[name].append(cpu_seconds)
            if rss is not None:
                peak_rss.append(rss)
            print(f"round {round_no + 1} {name:9s} {seconds:7.2f} s  client CPU {cpu_seconds:6.2f} s",
                  flush=True)
        order = order[1:] + order[:1]  # alternate who goes first
    return times, cpu, peak_rss


def report(args, times: dict, cpu: dict, peak_rss: list) -> None:
    from django.conf import settings

    mib = args.size / 1024 / 1024
    read_ahead = args.read_ahead_mb if args.read_ahead_mb is not None else settings.TRANSFER_READ_AHEAD_MB
    print(f"\n{mib:.0f} MiB, segment {args.segment_size // 1024 // 1024} MiB, concurrency {args.concurrency}, "
          f"engine read-ahead {read_ahead} MiB, {args.rounds} rounds (medians)")
    medians = {name: statistics.median(values) for name, values in times.items()}
    for name, median in medians.items():
        print(f"  {name:9s} {median:7.2f} s  {mib / median:8.1f} MiB/s  "
              f"client CPU {statistics.median(cpu[name]):6.2f} s")
    print(f"throughput ratio engine/cli-slo: {medians['cli-slo'] / medians['engine']:.2f}")
    if "cli-plain" in medians:
        print(f"throughput ratio engine/cli-plain: {medians['cli-plain'] / medians['engine']:.2f}")
    print(f"engine worker peak RSS: {max(peak_rss):.0f} MB")


if __name__ == "__main__":
    main()
