"""The dashboard (home page): counters, chart, transfers table, filters,
pagination, live-update markup, and a constant number of queries."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from storage.catalog import dashboard
from storage.models import Transfer
from tests.storage_rows import make_template, make_transfer, make_zone, seed_bulk

pytestmark = pytest.mark.django_db
URL = reverse("dashboard")


@pytest.fixture
def rows():
    zone_a, zone_b = make_zone("zone-a"), make_zone("zone-b")
    t1, t2, t3, t4 = (make_template(i, f"name-{i}") for i in (11, 12, 13, 14))
    make_template(15, "centos")
    running = make_transfer(t1, zone_a, Transfer.State.RUNNING, done=256, total=1024, rate=2048.0, attempts=1)
    failed = make_transfer(t2, zone_a, Transfer.State.FAILED, done=10, error="Uploading T-12: Swift server error (503)"
                           + " and a very long tail " * 10, attempts=6)
    done = make_transfer(t3, zone_b, Transfer.State.DONE, done=1024, total=1024, attempts=1)
    queued = make_transfer(t4, zone_b, Transfer.State.QUEUED, direction=Transfer.Direction.DOWN)
    return {"zones": (zone_a, zone_b), "running": running, "failed": failed, "done": done, "queued": queued}


def _ids(response):
    return [t.pk for t in response.context["object_list"]]


def test_summary_cards_and_table(admin_client, rows):
    response = admin_client.get(URL)
    assert response.status_code == 200
    counters = response.context["counters"]
    assert (counters["queued"], counters["running"], counters["failed"], counters["done_today"]) == (1, 1, 1, 1)
    assert counters["rate"] == 2048.0
    body = response.content.decode()
    running = rows["running"]
    assert f'data-testid="transfer-{running.pk}"' in body
    assert f'max="1024" value="256"' in body and "(25%)" in body  # progress bar, bytes done/total
    assert "2.0\xa0KB/s" in body  # rate
    assert "0 s" in body  # ETA: 768 bytes at 2 KB/s
    assert "Swift server error (503)" in body and "<details" in body  # last error, full text on expand
    assert 'data-testid="throughput-chart"' in body and "<polyline" in body
    assert "Not configured" in body  # Swift store state
    # Active rows first, then the most recently updated.
    assert set(_ids(response)[:2]) == {running.pk, rows["queued"].pk}
    # From and To: an upload goes zone → Swift, a copy down Swift → zone.
    upload_row = body.split(f'data-testid="transfer-{running.pk}"')[1].split("</tr>")[0]
    assert upload_row.index("<td>zone-a</td>") < upload_row.index("<td>Swift</td>")
    download_row = body.split(f'data-testid="transfer-{rows["queued"].pk}"')[1].split("</tr>")[0]
    assert download_row.index("<td>Swift</td>") < download_row.index("<td>zone-b</td>")
    assert "Sync now" in body and reverse("storage:compare", args=[rows["zones"][0].pk]) in body


def test_actions_shown_per_state(admin_client, rows):
    body = admin_client.get(URL).content.decode()
    for key, action in (("failed", "retry"), ("running", "cancel"), ("queued", "cancel")):
        assert reverse(f"storage:transfer_{action}", args=[rows[key].pk]) in body
    assert reverse("storage:transfer_retry", args=[rows["done"].pk]) not in body
    assert reverse("storage:transfer_cancel", args=[rows["done"].pk]) not in body


def test_transfer_ids_are_shown(admin_client, rows):
    body = admin_client.get(URL).content.decode()
    row = body.split(f'data-testid="transfer-{rows["failed"].pk}"')[1].split("</tr>")[0]
    assert f'<td data-testid="transfer-id">{rows["failed"].pk}</td>' in row


def test_no_retry_on_a_row_followed_by_a_later_transfer(admin_client, rows):
    failed = rows["failed"]
    later = make_transfer(failed.template, failed.zone, Transfer.State.DONE)
    body = admin_client.get(URL).content.decode()
    assert reverse("storage:transfer_retry", args=[failed.pk]) not in body
    assert reverse("storage:transfer_retry", args=[later.pk]) not in body  # done: nothing to retry
    later.state = Transfer.State.CANCELLED
    later.save()
    body = admin_client.get(URL).content.decode()
    assert reverse("storage:transfer_retry", args=[later.pk]) in body  # the latest one may be retried


def test_filter_by_state(admin_client, rows):
    assert _ids(admin_client.get(URL, {"state": "failed"})) == [rows["failed"].pk]
    assert set(_ids(admin_client.get(URL, {"state": "active"}))) == {rows["running"].pk, rows["queued"].pk}
    assert admin_client.get(URL, {"state": "bogus"}).status_code == 200  # invalid filter: ignored, no 500


def test_filter_by_zone(admin_client, rows):
    zone_b = rows["zones"][1]
    assert set(_ids(admin_client.get(URL, {"zone": zone_b.pk}))) == {rows["done"].pk, rows["queued"].pk}


def test_filter_by_text_id_or_name(admin_client, rows):
    assert _ids(admin_client.get(URL, {"q": "12"})) == [rows["failed"].pk]
    assert _ids(admin_client.get(URL, {"q": "name-13"})) == [rows["done"].pk]
    assert _ids(admin_client.get(URL, {"q": "nothing-like-it"})) == []
    assert _ids(admin_client.get(URL, {"q": "\u00b2"})) == []  # a digit to isdigit(), not to int()


def test_pagination_keeps_the_filter_in_the_url(admin_client):
    zone = make_zone("zone-p")
    for i in range(30):
        make_transfer(make_template(1000 + i), zone, Transfer.State.DONE)
    response = admin_client.get(URL, {"state": "done"})
    assert len(_ids(response)) == 25
    assert "state=done&amp;page=2" in response.content.decode()
    assert len(_ids(admin_client.get(URL, {"state": "done", "page": 2}))) == 5


def test_pages_are_not_counted_but_know_whether_another_follows(admin_client):
    zone = make_zone("zone-p")
    for i in range(50):
        make_transfer(make_template(1000 + i), zone, Transfer.State.DONE)
    first = admin_client.get(URL).content.decode()
    assert "Page 1</span>" in first and "page=2" in first and "Previous" not in first
    last = admin_client.get(URL, {"page": 2})
    body = last.content.decode()
    assert len(_ids(last)) == 25 and "Page 2</span>" in body and "page=1" in body and "page=3" not in body
    assert admin_client.get(URL, {"page": 3}).status_code == 404
    assert admin_client.get(URL, {"page": "last"}).status_code == 404
    assert admin_client.get(URL, {"page": "0"}).status_code == 404


def test_polls_fast_while_something_is_queued_or_running_and_slowly_when_idle(admin_client, rows):
    body = admin_client.get(URL).content.decode()
    assert "every 2s" in body and 'data-poll="2"' in body
    Transfer.objects.filter(state__in=Transfer.ACTIVE_STATES).update(state=Transfer.State.DONE)
    body = admin_client.get(URL).content.decode()
    # A tab left open still sees new activity, only less often.
    assert "every 2s" not in body and "every 10s" in body and 'data-poll="10"' in body
    assert "transfers-changed from:body" in body  # an action refreshes it at once


def test_htmx_poll_gets_the_table_and_the_counters_out_of_band(admin_client, rows):
    response = admin_client.get(URL, {"state": "active"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="transfer-table"')
    assert 'id="transfer-counters" class="row g-3 mb-3" hx-swap-oob="true"' in body
    # The Swift and zone cards too: a zone enabled meanwhile shows as Enabled.
    assert 'id="dashboard-status" class="row g-3 mb-3" hx-swap-oob="true"' in body
    assert 'data-testid="zone-' in body and "Sync now" in body
    assert "<nav class=\"navbar" not in body and "<header" not in body  # no full page
    assert 'hx-get="/?state=active"' in body  # the refresh keeps the filter


def test_full_page_counters_are_not_out_of_band(admin_client, rows):
    body = admin_client.get(URL).content.decode()
    assert "hx-swap-oob" not in body


def test_failed_counter_ignores_failures_retried_since(admin_client, rows):
    failed = rows["failed"]
    make_transfer(failed.template, failed.zone, Transfer.State.DONE)
    assert admin_client.get(URL).context["counters"]["failed"] == 0


def test_the_charts_peak_and_rate_axis_reach_the_live_throughput(admin_client, rows):
    """A burst shows in "Throughput now" before any minute's average: the
    chart's peak and rate axis never contradict it."""
    response = admin_client.get(URL)
    chart = response.context["chart"]
    assert chart.top >= response.context["counters"]["rate"] == 2048.0
    body = response.content.decode()
    assert 'data-testid="chart-peak">peak 2.0\xa0KB/s<' in body
    assert 'data-testid="chart-y-max">2.0\xa0KB/s<' in body
    assert "60 min ago" in body and "now</span>" in body  # the time axis


