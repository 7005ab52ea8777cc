"""Upload from local, the server's side: the tus endpoint through Django's
test client (PostgreSQL, the zone's NFS folder on disk), the CloudStack-style
POST signed from the `cs` client's getUploadParamsForTemplate call, and the
end to end path with a real worker and the local Swift."""
import base64
import hashlib
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cloudadmin.messages import english
from cloudadmin.models import Event
from storage.catalog import upload_files, uploads
from storage.transfers import queueing
from storage.models import BrowserUpload, Template, TemplateLocation, Transfer
from tests.api_helpers import call, key_pair
from tests.download_server import MIB, qcow2_image
from tests.transfer_helpers import make_swift_store, make_zone, swift_cli, wait_transfer
from zones.models import Zone

pytestmark = pytest.mark.django_db(transaction=True)
IMAGE = qcow2_image(3 * MIB + 4321, virtual=8 * 1024**3, seed=11)
TUS = {"Tus-Resumable": "1.0.0"}


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def metadata(zone, **overrides) -> str:
    values = {"name": "uploaded", "description": "from the browser", "zone": str(zone.pk), "format": "qcow2",
              "hypervisor": "KVM", **overrides}
    return ",".join(f"{key} {base64.b64encode(value.encode()).decode()}" for key, value in values.items())


def create(client, zone, length=len(IMAGE), **overrides):
    return client.post(reverse("storage:template_upload_create"),
                       headers={**TUS, "Upload-Length": str(length), "Upload-Metadata": metadata(zone, **overrides)})


def patch(client, location, offset, data):
    return client.generic("PATCH", location, data, content_type="application/offset+octet-stream",
                          headers={**TUS, "Upload-Offset": str(offset)})


def complete(client, location, client_md5):
    return client.post(location + "complete/", {"md5": client_md5}, headers=TUS)


def folder_files(root, template_id):
    folder = root / "template" / "tmpl" / "2" / str(template_id)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.fixture
def zone():
    zone, root = make_zone(seed=False)
    zone.root = root
    return zone


def started(client, zone, **overrides):
    response = create(client, zone, **overrides)
    assert response.status_code == 201, response.content
    upload = BrowserUpload.objects.select_related("transfer").get()
    return response["Location"], upload


def test_tus_upload_resumes_at_the_offset_and_becomes_the_template(admin_client, zone):
    options = admin_client.options(reverse("storage:template_upload_create"))
    assert options["Tus-Version"] == "1.0.0" and "termination" in options["Tus-Extension"]
    location, upload = started(admin_client, zone, checksum=md5(IMAGE).upper())
    template_id = upload.transfer.template_id
    [temp] = folder_files(zone.root, template_id)
    assert temp.startswith("dnld") and temp.endswith("tmp_")
    assert upload.transfer.direction == Transfer.Direction.BROWSER and upload.transfer.state == "running"

    half = 2 * MIB + 17
    assert patch(admin_client, location, 0, IMAGE[:half]).status_code == 204
    head = admin_client.head(location, headers=TUS)
    assert head["Upload-Offset"] == str(half) and head["Upload-Length"] == str(len(IMAGE))
    assert Transfer.objects.get().bytes_done == half  # the dashboard's row shows the server's offset
    # Not complete yet, or no MD5 from the browser: refused, nothing changes.
    assert complete(admin_client, location, md5(IMAGE)).status_code == 409
    assert complete(admin_client, location, "").status_code == 400
    response = patch(admin_client, location, half, IMAGE[half:])
    assert response.status_code == 204 and response["Upload-Offset"] == str(len(IMAGE))
    response = complete(admin_client, location, md5(IMAGE))
    assert response.status_code == 200, response.content
    assert response.json()["template"] == template_id

    template = Template.objects.get(pk=template_id)
    files = folder_files(zone.root, template_id)
    assert files == sorted([template.filename, "template.properties"])
    assert (zone.root / "template/tmpl/2" / str(template_id) / template.filename).read_bytes() == IMAGE
    assert template.checksum == md5(IMAGE) and template.size == len(IMAGE) and template.virtual_size == 8 * 1024**3
    assert TemplateLocation.objects.get(template=template).state == TemplateLocation.State.READY
    transfer = Transfer.objects.get(direction=Transfer.Direction.BROWSER)
    assert transfer.state == Transfer.State.DONE and transfer.md5 == md5(IMAGE)
    assert not BrowserUpload.objects.exists()
    assert admin_client.head(location, headers=TUS).status_code == 404
    assert Event.objects.filter(action="template.upload", target=f"T-{template_id}").exists()


