"""/client/api: deleteZone, deletePod, deleteCluster, deleteHost,
deleteStoragePool, deleteImageStore and addImageStore, by real signed
requests: CloudStack's SuccessResponse (JSON and XML, against the fixture),
the zone pages' rules (zones.inventory) as 431 refusals with the reason,
UUID ids, and nothing written on a refusal."""
from unittest import mock

import pytest

from cloudadmin.messages import english
from cloudadmin.models import Event
from sampledata.rows import make_full_zone, make_template, make_transfer
from storage.models import SecondaryStorage, Transfer
from tests.api_helpers import call, key_pair
from tests.views.test_client_api_fidelity import check_command, check_json, check_xml, json_call, xml_call
from zones.models import Cluster, Host, Pod, PrimaryStorage, Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(admin_user):
    return key_pair(admin_user)


@pytest.fixture
def zone():
    return make_full_zone("zone1")


def uuid(record):
    return str(record.uuid)


def refused(client, keys, command, record, reason):
    status, body = call(client, command, *keys, id=uuid(record))
    assert status == 431 and reason in body["errortext"], body
    assert type(record).objects.filter(pk=record.pk).exists()


def test_every_record_is_deleted_bottom_up_with_success_responses(client, keys, admin_user, zone):
    second = SecondaryStorage.objects.create(zone=zone, server="127.0.0.1", path="/export/more")
    for command, record in (("deleteHost", Host.objects.get()), ("deleteStoragePool", PrimaryStorage.objects.get()),
                            ("deleteCluster", Cluster.objects.get()), ("deletePod", Pod.objects.get()),
                            ("deleteImageStore", second)):
        status, body = call(client, command, *keys, id=uuid(record))
        assert (status, body) == (200, {"success": True}), command
        assert not type(record).objects.filter(pk=record.pk).exists(), command
    assert Event.objects.filter(action="pod.delete", user=admin_user, detail="API").exists()
    status, body = call(client, "deleteZone", *keys, id=uuid(zone))
    assert (status, body) == (200, {"success": True})
    assert not Zone.objects.exists() and not SecondaryStorage.objects.exists()
    assert english(Event.objects.get(action="zone.delete").detail).endswith("(API)")


def test_the_success_response_matches_cloudstack_in_json_and_xml(client, keys):
    # check_command calls twice (JSON, then XML): the JSON call deletes, the
    # XML one must then refuse, so each answer is checked on its own zone.
    for name in ("a", "b"):
        make_full_zone(name)
    with mock.patch("zones.inventory.delete_zone") as delete:
        body = check_command(client, keys, "deleteZone", id=uuid(Zone.objects.get(name="a")))
    assert body == {"success": True} and delete.call_count == 2


def test_refusals_name_the_rule_and_write_nothing(client, keys, zone):
    refused(client, keys, "deletePod", Pod.objects.get(), "Pod zone1-pod still has clusters")
    refused(client, keys, "deleteCluster", Cluster.objects.get(), "Cluster zone1-cluster still has hosts")
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Enabled")
    refused(client, keys, "deleteZone", zone, "Zone zone1 is Enabled: disable it first")
    refused(client, keys, "deleteHost", Host.objects.get(), "is the last host of zone zone1, which is Enabled")
    refused(client, keys, "deleteStoragePool", PrimaryStorage.objects.get(), "is the last of zone zone1")
    refused(client, keys, "deleteImageStore", SecondaryStorage.objects.get(), "is the last of zone zone1")
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Disabled")
    make_transfer(make_template(5), zone, state=Transfer.State.RUNNING)
    refused(client, keys, "deleteZone", zone, "1 transfer or scan of it is queued or running")
    assert Event.objects.filter(action="zone.delete", outcome="failure").count() == 2


@pytest.mark.parametrize("command", ["deleteZone", "deletePod", "deleteCluster", "deleteHost", "deleteStoragePool",
                                     "deleteImageStore"])
def test_unknown_ids_are_431(client, keys, command):
    for value in ("6f9619ff-8b86-4d01-b42d-00cf4fc964ff", "424242", "nope"):
        status, body = call(client, command, *keys, id=value)
        assert status == 431 and "Invalid parameter id" in body["errortext"], (command, value, body)
    status, body = call(client, command, *keys)
    assert status == 431 and "missing parameter id" in body["errortext"]


def test_add_image_store_adds_nfs_storage_to_a_zone(client, keys, admin_user, zone):
    with mock.patch("zones.hooks.check_store"):
        body = json_call(client, keys, "addImageStore", provider="NFS", zoneid=uuid(zone), name="extra",
                         url="nfs://127.0.0.1/export/extra")
        root = xml_call(client, keys, "addImageStore", provider="NFS", zoneid=uuid(zone),
                        url="nfs://127.0.0.1/export/other")
    check_json("ImageStoreResponse", body["imagestore"])
    check_xml("ImageStoreResponse", root.find("imagestore"), json_call(
        client, keys, "listImageStores", id=root.find("imagestore").findtext("id"))["imagestore"][0])
    store = SecondaryStorage.objects.filter(path="/export/extra").first()
    assert body["imagestore"]["id"] == uuid(store) and body["imagestore"]["providername"] == "NFS"
    assert body["imagestore"]["zoneid"] == uuid(zone) and store.state == "Unknown"
    assert "zone zone1 (API)" in {english(e.detail) for e in Event.objects.filter(action="secondary_storage.add")}
    for params, reason in (({"provider": "Swift"}, "Invalid parameter provider"),
                           ({"url": "http://x/y"}, "url must be nfs://server/path"),
                           ({"url": "nfs://127.0.0.1/relative/../x"}, "url:")):
        status, answer = call(client, "addImageStore", *keys, **{"provider": "NFS", "zoneid": uuid(zone),
                                                                  "url": "nfs://127.0.0.1/export/x", **params})
        assert status == 431 and reason in answer["errortext"], (params, answer)
