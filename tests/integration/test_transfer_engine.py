"""The transfer engine end to end: a real worker, the local Swift, the
`swift` command-line client to look at the result as an operator would."""
import hashlib
import json

import pytest
import swiftclient

from cloudadmin.messages import english
from cloudadmin import config
from cloudadmin.models import Event
from storage.secondary import demo
from storage.swift import localswift, swift_setup
from storage.transfers import queueing as transfers
from storage.models import Template, TemplateLocation, Transfer, ZoneScan
from tests.transfer_helpers import (add_template, enable_zone, make_swift_store, make_zone, swift_cli,
                                    wait_for, wait_transfer)

pytestmark = pytest.mark.django_db(transaction=True)

SEED_OBJECTS = {
    1: "8b382a50-e4a2-45d8-887d-70aaecd822fd.vhd",
    5: "d5a259e7-9d77-3580-97db-74ce5fcf5b99.vhd",
}


def _reset_swift(local_swift):
    """Each test starts from an empty account (the Swift is shared)."""
    for container in swift_cli(local_swift, "list").split():
        swift_cli(local_swift, "delete", container)


def test_enabling_the_seed_zone_copies_its_templates_to_swift(any_swift, celery_worker, tmp_path):
    local_swift = any_swift  # tempauth, then behind Keystone
    _reset_swift(local_swift)
    make_swift_store(local_swift)
    zone, root = make_zone()
    enable_zone(zone)

    for template_id in SEED_OBJECTS:
        transfer = wait_transfer(template_id)
        assert transfer.state == Transfer.State.DONE, transfer.last_error
    containers = swift_cli(local_swift, "list").split()
    assert {"T-1", "T-5"} <= set(containers)
    for template_id, image in SEED_OBJECTS.items():
        listing = swift_cli(local_swift, "list", f"T-{template_id}").split()
        assert listing == sorted([image, "template.properties"])  # no dnld...tmp_
        out = tmp_path / str(template_id)
        out.mkdir()
        swift_cli(local_swift, "download", f"T-{template_id}", "-D", str(out))
        folder = root / "template" / "tmpl" / "1" / str(template_id)
        for name in listing:
            assert (out / name).read_bytes() == (folder / name).read_bytes()
        stat = swift_cli(local_swift, "stat", f"T-{template_id}", image)
        assert f"Meta Template-Id: {template_id}" in stat
        assert f"Meta Source-Zone: {zone.name}" in stat
        assert f"Meta Md5: {hashlib.md5((folder / image).read_bytes()).hexdigest()}" in stat

    scan = ZoneScan.objects.get(zone=zone)
    assert scan.trigger == ZoneScan.Trigger.ZONE_ENABLED and scan.state == ZoneScan.State.DONE
    assert (scan.templates_ready, scan.templates_invalid, scan.transfers_queued) == (2, 0, 2)
    template = Template.objects.get(pk=5)
    assert template.swift_state == Template.SwiftState.STORED
    assert template.properties["vhd.filename"] == SEED_OBJECTS[5]  # every key kept
    assert template.zones.get() == zone
    assert Event.objects.filter(action="transfer.done", target="T-5").exists()

    # A second sync finds everything in Swift: nothing is queued again.
    from storage.catalog import sync
    scan = sync.sync_now(zone)
    wait_for(lambda: ZoneScan.objects.filter(pk=scan.pk, state=ZoneScan.State.DONE).exists(), message="scan")
    assert Transfer.objects.filter(template_id=5).count() == 1

    # Even a new upload of it (the database forgot) finds the identical
    # complete copy in Swift and sends nothing.
    stamps = {name: _timestamp(local_swift, "T-5", name) for name in (SEED_OBJECTS[5], "template.properties")}
    Template.objects.filter(pk=5).update(swift_state=Template.SwiftState.ABSENT)
    scan = sync.sync_now(zone)

    def second_transfer():
        rows = list(Transfer.objects.filter(template_id=5).order_by("id"))
        return rows[1] if len(rows) == 2 and rows[1].state in Transfer.TERMINAL_STATES else None

    again = wait_for(second_transfer, message="second transfer of T-5")
    assert again.state == Transfer.State.DONE, again.last_error
    assert Template.objects.get(pk=5).swift_state == Template.SwiftState.STORED
    assert {name: _timestamp(local_swift, "T-5", name) for name in stamps} == stamps


def _timestamp(local_swift, container, name):
    for line in swift_cli(local_swift, "stat", container, name).splitlines():
        if line.strip().startswith("X-Timestamp:"):
            return line.split(":", 1)[1].strip()
    raise AssertionError(f"no X-Timestamp for {container}/{name}")