def test_a_corrupted_chunk_fails_the_upload_and_leaves_nothing(admin_client, zone):
    location, upload = started(admin_client, zone)
    corrupted = bytearray(IMAGE)
    corrupted[MIB + 5] ^= 0xFF  # one byte changed on the way
    assert patch(admin_client, location, 0, bytes(corrupted)).status_code == 204
    response = complete(admin_client, location, md5(IMAGE))  # the browser hashed the real file
    assert response.status_code == 422
    assert "differs from the server's" in response.content.decode()
    assert folder_files(zone.root, upload.transfer.template_id) == []
    transfer = Transfer.objects.get()
    assert transfer.state == Transfer.State.FAILED and "differs from the server's" in english(transfer.last_error)
    assert not BrowserUpload.objects.exists()


def test_typed_md5_and_format_are_checked(admin_client, zone):
    location, upload = started(admin_client, zone, checksum="0" * 32)
    patch(admin_client, location, 0, IMAGE)
    response = complete(admin_client, location, md5(IMAGE))
    assert response.status_code == 422 and "checksum mismatch" in response.content.decode()
    BrowserUpload.objects.all().delete()
    not_qcow2 = b"\0" * (MIB + 1)
    location, upload = started(admin_client, zone, name="second")
    BrowserUpload.objects.filter(pk=upload.pk).update(length=len(not_qcow2))
    patch(admin_client, location, 0, not_qcow2)
    response = complete(admin_client, location, md5(not_qcow2))
    assert response.status_code == 422 and "not a QCOW2 image" in response.content.decode()
    assert folder_files(zone.root, upload.transfer.template_id) == []


def test_upload_length_over_the_limit_is_413_with_the_reason(admin_client, zone, settings):
    settings.TEMPLATE_UPLOAD_MAX_BYTES = len(IMAGE) - 1
    response = create(admin_client, zone)
    assert response.status_code == 413
    assert "TEMPLATE_UPLOAD_MAX_BYTES" in response.content.decode()
    settings.TEMPLATE_UPLOAD_MAX_BYTES = 10**15
    response = create(admin_client, zone, length=10**14)  # more than the share's disk holds
    assert response.status_code == 413 and "free on the zone" in response.content.decode()
    assert not Template.objects.exists() and not Transfer.objects.exists()
    assert not (zone.root / "template").exists()


def test_bad_metadata_and_format_are_400(admin_client, zone):
    assert create(admin_client, zone, format="vmdk").status_code == 400
    response = admin_client.post(reverse("storage:template_upload_create"),
                                 headers={**TUS, "Upload-Length": "12", "Upload-Metadata": "name !!!"})
    assert response.status_code == 400
    assert admin_client.post(reverse("storage:template_upload_create"), headers={"Upload-Length": "1"}
                             ).status_code == 412
    storeless = Zone.objects.create(name="no-store", network_type="Basic", dns1="8.8.8.8",
                                    internal_dns1="10.0.0.1", hypervisor="KVM")
    response = create(admin_client, storeless)  # not a choice of the form
    assert response.status_code == 400 and "Zone" in response.content.decode()
    unmounted, unmounted_root = make_zone(seed=False)
    unmounted_root.rmdir()  # the share is not mounted here
    response = create(admin_client, unmounted)
    assert response.status_code == 409 and f"zone {unmounted.name} is not available" in response.content.decode()
    assert not Template.objects.exists()


def test_patch_at_a_wrong_offset_is_409(admin_client, zone):
    location, upload = started(admin_client, zone)
    assert patch(admin_client, location, 0, IMAGE[:MIB]).status_code == 204
    response = patch(admin_client, location, 5, IMAGE[5:MIB])
    assert response.status_code == 409 and str(MIB) in response.content.decode()
    assert admin_client.head(location, headers=TUS)["Upload-Offset"] == str(MIB)
    assert patch(admin_client, location, MIB, IMAGE[MIB:2 * MIB]).status_code == 204


