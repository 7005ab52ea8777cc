"""A template's page: parsed properties, availability, every transfer and
its history, and the Swift objects (sizes, ETags, SLO segment count) read
from the real local Swift."""
import hashlib
import json

import pytest
from django.urls import reverse

from cloudadmin import events
from storage.models import SwiftStore, Transfer
from tests.storage_rows import make_location, make_template, make_transfer, make_zone
from tests.transfer_helpers import make_swift_store

pytestmark = pytest.mark.django_db


def _url(template_id):
    return reverse("storage:template", args=[template_id])


def test_properties_transfers_and_history(admin_client):
    zone = make_zone("zone-a")
    template = make_template(77, "routing-77", properties={"filename": "x.vhd", "id": "77", "x.custom": "kept"})
    make_location(template, zone)
    failed = make_transfer(template, zone, Transfer.State.FAILED, error="checksum mismatch: template.properties says")
    done = make_transfer(template, zone, Transfer.State.DONE)
    events.record("transfer.retry", username="alice", target="T-77", detail=f"transfer {failed.pk} retried")
    events.record("transfer.retry", username="alice", target="T-770", detail="another template")
    response = admin_client.get(_url(77))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<code>x.custom</code></th><td>kept</td>" in body
    assert [t.pk for t in response.context["transfers"]] == [done.pk, failed.pk]
    assert "checksum mismatch" in body and "To Swift" in body
    assert [e.detail for e in response.context["history"]] == [f"transfer {failed.pk} retried"]
    assert "<td>Retry a transfer</td><td>Success</td>" in body  # labels, not codes
    assert "Swift is not configured." in body
    assert f'data-testid="template-uuid">{template.uuid}<' in body
    assert f">{failed.uuid}</code>" in body and f">{done.uuid}</code>" in body


def test_the_page_refreshes_its_live_part_without_asking_swift(admin_client, local_swift):
    """Availability, transfers and history refresh themselves (fast while a
    transfer of the template runs); the refresh does not read Swift."""
    zone = make_zone("zone-a")
    template = make_template(78, "routing-78")
    running = make_transfer(template, zone, Transfer.State.RUNNING)
    body = admin_client.get(_url(78)).content.decode()
    assert 'hx-select="#template-live"' in body and "every 2s" in body and 'data-poll="2"' in body
    Transfer.objects.filter(pk=running.pk).update(state=Transfer.State.DONE)
    body = admin_client.get(_url(78)).content.decode()
    assert "every 10s" in body and 'data-poll="10"' in body
    SwiftStore.objects.all().delete()
    make_swift_store(local_swift)
    response = admin_client.get(_url(78), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="template-live"' in response.content.decode()
    assert "swift_objects" not in response.context


def test_unknown_template_is_404(admin_client):
    assert admin_client.get(_url(123456)).status_code == 404


def test_swift_objects_with_sizes_etags_and_slo_segments(admin_client, local_swift, swift_connection):
    make_swift_store(local_swift)
    make_template(78, stored=True)
    conn = swift_connection
    for container in ("T-78", "T-78_segments"):
        conn.put_container(container)
    props = b"filename=img.qcow2\nid=78\n"
    conn.put_object("T-78", "template.properties", props)
    segments = [b"a" * 1024 * 1024, b"b" * 1024 * 1024, b"c" * 10]
    manifest = []
    for index, data in enumerate(segments):
        conn.put_object("T-78_segments", f"img/{index}", data)
        manifest.append({"path": f"/T-78_segments/img/{index}", "etag": hashlib.md5(data).hexdigest(),
                         "size_bytes": len(data)})
    conn.put_object("T-78", "img.qcow2", json.dumps(manifest), query_string="multipart-manifest=put",
                    headers={"X-Object-Meta-Md5": hashlib.md5(b"".join(segments)).hexdigest()})
    response = admin_client.get(_url(78))
    objects = {obj["name"]: obj for obj in response.context["swift_objects"]}
    assert objects["template.properties"]["bytes"] == len(props)
    assert objects["template.properties"]["etag"] == hashlib.md5(props).hexdigest()
    assert objects["template.properties"]["slo"] is False
    image = objects["img.qcow2"]
    assert image["slo"] is True and image["segments"] == 3 and image["bytes"] == 2 * 1024 * 1024 + 10
    assert image["md5"] == hashlib.md5(b"".join(segments)).hexdigest()
    body = response.content.decode()
    assert hashlib.md5(props).hexdigest() in body and "<td>3</td>" in body


def test_swift_unreachable_is_a_message_not_an_error(admin_client, local_swift):
    make_swift_store(local_swift)
    SwiftStore.objects.update(key="wrong-key")
    make_template(79, stored=True)
    response = admin_client.get(_url(79))
    assert response.status_code == 200
    assert "Swift cannot be read: Authentication: wrong username or key (401)" in response.content.decode()


def test_a_template_registered_for_every_zone_says_so(admin_client):
    make_template(78, "everywhere", cross_zones=True)
    make_template(79, "one-zone")
    assert 'data-testid="cross-zones">Every zone' in admin_client.get(_url(78)).content.decode()
    assert 'data-testid="cross-zones"' not in admin_client.get(_url(79)).content.decode()