def test_a_file_above_max_file_size_becomes_a_static_large_object(celery_worker, tmp_path):
    small = localswift.temporary(max_file_size=1024 * 1024).start()
    try:
        make_swift_store(small)
        zone, root = make_zone(seed=False)
        data = demo.image_bytes(41, 3 * 1024 * 1024 + 123)
        image = add_template(root, 41, data)
        config.change("swift.transfer.concurrency", "3")
        enable_zone(zone)
        transfer = wait_transfer(41)
        assert transfer.state == Transfer.State.DONE, transfer.last_error
        assert transfer.segment_size == 1024 * 1024 and transfer.segments_total == 4
        assert transfer.md5 == hashlib.md5(data).hexdigest()

        segments = swift_cli(small, "list", "T-41_segments").split()
        assert len(segments) == 4
        assert "X-Static-Large-Object: True" in swift_cli(small, "stat", "T-41", image.name)
        conn = swiftclient.Connection(authurl=small.auth_url, user=localswift.AUTH_USER, key=localswift.AUTH_KEY)
        _headers, body = conn.get_object("T-41", image.name, query_string="multipart-manifest=get")
        conn.close()
        assert [entry["bytes"] for entry in json.loads(body)] == [1024 * 1024] * 3 + [123]
        swift_cli(small, "download", "T-41", image.name, "-o", str(tmp_path / "copy"))
        assert hashlib.md5((tmp_path / "copy").read_bytes()).hexdigest() == hashlib.md5(data).hexdigest()

        # ...and it comes down whole into another zone.
        other_zone, other_root = make_zone(seed=False)
        transfers.enqueue_copy_down(Template.objects.get(pk=41), other_zone)
        down = wait_transfer(41, direction=Transfer.Direction.DOWN)
        assert down.state == Transfer.State.DONE, down.last_error
        assert (other_root / "template/tmpl/2/41" / image.name).read_bytes() == data
    finally:
        small.stop()


def test_copy_down_writes_the_template_into_another_zone(any_swift, celery_worker):
    local_swift = any_swift  # tempauth, then behind Keystone
    _reset_swift(local_swift)
    make_swift_store(local_swift)
    source_zone, source_root = make_zone(seed=False)
    data = demo.image_bytes(52, 2 * 1024 * 1024 + 7)
    image = add_template(source_root, 52, data, account=3)
    enable_zone(source_zone)
    assert wait_transfer(52).state == Transfer.State.DONE

    target_zone, target_root = make_zone(seed=False)
    transfer = transfers.enqueue_copy_down(Template.objects.get(pk=52), target_zone)
    done = wait_transfer(52, direction=Transfer.Direction.DOWN)
    assert done.pk == transfer.pk and done.state == Transfer.State.DONE, done.last_error
    folder = target_root / "template" / "tmpl" / "3" / "52"
    assert sorted(p.name for p in folder.iterdir()) == sorted([image.name, "template.properties"])
    assert (folder / image.name).read_bytes() == data
    assert (folder / "template.properties").read_bytes() == (image.parent / "template.properties").read_bytes()
    location = TemplateLocation.objects.get(template_id=52, zone=target_zone)
    assert location.state == TemplateLocation.State.READY


def test_checksum_mismatch_fails_with_the_reason_and_leaves_nothing_complete(local_swift, celery_worker):
    _reset_swift(local_swift)
    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    add_template(root, 61, demo.image_bytes(61, 300_000), checksum="0" * 32)
    enable_zone(zone)
    transfer = wait_transfer(61)
    assert transfer.state == Transfer.State.FAILED
    assert "checksum mismatch" in english(transfer.last_error) and "0" * 32 in english(transfer.last_error)
    assert transfer.attempts == 1
    assert "template.properties" not in swift_cli(local_swift, "list", "T-61").split()
    assert Template.objects.get(pk=61).swift_state == Template.SwiftState.ABSENT
    assert Event.objects.filter(action="transfer.fail", target="T-61", outcome="failure").exists()


def test_a_401_after_a_password_change_fails_at_once_and_new_credentials_recover(local_swift, celery_worker):
    _reset_swift(local_swift)
    make_swift_store(local_swift, key="changed-elsewhere")
    zone, root = make_zone(seed=False)
    add_template(root, 71, demo.image_bytes(71, 1000))
    enable_zone(zone)
    transfer = wait_transfer(71)
    assert transfer.state == Transfer.State.FAILED
    assert "401" in english(transfer.last_error)
    assert transfer.attempts == 1
    # Change credentials with the key Swift now wants; the worker's next copy uses it.
    swift_setup.change_credentials(localswift.AUTH_USER, localswift.AUTH_KEY)
    again = wait_transfer(71, pk=transfers.retry(transfer).pk)
    assert again.state == Transfer.State.DONE, again.last_error
    assert "template.properties" in swift_cli(local_swift, "list", "T-71").split()
