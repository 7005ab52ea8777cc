#!/usr/bin/env python
"""Benchmark: scanning a secondary storage of many template folders.

Writes --count template folders (tiny images, complete properties) into a
temporary share, then times the folder walk (`scanner.scan_folder`) and the
database recording of a zone scan (`scanner.record_entries`), first scan
(all rows new) and second scan (all rows there), in the test database as
bench/transfer.py does. The goals: 10,000 folders in well under 10 s, 100,000
under 30 s each scan (issue 20), memory growing no faster than the share. Not a
test: run it by hand; bench/cost_curve.py runs it at 1,000 to 100,000.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cloudadmin .venv/bin/python bench/scan.py
"""
import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")


def write_share(root: Path, count: int, first_id: int) -> None:
    for n in range(count):
        template_id = first_id + n
        folder = root / "template" / "tmpl" / str(1 + n % 50) / str(template_id)
        folder.mkdir(parents=True)
        (folder / f"{template_id}.qcow2").write_bytes(b"x" * 16)
        (folder / "template.properties").write_text(
            f"filename={template_id}.qcow2\nid={template_id}\nuniquename=t{template_id}\n"
            f"size=16\nvirtualsize=16\nqcow2=true\nqcow2.size=16\nchecksum=\n")


def scan_twice(work: Path, count: int, first_id: int = 5_000_000) -> list[tuple[str, int, int, float, float]]:
    """Write `count` folders under `work`, scan them twice into a zone of
    their own (first scan: every row new; second: every row there); returns
    (label, folders, complete, walk seconds, database seconds) of each. The
    rows are deleted at the end."""
    from django.db import transaction

    from storage.catalog import scanner
    from storage.models import SecondaryStorage, Template
    from zones.models import Zone

    write_share(work, count, first_id)
    zone, _ = Zone.objects.get_or_create(
        name="bench-scan", defaults=dict(network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                                         hypervisor="XenServer"))
    store, _ = SecondaryStorage.objects.get_or_create(zone=zone, server="127.0.0.1", path="/bench-scan")
    Template.objects.filter(pk__gte=first_id).delete()
    results = []
    for label in ("first scan", "second scan"):
        start = time.perf_counter()
        found = scanner.scan_folder(work)
        walked = time.perf_counter()
        with transaction.atomic():
            scanner.record_entries(zone, [(store, e) for e in found.entries], complete_scan=True)
        recorded = time.perf_counter()
        results.append((label, len(found.entries), sum(e.complete for e in found.entries),
                        walked - start, recorded - walked))
        found = None  # a zone scan holds one walk's entries, not two (peak RSS)
    Template.objects.filter(pk__gte=first_id).delete()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=True)
    work = Path(tempfile.mkdtemp(prefix="bench-scan-"))
    try:
        for label, folders, ready, walk, database in scan_twice(work, args.count):
            print(f"{label}: {folders} folders ({ready} complete): walk {walk:.2f} s, "
                  f"database {database:.2f} s, total {walk + database:.2f} s")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
