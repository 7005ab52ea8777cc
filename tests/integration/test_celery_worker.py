import time

import pytest

from cloudadmin.models import Event
from cloudadmin.tasks import ping

pytestmark = pytest.mark.django_db(transaction=True)


def test_real_worker_runs_task_that_writes_a_row(celery_worker):
    ping.delay("hello-from-test")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if Event.objects.filter(action="worker.ping", target="hello-from-test").exists():
            return
        time.sleep(0.2)
    pytest.fail("worker did not write the row:\n" + celery_worker.log())