def test_throughput_chart_and_bytes_today():
    zone = make_zone("zone-c")
    now = timezone.now()
    template = make_template(21, size=6_000_000)
    # 6 MB moved evenly over the last 10 minutes: 10 kB/s in each of those minutes.
    make_transfer(template, zone, Transfer.State.DONE, done=6_000_000, started=now - timedelta(minutes=10),
                  finished=now)
    chart = dashboard.throughput_chart(now)
    assert len(chart.rates) == 60
    assert chart.rates[:49] == [0.0] * 49
    assert all(abs(rate - 10_000) < 1 for rate in chart.rates[50:])
    assert chart.moving and chart.line.count(",") == 60
    midnight = dashboard.local_midnight(now)
    expected = 6_000_000 if now - timedelta(minutes=10) >= midnight else None
    if expected is not None:
        assert dashboard.bytes_today(now) == expected


@pytest.mark.parametrize("template_count", [10, 2000])
def test_constant_number_of_queries(admin_client, django_assert_max_num_queries, template_count):
    zones = [make_zone(f"zone-{i}") for i in range(3)]
    seed_bulk(template_count, zones)
    # session, user, counters, bytes today, chart, count, page, Swift store, zones
    with django_assert_max_num_queries(10):
        response = admin_client.get(URL)
    assert response.status_code == 200 and len(response.context["object_list"]) == min(25, Transfer.objects.count())
    with django_assert_max_num_queries(10):
        response = admin_client.get(URL, {"state": "done", "q": "bulk", "zone": zones[0].pk},
                                    HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.context["object_list"]


def test_a_register_template_download_shows_like_a_transfer(admin_client):
    zone = make_zone("zone-c")
    template = make_template(21, "registered")
    download = make_transfer(template, zone, Transfer.State.RUNNING, done=100, total=400,
                             direction=Transfer.Direction.DOWNLOAD)
    body = admin_client.get(URL).content.decode()
    row = body.split(f'data-testid="transfer-{download.pk}"')[1].split("</tr>")[0]
    assert row.index("<td>From URL</td>") < row.index("<td>zone-c</td>") and "<td>Swift</td>" not in row
    assert 'max="400" value="100"' in row
    assert reverse("storage:transfer_cancel", args=[download.pk]) in row
    response = admin_client.post(reverse("storage:transfer_cancel", args=[download.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    download.refresh_from_db()
    assert download.state == Transfer.State.CANCELLED
    admin_client.post(reverse("storage:transfer_retry", args=[download.pk]), HTTP_HX_REQUEST="true")
    retried = Transfer.objects.filter(template=template).order_by("-id").first()
    assert retried.pk != download.pk
    assert (retried.direction, retried.state) == (Transfer.Direction.DOWNLOAD, Transfer.State.QUEUED)


def _shapes_of_a_day(zone, now):
    shapes = [  # (state, started minutes ago, finished minutes ago, bytes done)
        (Transfer.State.DONE, 50, 10, 4_000_000),     # straddles the window's start
        (Transfer.State.DONE, 20, 5, 1_500_000),      # inside the window
        (Transfer.State.FAILED, 25, 24, 700_000),     # ended early, partial bytes
        (Transfer.State.RUNNING, 40, None, 9_000_000),  # still moving: spread up to now
        (Transfer.State.DONE, 150, 140, 5_000_000),   # ended before the window
    ]
    for number, (state, started, finished, done) in enumerate(shapes, start=31):
        make_transfer(make_template(number), zone, state, done=done, total=done,
                      started=now - timedelta(minutes=started),
                      finished=now - timedelta(minutes=finished) if finished is not None else None)


def test_bytes_moved_in_postgresql_equals_the_portable_spreading():
    """PostgreSQL sums in SQL; SQLite (make run) spreads in Python: same figure."""
    now = dashboard.local_midnight(timezone.now()) + timedelta(hours=2)  # the window is today
    _shapes_of_a_day(make_zone("zone-m"), now)
    done, in_sql = dashboard.today(now)
    spread = dashboard.bytes_per_bucket(dashboard.local_midnight(now), now, 1)[0]
    assert done == 2 and in_sql > 0  # the third ended yesterday
    assert abs(in_sql - spread) < 1.0, (in_sql, spread)


def test_each_bucket_of_the_chart_holds_what_its_own_window_moved():
    """Whole and partial buckets, one row at a time: what each minute
    overlaps of each transfer, evenly spread (an active one up to now)."""
    now = timezone.now()
    _shapes_of_a_day(make_zone("zone-m"), now)
    since = now - timedelta(minutes=60)
    expected = [0.0] * 60
    for transfer in Transfer.objects.all():
        end = now if transfer.is_active else transfer.finished
        rate = transfer.bytes_done / (end - transfer.started).total_seconds()
        for k in range(60):
            low, high = max(transfer.started, since + timedelta(minutes=k)), min(end, since + timedelta(minutes=k + 1))
            expected[k] += rate * max(0.0, (high - low).total_seconds())
    buckets = dashboard.bytes_per_bucket(since, now, 60)
    assert sum(buckets) > 0
    assert buckets == pytest.approx(expected, abs=1e-3)


def test_the_days_ended_transfers_are_summed_once_per_checkpoint():
    """Rows that ended before the checkpoint are kept in the cache (the
    production one: tests keep the settings' caches); those active or ended
    since are read on every call."""
    zone = make_zone("zone-m")
    now = dashboard.local_midnight(timezone.now()) + timedelta(hours=2, minutes=1)  # checkpoint 1 min ago
    _shapes_of_a_day(zone, now)
    first = dashboard.today(now)
    assert dashboard.today(now) == pytest.approx(first)
    make_transfer(make_template(41), zone, Transfer.State.DONE, done=600_000, total=600_000,
                  started=now - timedelta(seconds=30), finished=now)  # ended after the checkpoint
    done, moved = dashboard.today(now)
    assert done == first[0] + 1 and moved == pytest.approx(first[1] + 600_000)
    spread = dashboard.bytes_per_bucket(dashboard.local_midnight(now), now, 1)[0]
    assert moved == pytest.approx(spread)


def test_a_failed_scan_shows_its_reason_on_the_dashboard(admin_client):
    from storage.models import ZoneScan

    zone = make_zone("zone-f")
    ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL, state=ZoneScan.State.FAILED,
                            finished=timezone.now(), error="OperationalError: database is locked")
    body = admin_client.get(URL).content.decode()
    assert "OperationalError: database is locked" in body
