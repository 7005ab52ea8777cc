#!/usr/bin/env python
"""Benchmark: the image writer of copies down and URL downloads
(storage.secondary.writer.TemplateWriter.write_image: MD5, writes, a sync
every SYNC_BYTES behind them, synced bytes dropped from the page cache)
against a plain buffered write with the same MD5 and one fsync at the end
(what the writer did before, and what most copy tools do), of the same
chunks into the same folder, alternating rounds in one process. Prints the
median wall, user and system seconds of each, the ratio (writer / plain
time) and the load average at the start and the end. On a VM whose fresh
pages are expensive, the plain write pays for new page-cache pages on every
GiB. Not a test: run it by hand on a quiet machine; it needs no database.

    .venv/bin/python bench/image_writer.py --mib 1024 --rounds 6
"""
import argparse
import hashlib
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
MIB = 1024 * 1024


def chunks(blocks: list[bytes], mib: int):
    """`mib` chunks of 1 MiB, each a new bytes object, as a GET body gives them."""
    for n in range(mib):
        yield bytes(blocks[n % len(blocks)])


def plain(folder: Path, blocks, mib: int) -> str:
    whole = hashlib.md5()
    with open(folder / "plain.img", "wb") as out:
        for chunk in chunks(blocks, mib):
            whole.update(chunk)
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    return whole.hexdigest()


def engine(folder: Path, blocks, mib: int) -> str:
    from storage.models import SecondaryStorage
    from storage.secondary.writer import TemplateWriter

    store = SecondaryStorage(server="127.0.0.1", path="/bench-writer")
    with TemplateWriter(folder, "template/tmpl/2/1", store, "dnld1tmp_") as writer:
        return writer.write_image(chunks(blocks, mib), lambda count: None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where to write (default: the temp dir)")
    args = parser.parse_args()

    import django

    django.setup()
    print(f"load average at start {os.getloadavg()}")
    blocks = [os.urandom(MIB) for _ in range(64)]
    contenders = {"writer": engine, "plain": plain}
    figures = {name: [] for name in contenders}
    digests = set()
    for n in range(args.rounds):
        order = list(contenders) if n % 2 == 0 else list(reversed(contenders))
        for name in order:
            folder = Path(tempfile.mkdtemp(prefix="bench-writer-", dir=args.dir))
            before, start = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            digests.add(contenders[name](folder, blocks, args.mib))
            seconds, after = time.perf_counter() - start, resource.getrusage(resource.RUSAGE_SELF)
            figures[name].append((seconds, after.ru_utime - before.ru_utime, after.ru_stime - before.ru_stime))
            shutil.rmtree(folder)
            print(f"round {n + 1} {name:6s} {seconds:6.2f} s", flush=True)
    assert len(digests) == 1, "the contenders wrote different bytes"
    print(f"\n{args.mib} MiB, {args.rounds} rounds, medians:")
    for name, rows in figures.items():
        wall, user, system = (statistics.median(row[i] for row in rows) for i in range(3))
        print(f"  {name:6s} {wall:6.2f} s ({args.mib / wall:6.1f} MiB/s)  user {user:5.2f} s  system {system:5.2f} s")
    ratio = statistics.median(r[0] for r in figures["writer"]) / statistics.median(r[0] for r in figures["plain"])
    print(f"  ratio writer/plain (time): {ratio:.2f}")
    print(f"load average at end {os.getloadavg()}")


if __name__ == "__main__":
    main()
