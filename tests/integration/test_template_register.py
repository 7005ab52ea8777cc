"""Register template end to end: a local HTTP server (tests/download_server.py)
is the download source, a real worker downloads into a zone's secondary
storage, the local Swift receives it, and the automatic mode copies it to
the other zones. The worker here allows loopback URLs explicitly
(TEMPLATE_DOWNLOAD_ALLOW_INTERNAL=1) and listens on a queue of its own."""
import re
import subprocess
import uuid
from contextlib import contextmanager

import pytest
from django.db import transaction
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.catalog import registration
from storage.transfers import downloads, queueing as transfers
from storage.secondary import properties
from storage.models import Template, TemplateLocation, TemplateRegistration, Transfer
from tests.download_server import IMAGE, LIMIT, MIB, download_queue, download_worker, md5, qcow2_image, server  # noqa: F401
from tests.transfer_helpers import (add_template, enable_zone, make_swift_store, make_zone, swift_cli, wait_for,
                                    wait_transfer)

pytestmark = pytest.mark.django_db(transaction=True)

@pytest.fixture
def setup(settings, download_queue, download_worker, local_swift):
    settings.TRANSFER_QUEUE = download_queue
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = True  # the test server is on loopback
    return make_swift_store(local_swift)


def _register(zone, url, *, checksum="", fmt="qcow2", name="registered"):
    with transaction.atomic():
        return registration.register(name=name, description="from the test server", url=url, zone=zone,
                                  format=fmt, hypervisor="KVM", checksum=checksum, public=True)


def _folder(root, template_id):
    return root / "template" / "tmpl" / str(downloads.ACCOUNT_ID) / str(template_id)


def _wait_download(template_id, states=Transfer.TERMINAL_STATES):
    return wait_transfer(template_id, states=states, direction=Transfer.Direction.DOWNLOAD)


def test_register_downloads_to_nfs_then_swift_then_every_enabled_zone(setup, server, admin_client, local_swift,
                                                                        swift_connection):
    for container in swift_cli(local_swift, "list").split():  # other tests' templates: higher ids
        swift_cli(local_swift, "delete", container)
    home, home_root = make_zone(seed=False)
    enable_zone(home)
    other, other_root = make_zone(seed=False)
    enable_zone(other)
    # Ids already used on some store: a folder no scan has seen yet (a
    # disabled zone), a container in Swift. The new id must be above both.
    hidden, hidden_root = make_zone(seed=False)
    add_template(hidden_root, 3100, b"x" * 10)
    swift_connection.put_container("T-3200")
    try:
        response = admin_client.post(reverse("storage:template_register"), {
            "name": "centos-9", "description": "CentOS 9", "url": server.url("/moved"),
            "zone": home.pk, "format": "qcow2", "hypervisor": "KVM", "checksum": md5(IMAGE).upper(),
            "public": "on"})
    finally:
        swift_connection.delete_container("T-3200")
    registration = TemplateRegistration.objects.get()
    template_id = registration.template_id
    assert template_id == 3201
    assert response.status_code == 302
    assert response.url == reverse("storage:template_registration", args=[template_id])

    # 1. The zone's NFS: <uuid>.qcow2, then template.properties.
    download = _wait_download(template_id)
    assert download.state == Transfer.State.DONE, download.last_error
    assert download.md5 == md5(IMAGE) and download.bytes_done == len(IMAGE)
    folder = _folder(home_root, template_id)
    assert re.fullmatch(r"[0-9a-f-]{36}\.qcow2", registration.filename)
    assert sorted(p.name for p in folder.iterdir()) == sorted([registration.filename, "template.properties"])
    assert (folder / registration.filename).read_bytes() == IMAGE
    values = properties.parse((folder / "template.properties").read_bytes())
    assert values["id"] == str(template_id)
    assert values["uniquename"] == "centos-9"
    assert values["filename"] == registration.filename
    assert values["size"] == str(len(IMAGE))
    assert values["virtualsize"] == str(10 * 1024**3)  # from the qcow2 header
    assert values["checksum"] == md5(IMAGE)
    assert values["qcow2"] == "true" and values["public"] == "true"
    template = Template.objects.get(pk=template_id)
    assert (template.name, template.size, template.virtual_size) == ("centos-9", len(IMAGE), 10 * 1024**3)

    # 2. Swift, like any other template.
    upload = wait_transfer(template_id, direction=Transfer.Direction.UP)
    assert upload.state == Transfer.State.DONE, upload.last_error
    assert upload.zone == home
    _headers, body = swift_connection.get_object(f"T-{template_id}", registration.filename)
    assert body == IMAGE
    _headers, body = swift_connection.get_object(f"T-{template_id}", "template.properties")
    assert body == (folder / "template.properties").read_bytes()

    # 3. The other enabled zone, automatically; not the disabled one.
    copy = wait_transfer(template_id, direction=Transfer.Direction.DOWN)
    assert copy.state == Transfer.State.DONE, copy.last_error
    assert copy.zone == other
    other_folder = _folder(other_root, template_id)
    assert (other_folder / registration.filename).read_bytes() == IMAGE
    assert (other_folder / "template.properties").read_bytes() == (folder / "template.properties").read_bytes()
    assert TemplateLocation.objects.get(template_id=template_id, zone=other).state == TemplateLocation.State.READY
    assert not Transfer.objects.filter(template_id=template_id, zone=hidden).exists()
    assert Event.objects.filter(action="template.register", target=f"T-{template_id}").exists()

    page = admin_client.get(reverse("storage:template_registration", args=[template_id]))
    assert page.status_code == 200
    assert 'data-finished="true"' in page.content.decode()


