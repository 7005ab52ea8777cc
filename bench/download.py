#!/usr/bin/env python
"""Benchmark: Register template's download (storage.transfers.downloads, run through
storage.transfers.lifecycle.run_transfer as a worker does: pinned connection, dnld<random>tmp_
file, MD5, fsync, rename, template.properties, progress rows) against
`curl -o` (and `curl | tee | md5sum`, which hashes like the engine) of
the same file from the same local HTTP server, alternating rounds. Prints the medians and the ratio (engine / curl). Not a test: run
it by hand, in the test database as bench/scan.py does.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cloudadmin .venv/bin/python bench/download.py --mib 512
"""
import argparse
import functools
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_image(work: Path, mib: int):
    """An HTTP server on loopback serving `mib` MiB of random bytes; returns
    it, the image's URL and its MD5."""
    served = work / "served"
    served.mkdir()
    image = served / "image.raw"
    block = os.urandom(1024 * 1024)
    with open(image, "wb") as out:
        for _ in range(mib):
            out.write(block)
    md5 = hashlib.md5(image.read_bytes()).hexdigest()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(served)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}/image.raw", md5


def bench_zone():
    """The zone whose share receives the downloads, and the share's folder."""
    from storage.models import SecondaryStorage
    from storage.secondary import nfs
    from zones.models import Zone

    zone, _ = Zone.objects.get_or_create(
        name="bench-download", defaults=dict(network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                                             hypervisor="KVM"))
    store, _ = SecondaryStorage.objects.get_or_create(zone=zone, server="127.0.0.1", path="/bench-download")
    root = nfs.local_path(store.server, store.path)
    root.mkdir(parents=True, exist_ok=True)
    return zone, root


def one_round(n: int, template_id: int, zone, url: str, md5: str, work: Path, times: dict) -> None:
    """The engine's download of the URL, then curl -o, then curl | tee | md5sum."""
    from storage.models import Template, TemplateRegistration, Transfer
    from storage.transfers import lifecycle

    template = Template.objects.create(id=template_id, account_id=2, name="bench")
    TemplateRegistration.objects.create(template=template, zone=zone, url=url, name="bench", format="raw",
                                        hypervisor="KVM", checksum=md5, filename=f"bench-{n}.raw")
    transfer = Transfer.objects.create(template=template, zone=zone, direction=Transfer.Direction.DOWNLOAD)
    start = time.perf_counter()
    state = lifecycle.run_transfer(transfer.pk, worker="bench")
    times["engine"].append(time.perf_counter() - start)
    assert state == Transfer.State.DONE, Transfer.objects.get(pk=transfer.pk).last_error
    target = work / f"curl-{n}.raw"
    start = time.perf_counter()
    subprocess.run(["curl", "-sS", "-o", str(target), url], check=True)
    with open(target, "rb") as handle:
        os.fsync(handle.fileno())
    times["curl"].append(time.perf_counter() - start)
    target.unlink()
    start = time.perf_counter()
    subprocess.run(f"curl -sS {url} | tee {target} | md5sum > /dev/null && sync -d {target}",
                   shell=True, check=True)
    times["curl+md5sum"].append(time.perf_counter() - start)
    target.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = True  # the source is on loopback
    settings.TEMPLATE_DOWNLOAD_MAX_BYTES = 1 << 50
    from storage.models import Template

    work = Path(tempfile.mkdtemp(prefix="bench-download-"))
    httpd, url, md5 = serve_image(work, args.mib)
    zone, root = bench_zone()
    first_id = 6_000_000
    Template.objects.filter(pk__gte=first_id).delete()
    times = {"engine": [], "curl": [], "curl+md5sum": []}
    try:
        for n in range(args.rounds):
            one_round(n, first_id + n, zone, url, md5, work, times)
        engine_s, curl_s = statistics.median(times["engine"]), statistics.median(times["curl"])
        hashed_s = statistics.median(times["curl+md5sum"])
        print(f"{args.mib} MiB, {args.rounds} rounds each, medians: engine download {engine_s:.2f} s "
              f"({args.mib / engine_s:.0f} MiB/s, MD5 included), curl -o {curl_s:.2f} s "
              f"({args.mib / curl_s:.0f} MiB/s, no hash), curl | tee | md5sum {hashed_s:.2f} s")
        print(f"ratio engine/curl: {engine_s / curl_s:.2f}; engine/(curl | tee | md5sum): {engine_s / hashed_s:.2f}")
    finally:
        httpd.shutdown()
        Template.objects.filter(pk__gte=first_id).delete()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(root / "template" / "tmpl" / "2", ignore_errors=True)


if __name__ == "__main__":
    main()
