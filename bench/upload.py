#!/usr/bin/env python
"""Benchmark: Upload from local through the tus endpoint under gunicorn
(tuspy, the Python tus client, in 64 MiB chunks, then the last POST with the
MD5: the server's fsyncs, MD5, checks, rename and template.properties)
against `curl -T` of the same file as one PUT straight into the local Swift,
in the same run, alternating rounds. Prints the medians, the ratio of
throughputs (tus / curl; the goal is at least 0.8) and the peak RSS of the
gunicorn worker that received the upload, sampled during it (it should stay
flat: chunks are streamed to disk, never held whole).

Everything is its own, as in bench/load.py: a throwaway PostgreSQL database
on the server of DATABASE_URL, a local Swift on free ports, the zone's NFS
folder in a temporary directory, one gunicorn worker.

    .venv/bin/python bench/upload.py --mib 1024
"""
from __future__ import annotations

import argparse
import hashlib
import os
import secrets
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.measures import MIB  # noqa: E402 - needs ROOT on sys.path
from bench.services import PASSWORD, bench_stack, interruptible, local_swift, login, start_gunicorn  # noqa: E402



def make_file(path: Path, mib: int) -> str:
    block = os.urandom(MIB)
    md5 = hashlib.md5()
    with open(path, "wb") as out:
        for index in range(mib):
            data = block[:-8] + index.to_bytes(8, "big")  # no two MiB alike
            out.write(data)
            md5.update(data)
    return md5.hexdigest()


class PeakRSS:
    """The highest RSS of gunicorn's worker processes, sampled every 50 ms."""

    def __init__(self, master_pid: int):
        import psutil

        self.master = psutil.Process(master_pid)
        self.peak = 0
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()

    def sample(self):
        while self.running:
            for child in self.master.children():
                try:
                    self.peak = max(self.peak, child.memory_info().rss)
                except Exception:  # noqa: BLE001 - a worker may be restarting
                    pass
            time.sleep(0.05)

    def stop(self) -> int:
        self.running = False
        self.thread.join()
        return self.peak


def tus_upload(base: str, session, zone, path: Path, md5_hex: str, chunk_mib: int) -> float:
    """Seconds from the creation to the verified template."""
    from tusclient import client as tus

    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    headers = {"Cookie": cookies, "X-CSRFToken": session.cookies["csrftoken"]}
    start = time.perf_counter()
    uploader = tus.TusClient(f"{base}/templates/upload/tus/", headers=headers).uploader(
        str(path), chunk_size=chunk_mib * MIB, metadata={
            "name": f"bench-{secrets.token_hex(3)}", "description": "bench/upload.py", "zone": str(zone.pk),
            "format": "raw", "hypervisor": "KVM"})
    uploader.upload()
    answer = session.post(f"{uploader.url}complete/", data={"md5": md5_hex},
                          headers={"X-CSRFToken": session.cookies["csrftoken"], "Tus-Resumable": "1.0.0"},
                          timeout=600)
    elapsed = time.perf_counter() - start
    if answer.status_code != 200 or answer.json()["md5"] != md5_hex:
        raise SystemExit(f"bench: the upload was not verified: {answer.status_code} {answer.text[:300]}")
    return elapsed


def curl_put(local_swift, path: Path) -> float:
    """Seconds of `curl -T` into the local Swift (token fetched first)."""
    import requests

    from storage.swift.localswift import AUTH_KEY, AUTH_USER

    auth = requests.get(local_swift.auth_url, headers={"X-Auth-User": AUTH_USER, "X-Auth-Key": AUTH_KEY},
                        timeout=30)
    token, storage = auth.headers["X-Auth-Token"], auth.headers["X-Storage-Url"]
    requests.put(f"{storage}/bench-curl", headers={"X-Auth-Token": token}, timeout=30).raise_for_status()
    start = time.perf_counter()
    subprocess.run(["curl", "-sS", "--fail", "-T", str(path), "-H", f"X-Auth-Token: {token}",
                    f"{storage}/bench-curl/{path.name}"], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mib", type=int, default=1024, help="size of the file (default 1024)")
    parser.add_argument("--chunk-mib", type=int, default=64, help="tus chunk size (default 64)")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of each (default 2)")
    return parser.parse_args()


def run(args, scratch: Path, processes, local_swift) -> None:
    from django.contrib.auth import get_user_model

    from sampledata.shares import make_zone

    zone, _root = make_zone(seed=False)
    get_user_model().objects.create_superuser("bench", "", PASSWORD)
    base, gunicorn = start_gunicorn(processes, workers=1, threads=4, timeout=600)
    session = login(base, "bench")
    path = scratch / "image.raw"
    md5_hex = make_file(path, args.mib)
    rss = PeakRSS(gunicorn.pid)
    idle_peak = 0
    time.sleep(0.5)
    idle_peak = rss.peak
    tus_times, curl_times = [], []
    for _ in range(args.rounds):
        tus_times.append(tus_upload(base, session, zone, path, md5_hex, args.chunk_mib))
        curl_times.append(curl_put(local_swift, path))
    peak = rss.stop()
    tus_s, curl_s = statistics.median(tus_times), statistics.median(curl_times)
    print(f"bench/upload.py: {args.mib} MiB, tus chunks of {args.chunk_mib} MiB, {args.rounds} rounds")
    print(f"  tus through gunicorn (verified): median {tus_s:.2f} s ({args.mib / tus_s:.1f} MiB/s) {tus_times}")
    print(f"  curl -T into Swift:              median {curl_s:.2f} s ({args.mib / curl_s:.1f} MiB/s) {curl_times}")
    print(f"  ratio tus / curl (throughput):   {curl_s / tus_s:.2f}")
    print(f"  gunicorn worker RSS: {idle_peak / MIB:.0f} MiB before, peak {peak / MIB:.0f} MiB during")


def main() -> int:
    args = parse_args()
    with (bench_stack("cloudadmin-bench-upload-", TEMPLATE_UPLOAD_MAX_BYTES=str(2 * args.mib * MIB))
          as (scratch, processes), local_swift() as swift_server):
        run(args, scratch, processes, swift_server)
        return 0


if __name__ == "__main__":
    sys.exit(interruptible(main))
