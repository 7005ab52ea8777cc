"""Server time of the dashboard, the template list and filtered lists at
scale: 10,000 templates × 3 zones with their transfers.

    DATABASE_URL=... .venv/bin/python bench/dashboard.py [--templates 10000] [--requests 40]

Runs on a throw-away test database (test_<name>, dropped at the end). First
measures every page with 10 templates (the peer run), then seeds up to the
full count and measures again; prints p50/p95 in ms, the ratio to the peer
run, and the SQL query count of each page (which must not grow). The goal
is p50 < 150 ms at 10,000 templates.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_databases, setup_test_environment, teardown_databases  # noqa: E402


def pages(zones):
    return [
        ("dashboard", "/", {}),
        ("dashboard poll (htmx)", "/", {"HTTP_HX_REQUEST": "true"}),
        ("dashboard filtered", f"/?state=done&zone={zones[0].pk}&q=bulk-template-1", {}),
        ("template list", "/templates/", {}),
        ("template list filtered", f"/templates/?q=bulk-template-9&zone={zones[1].pk}&swift=Stored", {}),
    ]


def count_queries(client, url, headers):
    # Django empties connection.queries_log when a request starts, so count
    # with a wrapper around every SQL execution instead.
    calls = []

    def counter(execute, sql, params, many, context):
        calls.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        response = client.get(url, **headers)
    assert response.status_code == 200, (url, response.status_code)
    return len(calls)


def measure(client, zones, requests):
    results = {}
    for name, url, headers in pages(zones):
        for _ in range(3):  # warm-up: caches, connections
            client.get(url, **headers)
        query_count = count_queries(client, url, headers)
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            client.get(url, **headers)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        results[name] = (statistics.median(times), times[int(len(times) * 0.95) - 1], query_count)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--templates", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()

    from django.contrib.auth import get_user_model

    from sampledata.rows import make_zone, seed_bulk

    setup_test_environment()
    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        user = get_user_model().objects.create_superuser("bench", "", "bench-password-123")
        client = Client()
        client.force_login(user)
        zones = [make_zone(f"zone-{i}") for i in range(3)]
        seed_bulk(10, zones, first_id=1)
        peer = measure(client, zones, args.requests)
        start = time.perf_counter()
        seed_bulk(args.templates - 10, zones, first_id=100_000)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        from storage.models import TemplateLocation, Transfer
        print(f"seeded {args.templates} templates × {len(zones)} zones: {TemplateLocation.objects.count()} "
              f"locations, {Transfer.objects.count()} transfers in {time.perf_counter() - start:.1f} s")
        full = measure(client, zones, args.requests)
        print(f"{'page':<26}{'p50 ms':>9}{'p95 ms':>9}{'queries':>9}   peer (10 templates): p50 ms, queries, ratio")
        for name, (p50, p95, count) in full.items():
            peer_p50, _peer_p95, peer_count = peer[name]
            print(f"{name:<26}{p50:>9.1f}{p95:>9.1f}{count:>9}   {peer_p50:>7.1f} {peer_count:>4}   ×{p50 / peer_p50:.2f}")
        worst = max(p50 for p50, _p95, _count in full.values())
        print(f"goal p50 < 150 ms: {'met' if worst < 150 else 'NOT met'} (worst p50 {worst:.1f} ms)")
        if any(full[name][2] != peer[name][2] for name in full):
            print("query counts differ between 10 and the full count of templates!")
    finally:
        teardown_databases(old_config, verbosity=0)


if __name__ == "__main__":
    main()
