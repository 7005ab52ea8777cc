"""Swift degraded, not down: a local Swift with three object replicas, each
on its own object server and device, loses one object server in the middle
of an upload. Swift's write quorum (two of three) still accepts every
segment, so the transfer completes byte-exact, the compare view matches and
/healthz still reports Swift ok.

The worker is throttled (TRANSFER_TEST_THROTTLE, on a queue of its own) so
that the upload is still running when the server stops: "mid-transfer" is a
state seen in Swift (segments stored, the row running), never a delay."""
import json
import os
import signal
import subprocess
import sys
import uuid

import pytest
from django.urls import reverse
from swift.common.ring import RingData

from cloudadmin import health
from storage import localswift
from storage.models import Transfer
from tests.conftest import ROOT
from tests.integration.test_transfer_faults import (
    MIB, _connection, _queue_upload, _segments, _start_worker,
)
from tests.process_helpers import pids_mentioning
from tests.transfer_helpers import wait_for, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def replicated_swift():
    swift = localswift.temporary(replicas=3).start()
    yield swift
    swift.stop()


@pytest.fixture(scope="module")
def degraded_queue():
    return f"degraded-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def degraded_worker(django_db_setup, django_db_blocker, tmp_path_factory, degraded_queue):
    worker = _start_worker(tmp_path_factory, degraded_queue)
    yield worker
    worker.stop()


def _data_files(swift, server):
    devices, device = swift._device(server)
    return list((devices / device / "objects").rglob("*.data"))


def test_three_object_servers_on_three_devices(replicated_swift):
    ring = RingData.load(str(replicated_swift.conf_dir / "object.ring.gz"))
    assert ring.replica_count == 3
    assert sorted(d["device"] for d in ring.devs) == ["d1", "d2", "d3"]
    assert len({d["port"] for d in ring.devs}) == 3
    assert all(replicated_swift.processes[s].poll() is None for s in replicated_swift.object_servers)


def test_one_object_server_stops_mid_transfer(replicated_swift, degraded_worker, degraded_queue, settings,
                                              admin_client):
    transfer, image, data = _queue_upload(replicated_swift, settings, degraded_queue, 91, size=8 * MIB)
    conn = _connection(replicated_swift)
    wait_for(lambda: len(_segments(conn, 91)) >= 2, message="two segments in Swift")
    assert Transfer.objects.get(pk=transfer.pk).state == Transfer.State.RUNNING
    replicated_swift.kill_server("object-2")
    stored_before = len(_data_files(replicated_swift, "object-2"))

    done = wait_transfer(91)
    assert done.state == Transfer.State.DONE, done.last_error
    assert "object-2" not in replicated_swift.processes
    # The rest went to the two servers left (the quorum), none to the stopped one:
    # of the 8 segments, the manifest and template.properties, it missed some.
    assert len(_data_files(replicated_swift, "object-2")) == stored_before < 10
    _headers, body = conn.get_object("T-91", image.name)
    assert body == data
    conn.close()

    response = admin_client.get(reverse("storage:compare", args=[done.zone_id]))
    assert response.status_code == 200
    verdicts = {(row.template_id, f.name): f.verdict for row in response.context["rows"] for f in row.files}
    assert verdicts == {(91, image.name): "match", (91, "template.properties"): "match"}

    settings.HEALTH_CACHE_SECONDS = 0
    health._cached["at"] = None
    checks = json.loads(admin_client.get("/healthz").content)["checks"]
    assert checks["swift"] == "ok"


def test_runswift_replicas_runs_and_restarts_three_object_servers(tmp_path):
    """`manage.py runswift --replicas 3`: three object servers; one that
    crashes is started again (logged) while the others serve; SIGTERM stops
    every server."""
    root = tmp_path / "swift"
    port = localswift.free_port()
    log = tmp_path / "runswift.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "manage.py", "runswift", "--replicas", "3", "--port", str(port),
                                 "--root", str(root)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_for(lambda: "Swift is up" in log.read_text() or proc.poll() is not None, message="runswift up")
        assert proc.poll() is None, log.read_text()
        ring = RingData.load(str(root / "etc" / "object.ring.gz"))
        assert ring.replica_count == 3 and sorted(d["device"] for d in ring.devs) == ["d1", "d2", "d3"]
        conf = str(root / "etc" / "object-2-server.conf")
        [crashed] = pids_mentioning(conf)
        assert len(pids_mentioning(str(root / "etc" / "object"))) == 3
        os.kill(crashed, signal.SIGKILL)
        wait_for(lambda: [p for p in pids_mentioning(conf) if p != crashed], message="object-2 restarted")
        assert "swift object-2 exited with -9; restarting" in log.read_text()
        swift = localswift.LocalSwift(root=root, proxy_port=port)
        swift.authenticate()  # the proxy answered all along
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    assert pids_mentioning(str(root)) == []