def test_another_users_upload_is_404(admin_client, zone, django_user_model):
    location, upload = started(admin_client, zone)
    other = django_user_model.objects.create_user("other", password="pw-other-1234", is_staff=True,
                                                  is_superuser=True)
    client = Client()
    client.force_login(other)
    assert client.head(location, headers=TUS).status_code == 404
    assert patch(client, location, 0, IMAGE[:10]).status_code == 404
    assert client.delete(location, headers=TUS).status_code == 404
    assert complete(client, location, md5(IMAGE)).status_code == 404
    assert BrowserUpload.objects.get().offset == 0 and len(folder_files(zone.root, upload.transfer.template_id)) == 1


def test_patch_needs_the_csrf_token(admin_user, zone):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    assert create(client, zone).status_code == 403
    assert not BrowserUpload.objects.exists()


def test_terminate_removes_the_partial_file(admin_client, zone):
    location, upload = started(admin_client, zone)
    patch(admin_client, location, 0, IMAGE[:MIB])
    assert admin_client.delete(location, headers=TUS).status_code == 204
    assert folder_files(zone.root, upload.transfer.template_id) == []
    assert Transfer.objects.get().state == Transfer.State.CANCELLED and not BrowserUpload.objects.exists()
    assert admin_client.head(location, headers=TUS).status_code == 404


