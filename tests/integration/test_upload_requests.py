"""What a small template's upload costs in Swift requests, counted where
swiftclient sends each one over HTTP (the real local Swift answers them),
and that the fewer requests keep what the upload promises: a copy Swift
already holds is not sent again, a changed one replaces it with
template.properties last, and a copy the database never knew of is looked
at before anything is written.

The uploads run in this process (lifecycle.run_transfer, as a worker's
task does) so that their requests can be counted; the scans queue them on
a queue no worker listens to."""
import hashlib
import uuid

import pytest
import swiftclient
import swiftclient.client

from storage.catalog import scanner
from storage.models import Template, Transfer, ZoneScan
from storage.secondary import demo
from storage.swift import localswift, pipeline
from storage.transfers import lifecycle
from tests.transfer_helpers import add_template, make_swift_store, make_zone

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sent(monkeypatch, settings):
    """Every HTTP request swiftclient sends, as (method, path); the thread's
    kept connection is dropped first, so the authentication counts too."""
    settings.TRANSFER_QUEUE = f"nobody-{uuid.uuid4().hex[:8]}"
    requests = []
    request = swiftclient.client.HTTPConnection.request

    def counting(self, method, full_path, data=None, headers=None, files=None):
        requests.append((method, full_path))
        return request(self, method, full_path, data, headers, files)

    monkeypatch.setattr(swiftclient.client.HTTPConnection, "request", counting)
    pipeline.forget_thread_connection()
    yield requests
    pipeline.forget_thread_connection()


def _connection(local_swift):
    return swiftclient.Connection(authurl=local_swift.auth_url, user=localswift.AUTH_USER,
                                  key=localswift.AUTH_KEY, retries=0)


def _named(sent):
    """(method, the last part of the path without its query) of each request."""
    return [(method, path.split("?", 1)[0].rsplit("/", 1)[1]) for method, path in sent]


def _scanned(zone):
    scan = ZoneScan.objects.create(zone=zone, trigger=ZoneScan.Trigger.MANUAL)
    scanner.run_scan(scan.pk)


def _run_upload(template_id):
    transfer = Transfer.objects.filter(template_id=template_id, direction=Transfer.Direction.UP,
                                       state=Transfer.State.QUEUED).get()
    assert lifecycle.run_transfer(transfer.pk, worker="test") == Transfer.State.DONE, \
        Transfer.objects.get(pk=transfer.pk).last_error
    return Transfer.objects.get(pk=transfer.pk)


def _stored(conn, template_id, name):
    headers, body = conn.get_object(f"T-{template_id}", name)
    return headers, body


def test_a_small_template_costs_at_most_four_requests_and_is_not_sent_twice(local_swift, sent):
    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    data = demo.image_bytes(2001, 700_000)
    image = add_template(root, 2001, data)
    _scanned(zone)
    sent.clear()

    done = _run_upload(2001)
    assert done.md5 == hashlib.md5(data).hexdigest()
    # The authentication, the new container, the image, template.properties.
    assert _named(sent) == [("GET", "v1.0"), ("PUT", "T-2001"), ("PUT", image.name), ("PUT", "template.properties")]
    conn = _connection(local_swift)
    headers, body = _stored(conn, 2001, image.name)
    assert body == data and headers["x-object-meta-md5"] == done.md5
    assert _stored(conn, 2001, "template.properties")[1] == (image.parent / "template.properties").read_bytes()
    stamps = {name: conn.head_object("T-2001", name)["x-timestamp"] for name in (image.name, "template.properties")}
    assert Template.objects.get(pk=2001).swift_state == Template.SwiftState.STORED

    # The database forgets; a new upload of the same copy looks (one listing
    # on the kept connection) and sends nothing.
    Template.objects.filter(pk=2001).update(swift_state=Template.SwiftState.ABSENT)
    _scanned(zone)
    sent.clear()
    again = _run_upload(2001)
    assert again.pk != done.pk and again.md5 == done.md5
    assert _named(sent) == [("GET", "T-2001")]
    assert {name: conn.head_object("T-2001", name)["x-timestamp"] for name in stamps} == stamps
    assert Template.objects.get(pk=2001).swift_state == Template.SwiftState.STORED

    # Changed on NFS: template.properties goes first, then the image and
    # template.properties again.
    changed = demo.image_bytes(2002, 650_000)
    image.unlink()
    add_template(root, 2001, changed, filename=image.name)
    _scanned(zone)
    sent.clear()
    third = _run_upload(2001)
    assert third.md5 == hashlib.md5(changed).hexdigest()
    assert _named(sent) == [
        ("GET", "T-2001"), ("DELETE", "template.properties"), ("PUT", image.name), ("PUT", "template.properties")]
    assert _stored(conn, 2001, image.name)[1] == changed
    conn.close()


