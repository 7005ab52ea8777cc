"""A transfer that outlasts Keystone's token (60 s in the tests, see
conftest.KEYSTONE_TOKEN_SECONDS): the upload authenticates again as it goes,
and the template arrives whole.

The worker runs with TRANSFER_TEST_THROTTLE so that the copy lasts past the
token's expiry, on a queue of its own (as in test_transfer_faults.py)."""
import hashlib
import uuid

import pytest

from cloudadmin import config
from storage.catalog import scanner
from storage.secondary import demo
from storage.models import Template, Transfer, ZoneScan
from tests.conftest import KEYSTONE_TOKEN_SECONDS, WorkerProcess, worker_env
from tests.transfer_helpers import add_template, make_swift_store, make_zone, swift_cli, wait_transfer

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(600)]

MIB = 1024 * 1024
SIZE = 6 * MIB
# bytes/s: the copy needs about 1.3 token lifetimes
THROTTLE = SIZE * 10 // (13 * KEYSTONE_TOKEN_SECONDS)


@pytest.fixture
def slow_worker(django_db_setup, tmp_path_factory, settings):
    queue = f"keystone-{uuid.uuid4().hex[:8]}"
    settings.TRANSFER_QUEUE = queue
    env = worker_env(TRANSFER_QUEUE=queue, TRANSFER_TEST_THROTTLE=str(THROTTLE),
                     TRANSFER_BACKOFF_SECONDS="0.5", TRANSFER_BACKOFF_MAX_SECONDS="2")
    worker = WorkerProcess(env, tmp_path_factory.mktemp("keystone-worker") / "worker.log", "transfers",
                           queues=queue).start()
    yield worker
    worker.stop()


def test_an_upload_that_outlasts_its_token_authenticates_again_and_completes(keystone_swift, slow_worker):
    for container in swift_cli(keystone_swift, "list").split():
        swift_cli(keystone_swift, "delete", container)
    make_swift_store(keystone_swift)
    config.change("swift.segment.size", str(MIB))
    config.change("swift.transfer.concurrency", "2")
    zone, root = make_zone(seed=False)
    data = demo.image_bytes(71, SIZE)
    image = add_template(root, 71, data)
    scan = ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL)
    scanner.run_scan(scan.pk)  # queues the upload on the slow worker's queue

    transfer = wait_transfer(71, timeout=400)
    assert transfer.state == Transfer.State.DONE, f"{transfer.last_error}\n{slow_worker.log()}"
    # The copy outlived the token it started with: the segments after its
    # expiry went with a new one (storage.swift.client.put_object renews it first).
    assert (transfer.finished - transfer.started).total_seconds() > KEYSTONE_TOKEN_SECONDS
    assert transfer.md5 == hashlib.md5(data).hexdigest()
    assert Template.objects.get(pk=71).swift_state == Template.SwiftState.STORED
    assert "X-Static-Large-Object: True" in swift_cli(keystone_swift, "stat", "T-71", image.name)
    assert len(swift_cli(keystone_swift, "list", "T-71_segments").split()) == SIZE // MIB