def test_expiry_removes_abandoned_uploads_and_cancelled_ones(admin_client, zone, settings):
    settings.UPLOAD_EXPIRY_HOURS = 2
    location, abandoned = started(admin_client, zone)
    patch(admin_client, location, 0, IMAGE[:MIB])
    _, cancelled = started_second(admin_client, zone)
    _, fresh = started_second(admin_client, zone, name="fresh")
    Transfer.objects.filter(pk=abandoned.transfer_id).update(heartbeat=timezone.now() - timedelta(hours=3))
    Transfer.objects.filter(pk=cancelled.transfer_id).update(state=Transfer.State.CANCELLED)  # from the dashboard
    assert uploads.expire_abandoned() == 2
    assert list(BrowserUpload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert folder_files(zone.root, abandoned.transfer.template_id) == []
    assert folder_files(zone.root, cancelled.transfer.template_id) == []
    assert len(folder_files(zone.root, fresh.transfer.template_id)) == 1
    transfer = Transfer.objects.get(pk=abandoned.transfer_id)
    assert transfer.state == Transfer.State.FAILED and "abandoned" in english(transfer.last_error)


def started_second(client, zone, **overrides):
    response = create(client, zone, **overrides)
    assert response.status_code == 201
    return response["Location"], BrowserUpload.objects.select_related("transfer").order_by("-pk").first()


def _upload_params(client, admin_user, zone, **params):
    status, body = call(client, "getUploadParamsForTemplate", *key_pair(admin_user), name="scripted",
                        displaytext="by a CloudStack script", format="QCOW2", hypervisor="KVM",
                        zoneid=str(zone.uuid), ostypeid="ignored", **params)
    assert status == 200, body
    return body["getuploadparams"]


def _post(params, data, signature=None):
    client = Client()
    return client.post(params["postURL"], {"file": _named(data)}, headers={
        "X-signature": signature or params["signature"], "X-metadata": params["metadata"],
        "X-expires": params["expires"]})


def _named(data):
    return SimpleUploadedFile("image.qcow2", data)


def test_cloudstack_post_with_a_good_and_a_bad_signature(client, admin_user, zone):
    params = _upload_params(client, admin_user, zone, checksum=md5(IMAGE))
    assert set(params) == {"id", "postURL", "metadata", "expires", "signature"}
    template = Template.objects.get(uuid=params["id"])
    bad = _post(params, IMAGE, signature=base64.b64encode(b"x" * 20).decode())
    assert bad.status_code == 403
    assert BrowserUpload.objects.get().offset == 0
    response = _post(params, IMAGE)
    assert response.status_code == 200, response.content
    template.refresh_from_db()
    assert template.checksum == md5(IMAGE) and template.size == len(IMAGE)
    folder = zone.root / "template/tmpl/2" / str(template.pk)
    assert (folder / template.filename).read_bytes() == IMAGE and (folder / "template.properties").exists()
    assert Transfer.objects.get(direction=Transfer.Direction.BROWSER).state == Transfer.State.DONE
    assert _post(params, IMAGE).status_code == 404  # used once


@pytest.mark.parametrize("featured, extractable", [(True, False), (False, True)])
def test_listtemplates_answers_the_flags_given_at_upload(client, admin_user, zone, featured, extractable):
    """isfeatured and isextractable as getUploadParamsForTemplate was given
    them, once the upload is the template."""
    flags = {"isfeatured": str(featured).lower(), "isextractable": str(extractable).lower()}
    params = _upload_params(client, admin_user, zone, ispublic="true", **flags)

    def listed():
        status, body = call(client, "listTemplates", *key_pair(admin_user), templatefilter="all", id=params["id"])
        assert status == 200, body
        [template] = body["template"]
        return template["isfeatured"], template["isextractable"], template["ispublic"]

    assert _post(params, IMAGE).status_code == 200
    assert listed() == (featured, extractable, True)


@pytest.mark.parametrize("every_zone", ["true", "false"])
def test_a_tus_upload_keeps_featured_extractable_and_every_zone(admin_client, zone, every_zone):
    location, _upload = started(admin_client, zone, featured="true", extractable="true", every_zone=every_zone)
    assert patch(admin_client, location, 0, IMAGE).status_code == 204
    template_id = complete(admin_client, location, md5(IMAGE)).json()["template"]
    template = Template.objects.get(pk=template_id)
    assert (template.featured, template.extractable, template.cross_zones) == (True, True, every_zone == "true")


def test_cloudstack_post_with_a_wrong_typed_md5_leaves_nothing(client, admin_user, zone):
    params = _upload_params(client, admin_user, zone, checksum="1" * 32)
    response = _post(params, IMAGE)
    assert response.status_code == 422 and "checksum mismatch" in response.content.decode()
    template = Template.objects.get(uuid=params["id"])
    assert folder_files(zone.root, template.pk) == []


def test_uploaded_template_reaches_swift_byte_identical(admin_client, zone, celery_worker, local_swift, tmp_path):
    make_swift_store(local_swift)
    location, upload = started(admin_client, zone)
    template_id = upload.transfer.template_id
    for offset in range(0, len(IMAGE), MIB):
        assert patch(admin_client, location, offset, IMAGE[offset:offset + MIB]).status_code == 204
    assert complete(admin_client, location, md5(IMAGE)).status_code == 200
    up = wait_transfer(template_id, direction=Transfer.Direction.UP)
    assert up.state == Transfer.State.DONE, up.last_error
    template = Template.objects.get(pk=template_id)
    swift_cli(local_swift, "download", f"T-{template_id}", template.filename, "-o", str(tmp_path / "copy"))
    assert (tmp_path / "copy").read_bytes() == IMAGE


def test_a_restarted_web_server_rehashes_from_disk(admin_client, zone):
    location, upload = started(admin_client, zone)
    assert patch(admin_client, location, 0, IMAGE[:MIB]).status_code == 204
    upload_files.HASHES.clear()  # what a restart (or another web process) has: no MD5 state in memory
    assert patch(admin_client, location, MIB, IMAGE[MIB:]).status_code == 204
    upload_files.HASHES.clear()
    response = complete(admin_client, location, md5(IMAGE))
    assert response.status_code == 200, response.content
    assert Template.objects.get(pk=upload.transfer.template_id).checksum == md5(IMAGE)


def test_bytes_past_the_synced_offset_are_cut_off(admin_client, zone):
    location, upload = started(admin_client, zone)
    assert patch(admin_client, location, 0, IMAGE[:MIB]).status_code == 204
    path = uploads.temp_path(BrowserUpload.objects.get())
    with open(path, "ab") as partial:  # a request that died after writing, before syncing and counting
        partial.write(b"garbage" * 1000)
    assert patch(admin_client, location, MIB, IMAGE[MIB:]).status_code == 204
    assert path.read_bytes() == IMAGE
    assert complete(admin_client, location, md5(IMAGE)).status_code == 200


def test_a_stale_browser_upload_is_never_requeued_nor_retried(admin_client, zone):
    location, upload = started(admin_client, zone)
    patch(admin_client, location, 0, IMAGE[:MIB])
    Transfer.objects.filter(pk=upload.transfer_id).update(heartbeat=timezone.now() - timedelta(hours=1))
    assert queueing.requeue_stale() == []  # no worker to hand it to: it expires instead
    assert Transfer.objects.get().state == Transfer.State.RUNNING
    assert admin_client.head(location, headers=TUS)["Upload-Offset"] == str(MIB)
    admin_client.delete(location, headers=TUS)
    with pytest.raises(queueing.TransferRefused, match="resumed from the browser"):
        queueing.retry(Transfer.objects.get())
