"""Compare NFS and Swift (per zone), on the seed layout copied by the real
engine (a real worker) into the real local Swift."""
import hashlib

import pytest
from django.urls import reverse

from storage.secondary import demo
from storage.models import SecondaryStorage, SwiftStore
from tests.storage_rows import make_zone as make_bare_zone
from tests.transfer_helpers import enable_zone, make_swift_store, make_zone, swift_cli, wait_transfer

pytestmark = pytest.mark.django_db(transaction=True)
IMAGE_1 = "8b382a50-e4a2-45d8-887d-70aaecd822fd.vhd"
IMAGE_5 = "d5a259e7-9d77-3580-97db-74ce5fcf5b99.vhd"
PARTIAL = demo.UNFINISHED_DOWNLOAD[2]


def _reset_swift(local_swift):
    for container in swift_cli(local_swift, "list").split():
        swift_cli(local_swift, "delete", container)


@pytest.fixture
def seeded(local_swift, celery_worker):
    """The seed zone, enabled: the worker scans it and copies both templates."""
    return _seed(local_swift)


@pytest.fixture
def seeded_on_any_swift(any_swift, celery_worker):
    """The same on tempauth, then behind Keystone."""
    return _seed(any_swift)


def _seed(local_swift):
    _reset_swift(local_swift)
    make_swift_store(local_swift)
    zone, root = make_zone()
    enable_zone(zone)
    for template_id in (1, 5):
        assert wait_transfer(template_id).state == "done"
    return zone, root


def _verdicts(response):
    return {(row.template_id, f.name): f.verdict for row in response.context["rows"] for f in row.files}


def test_seed_layout_matches_and_the_partial_download_is_not_copied_on_purpose(admin_client, seeded_on_any_swift):
    zone, root = seeded_on_any_swift
    response = admin_client.get(reverse("storage:compare", args=[zone.pk]))
    assert response.status_code == 200
    assert _verdicts(response) == {
        (1, IMAGE_1): "match", (1, "template.properties"): "match",
        (5, IMAGE_5): "match", (5, "template.properties"): "match", (5, PARTIAL): "skipped",
    }
    body = response.content.decode()
    assert "Not copied on purpose" in body and "2 templates on this zone's NFS compared" in body and "0 with differences" in body
    image = (root / "template/tmpl/1/5" / IMAGE_5).read_bytes()
    assert hashlib.md5(image).hexdigest() in body and str(len(image)) in body
    # Only differences: none.
    response = admin_client.get(reverse("storage:compare", args=[zone.pk]), {"differences": "on"})
    assert response.context["rows"] == [] and "No differences." in response.content.decode()


def test_differences_missing_size_checksum_and_only_in_swift(admin_client, seeded, local_swift, swift_connection):
    zone, root = seeded
    conn = swift_connection
    conn.delete_object("T-1", IMAGE_1)  # missing in Swift
    props = (root / "template/tmpl/1/5/template.properties").read_bytes()
    conn.put_object("T-5", "template.properties", props.replace(b"hvm=true", b"hvm=fals"))  # same size
    conn.put_object("T-5", "stray.bin", b"x" * 3)  # only in Swift
    conn.put_container("T-999")  # a template of another zone
    conn.put_container("T-999_segments")
    (root / "template/tmpl/1/1/template.properties").write_bytes(b"filename=" + IMAGE_1.encode() + b"\n")  # size
    response = admin_client.get(reverse("storage:compare", args=[zone.pk]), {"differences": "on"},
                                HTTP_HX_REQUEST="true")
    verdicts = _verdicts(response)
    assert verdicts[(1, IMAGE_1)] == "missing"
    assert verdicts[(1, "template.properties")] == "size"
    assert verdicts[(5, "template.properties")] == "checksum"
    assert verdicts[(5, "stray.bin")] == "only-swift"
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="compare-table">')
    assert response.context["swift_only"] == [999] and "T-999</a>" in body


def test_reads_nfs_through_a_worker_when_this_host_has_no_mount(admin_client, seeded, settings, tmp_path):
    zone, _root = seeded
    settings.NFS_MOUNT_ROOT = tmp_path / "not-mounted-here"  # this process only; the worker keeps its mount
    store = SecondaryStorage.objects.get(zone=zone)
    from storage.secondary import nfs
    assert not nfs.local_path(store.server, store.path).exists()
    response = admin_client.get(reverse("storage:compare", args=[zone.pk]))
    assert response.context["nfs_error"] == ""
    assert _verdicts(response)[(5, PARTIAL)] == "skipped"
    assert _verdicts(response)[(1, IMAGE_1)] == "match"


def test_a_share_mounted_nowhere_is_a_clear_message(admin_client, celery_worker, local_swift):
    make_swift_store(local_swift)
    zone = make_bare_zone("zone-nowhere")  # its folder exists neither here nor on the worker
    response = admin_client.get(reverse("storage:compare", args=[zone.pk]))
    assert response.status_code == 200
    assert "NFS side unreachable:" in response.content.decode()
    assert "cannot be read by the worker either" in response.context["nfs_error"]


def test_swift_unreachable_and_no_secondary_storage(admin_client, local_swift):
    make_swift_store(local_swift)
    SwiftStore.objects.update(key="wrong-key")
    zone = make_bare_zone("zone-x")
    SecondaryStorage.objects.filter(zone=zone).delete()
    body = admin_client.get(reverse("storage:compare", args=[zone.pk])).content.decode()
    assert "has no NFS secondary storage" in body
    assert "Swift side unreachable:" in body and "wrong username or key (401)" in body


def test_unknown_zone_is_404(admin_client):
    assert admin_client.get(reverse("storage:compare", args=[987654])).status_code == 404


def test_a_page_of_templates_at_a_time_keeping_the_toggle(admin_client, local_swift):
    _reset_swift(local_swift)
    make_swift_store(local_swift)
    zone, root = make_zone(seed=False)
    for template_id in range(1, 106):
        folder = root / "template" / "tmpl" / "2" / str(template_id)
        folder.mkdir(parents=True)
        (folder / "template.properties").write_text(f"id={template_id}\n")
    url = reverse("storage:compare", args=[zone.pk])
    first = admin_client.get(url, {"differences": "on"})
    assert [row.template_id for row in first.context["rows"]] == list(range(1, 101))
    assert all(f.verdict == "missing" for row in first.context["rows"] for f in row.files)
    assert "differences=on&amp;page=2" in first.content.decode()
    second = admin_client.get(url, {"differences": "on", "page": 2})
    assert [row.template_id for row in second.context["rows"]] == list(range(101, 106))