ERRORS = [
    ("/missing", "", "HTTP 404"),
    ("refused", "", "Connection refused"),
    ("/loop-a", "", "Redirect loop"),
    ("/image.qcow2", "0" * 32, "checksum mismatch"),
    ("/big-declared", "", "more than the limit"),
    ("/big-streamed", "", "larger than the limit"),
    ("/to-ftp", "", "Only http:// and https://"),
]


def test_each_download_error_is_clear_and_leaves_nothing(setup, server):
    zone, root = make_zone(seed=False)
    from storage.swift.localswift import free_port

    closed = f"http://127.0.0.1:{free_port()}/image.qcow2"
    registered = [(_register(zone, closed if path == "refused" else server.url(path), checksum=checksum), expected)
                  for path, checksum, expected in ERRORS]
    for registration, expected in registered:
        transfer = _wait_download(registration.template_id)
        assert transfer.state == Transfer.State.FAILED, (registration.url, transfer.state)
        assert expected in english(transfer.last_error), (registration.url, english(transfer.last_error))
        assert transfer.attempts == 1
        assert not _folder(root, registration.template_id).exists(), registration.url
        assert Event.objects.filter(action="transfer.fail", target=f"T-{registration.template_id}").exists()
    assert not Transfer.objects.filter(direction=Transfer.Direction.UP).exists()


def test_cancel_removes_the_partial_download_and_retry_completes_it(setup, server):
    zone, root = make_zone(seed=False)
    registration = _register(zone, server.url("/slow"))
    folder = _folder(root, registration.template_id)
    running = wait_for(lambda: Transfer.objects.filter(template_id=registration.template_id,
                                                       bytes_done__gt=0).first(), message="download under way")
    names = [p.name for p in folder.iterdir()]
    assert len(names) == 1 and re.fullmatch(r"dnld\d+tmp_", names[0]), names  # CloudStack's temporary name
    transfers.cancel(running)
    cancelled = _wait_download(registration.template_id)
    assert cancelled.state == Transfer.State.CANCELLED
    wait_for(lambda: not folder.exists(), message="the partial download removed")

    with transaction.atomic():
        retried = transfers.retry(cancelled)
    done = wait_transfer(registration.template_id, states=(Transfer.State.DONE, Transfer.State.FAILED),
                         direction=Transfer.Direction.DOWNLOAD)
    assert done.pk == retried.pk and done.state == Transfer.State.DONE, done.last_error
    assert (folder / registration.filename).stat().st_size == 3 * MIB


@contextmanager
def _mounted(root, *commands):
    """Mount something over a zone's share root (tests run as root)."""
    for command in commands:
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            subprocess.run(["umount", str(root)], capture_output=True)
            pytest.skip(f"cannot mount here ({result.stderr.strip()}): needs root")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(root)], check=True)


def test_a_read_only_store_refuses_the_download_and_the_copy_down_clearly(setup, server):
    source, source_root = make_zone(seed=False)
    data = qcow2_image(MIB, virtual=MIB, seed=12)
    add_template(source_root, 3400, data)
    enable_zone(source)
    assert wait_transfer(3400, direction=Transfer.Direction.UP).state == Transfer.State.DONE

    zone, root = make_zone(seed=False)
    with _mounted(root, ["mount", "--bind", str(root), str(root)],
                  ["mount", "-o", "remount,bind,ro", str(root)]):
        registration = _register(zone, server.url("/image.qcow2"))
        transfer = _wait_download(registration.template_id)
        assert transfer.state == Transfer.State.FAILED
        assert "is read-only (read-only file system)" in english(transfer.last_error)
        assert list(root.iterdir()) == []

        enable_zone(zone)  # the automatic mode copies T-3400 down: refused
        copy = wait_transfer(3400, direction=Transfer.Direction.DOWN)
        assert copy.state == Transfer.State.FAILED
        assert "is read-only" in english(copy.last_error)
        assert list(root.iterdir()) == []


def test_a_full_store_fails_the_download_and_the_copy_down_leaving_no_partial_template(
        setup, server, swift_connection):
    source, source_root = make_zone(seed=False)
    data = qcow2_image(2 * MIB, virtual=2 * MIB, seed=11)
    add_template(source_root, 3300, data)
    enable_zone(source)
    assert wait_transfer(3300, direction=Transfer.Direction.UP).state == Transfer.State.DONE

    full, full_root = make_zone(seed=False)
    with _mounted(full_root, ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(full_root)]):
        registration = _register(full, server.url("/image.qcow2"))
        download = _wait_download(registration.template_id)
        assert download.state == Transfer.State.FAILED
        assert "is full" in english(download.last_error), download.last_error
        assert list(full_root.iterdir()) == []

        enable_zone(full)  # the automatic mode copies T-3300 down: it does not fit
        copy = wait_transfer(3300, direction=Transfer.Direction.DOWN)
        assert copy.state == Transfer.State.FAILED
        assert "is full (no space left on device)" in english(copy.last_error)
        assert list(full_root.iterdir()) == []
        assert not TemplateLocation.objects.filter(template_id=3300, zone=full).exists()
