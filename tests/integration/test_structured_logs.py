"""Log records as JSON lines with the request id (web) and task id (worker)."""
import json
import time

import pytest

from cloudadmin.models import Event
from cloudadmin.tasks import ping


def _json_lines(text):
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                yield json.loads(line)
            except ValueError:
                continue


@pytest.mark.django_db(transaction=True)
def test_worker_logs_are_json_with_the_task_id(celery_worker):
    result = ping.delay("structured-logs")
    deadline = time.monotonic() + 30
    while not Event.objects.filter(target="structured-logs").exists():
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.2)
    records = [r for r in _json_lines(celery_worker.log()) if r.get("message") == "ping structured-logs"]
    assert records, celery_worker.log()
    assert records[0]["task_id"] == result.id
    assert records[0]["level"] == "INFO" and records[0]["logger"] == "cloudadmin.tasks"


@pytest.mark.django_db(transaction=True)
def test_a_task_logs_the_id_of_the_request_that_enqueued_it(celery_worker):
    from cloudadmin.logs import request_id_var

    token = request_id_var.set("req-from-the-web-123")
    try:
        result = ping.delay("with-request-id")
    finally:
        request_id_var.reset(token)
    deadline = time.monotonic() + 30
    while not Event.objects.filter(target="with-request-id").exists():
        assert time.monotonic() < deadline, celery_worker.log()
        time.sleep(0.2)
    (record,) = [r for r in _json_lines(celery_worker.log()) if r.get("message") == "ping with-request-id"]
    assert record["request_id"] == "req-from-the-web-123"
    assert record["task_id"] == result.id
