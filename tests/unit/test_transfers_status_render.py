"""The text and exit status of `manage.py transfers_status`, from reports
built by hand (storage.status.render is pure)."""
from datetime import datetime, timedelta, timezone

from storage.transfers.status import Report, Stuck, Worker, _task_line, render

NOW = datetime(2026, 1, 31, 12, 0, tzinfo=timezone.utc)


def stuck(pk, minutes, **kw):
    values = dict(id=pk, template_id=200 + pk, direction="up", zone="zone-a", state="running",
                  heartbeat=NOW - timedelta(minutes=minutes), worker="w1@dead", bytes_done=3 * 1024**2,
                  bytes_total=8 * 1024**2, attempts=1)
    return Stuck(**{**values, **kw})


def report(**kw):
    values = dict(now=NOW, timeout=2.0, stale_after=timedelta(minutes=5),
                  workers=[Worker("w2@host", ["transfer 7"]), Worker("w3@host", [])],
                  queues={"celery": 0, "transfers": 12}, states={"queued": 12, "running": 2}, stuck=[])
    return Report(**{**values, **kw})


def test_all_well():
    r = report()
    text = render(r)
    lines = text.splitlines()
    assert lines[0] == "Workers (answers within 2 s)"
    assert "  w2@host  transfer 7" in lines
    assert "  w3@host  idle" in lines
    assert any(line.split() == ["transfers", "12"] for line in lines)
    assert any(line.split() == ["celery", "0"] for line in lines)
    assert "Transfers: 12 queued, 2 running, 0 verifying" in lines
    assert "Stuck transfers (running or verifying, no heartbeat for 5 min): 0" in lines
    assert "--requeue" not in text
    assert r.exit_code == 0


def test_stuck_rows_are_listed_with_age_progress_and_the_hint():
    r = report(stuck=[stuck(1, 90, heartbeat=None, state="verifying"), stuck(2, 7)])
    text = render(r)
    table = [line.split() for line in text.splitlines()]
    assert ["1", "T-201", "up", "zone-a", "verifying", "never", "w1@dead", "3.0", "MiB", "/", "8.0", "MiB",
            "1"] in table
    assert ["2", "T-202", "up", "zone-a", "running", "7", "min", "ago", "w1@dead", "3.0", "MiB", "/", "8.0",
            "MiB", "1"] in table
    assert "no heartbeat for 5 min): 2" in text
    assert "Run again with --requeue to hand them back to the queue." in text
    assert r.exit_code == 1


def test_requeued_rows_are_marked_and_exit_zero():
    r = report(stuck=[stuck(1, 3 * 60 + 5), stuck(2, 30)], requeued=[1, 2])
    text = render(r)
    rows = [line.split() for line in text.splitlines() if line.strip().startswith(("1 ", "2 "))]
    assert [row[-1] for row in rows] == ["requeued", "requeued"]
    assert "3 h 5 min ago" in text and "30 min ago" in text
    assert "Requeued 2 transfer(s)." in text
    assert "--requeue" not in text
    assert r.exit_code == 0


def test_a_row_that_came_back_to_life_is_not_counted_as_requeued():
    r = report(stuck=[stuck(1, 30), stuck(2, 30)], requeued=[1])
    text = render(r)
    assert "1 changed meanwhile" in text
    assert r.exit_code == 1


def test_no_worker_is_the_more_urgent_status():
    r = report(workers=[], stuck=[stuck(1, 30)])
    assert "none answered: no transfer can run" in render(r)
    assert r.exit_code == 2


def test_unreachable_broker():
    r = report(workers=None, queues={"celery": None, "transfers": None},
               broker_error="OperationalError: Error 111 connecting to 127.0.0.1:6379.")
    text = render(r)
    assert "broker unreachable: OperationalError: Error 111" in text
    assert any(line.split() == ["transfers", "?"] for line in text.splitlines())
    assert r.exit_code == 2


def test_task_lines():
    assert _task_line({"name": "storage.tasks.transfer_run", "args": [42]}) == "transfer 42"
    assert _task_line({"name": "storage.tasks.scan_zone", "args": [3]}) == "scan_zone(3)"
    assert _task_line({"name": "storage.tasks.sync_due_zones", "args": []}) == "sync_due_zones"