def test_a_first_upload_that_finds_a_copy_the_database_never_knew(local_swift, sent):
    """The container existed (202, not 201): what it holds is looked at, and
    the stale copy (a Static Large Object) replaced with template.properties
    last, its segments deleted."""
    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    data = demo.image_bytes(2003, 300_000)
    image = add_template(root, 2003, data)
    conn = _connection(local_swift)
    for container in ("T-2003", "T-2003_segments"):
        conn.put_container(container)
    segment = f"{image.name}/1.000000/5/5/00000000"
    conn.put_object("T-2003_segments", segment, b"stale")
    manifest = f'[{{"path": "/T-2003_segments/{segment}", "etag": "{hashlib.md5(b"stale").hexdigest()}"}}]'
    conn.put_object("T-2003", image.name, manifest, query_string="multipart-manifest=put")
    conn.put_object("T-2003", "template.properties", b"filename=old.qcow2\nid=2003\n")
    _scanned(zone)
    sent.clear()

    _run_upload(2003)
    assert _named(sent)[:6] == [
        ("GET", "v1.0"), ("PUT", "T-2003"), ("GET", "T-2003"), ("DELETE", "template.properties"),
        ("PUT", image.name), ("PUT", "template.properties")]
    assert _stored(conn, 2003, image.name)[1] == data
    assert _stored(conn, 2003, "template.properties")[1] == (image.parent / "template.properties").read_bytes()
    assert conn.get_container("T-2003_segments")[1] == []  # the old copy's segments are gone
    conn.close()


@pytest.mark.parametrize("checksum", [None, ""], ids=["checksum", "no-checksum"])
def test_a_larger_single_object_is_streamed_and_not_sent_twice(local_swift, sent, checksum):
    """Above SMALL_OBJECT, below the segment size: one object streamed by a
    thread on its own connection. Without a checksum in template.properties
    its MD5 is known only once sent (a POST), and the metadata tells the
    copy Swift holds."""
    template_id = 2004 if checksum is None else 2005
    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    data = demo.image_bytes(template_id, 9 * 1024 * 1024 + 11)
    image = add_template(root, template_id, data, checksum=checksum)
    _scanned(zone)
    sent.clear()

    done = _run_upload(template_id)
    assert done.md5 == hashlib.md5(data).hexdigest() and done.segments_total == 1
    container = f"T-{template_id}"
    post = [("POST", image.name)] if checksum == "" else []
    # The HEAD renews an expired token before a stream, which cannot be sent twice.
    assert _named(sent) == [("GET", "v1.0"), ("PUT", container), ("HEAD", "AUTH_test"), ("PUT", image.name),
                            *post, ("PUT", "template.properties")]
    conn = _connection(local_swift)
    headers, body = _stored(conn, template_id, image.name)
    assert body == data and headers["x-object-meta-md5"] == done.md5

    Template.objects.filter(pk=template_id).update(swift_state=Template.SwiftState.ABSENT)
    _scanned(zone)
    sent.clear()
    again = _run_upload(template_id)
    assert again.md5 == done.md5
    assert {method for method, _name in _named(sent)} <= {"GET", "HEAD"}, sent  # nothing written
    assert _stored(conn, template_id, image.name)[0]["x-timestamp"] == headers["x-timestamp"]
    conn.close()
