"""/client/api: the zone, storage and template commands, with the zone
wizard's validation and the zone page's enable hook (the whole workflow
against the real worker and Swift is in tests/integration/test_api_cs_client.py)."""
import pytest
from django.db import connection

from cloudadmin.messages import english
from cloudadmin.models import Event, GlobalSetting
from storage.models import SecondaryStorage, SwiftStore, ZoneScan
from zones.models import Cluster, Host, Pod, Zone
from tests.api_helpers import call, key_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(admin_user):
    return key_pair(admin_user)


ZONE = {"name": "Zone1", "networktype": "Basic", "dns1": "8.8.8.8", "internaldns1": "192.168.1.1"}
POD = {"name": "Pod1", "gateway": "192.168.1.1", "netmask": "255.255.255.0", "startip": "192.168.1.100",
       "endip": "192.168.1.150"}


def make_zone(client, keys, **overrides):
    status, body = call(client, "createZone", *keys, **{**ZONE, **overrides})
    assert status == 200, body
    return body["zone"]


def test_create_zone_disabled_with_event(client, keys, admin_user):
    zone = make_zone(client, keys, domain="cs1cloud.internal", dns2="8.8.4.4")
    assert zone["allocationstate"] == "Disabled" and zone["networktype"] == "Basic"
    assert zone["domain"] == "cs1cloud.internal" and zone["cloudadminhypervisor"] == "XenServer"
    assert Zone.objects.get().name == "Zone1"
    assert Event.objects.filter(action="zone.create", user=admin_user, target="Zone1").exists()
    status, body = call(client, "listZones", *keys)
    assert body["count"] == 1 and body["zone"][0]["id"] == zone["id"]


@pytest.mark.parametrize("overrides,text", [
    ({"dns1": "8.8.8"}, "dns1: "),
    ({"internaldns1": "300.1.1.1"}, "internaldns1: "),
    ({"domain": "-bad-.example"}, "domain: "),
    ({"networktype": "Advanced"}, "guestcidraddress: "),  # Advanced needs a guest CIDR
    ({"networktype": "Advanced", "guestcidraddress": "10.1.1.0/33"}, "guestcidraddress: "),
])
def test_create_zone_uses_the_wizards_rules(client, keys, overrides, text):
    status, body = call(client, "createZone", *keys, **{**ZONE, **overrides})
    assert status == 431 and text in body["errortext"] and body["cserrorcode"] == 4350, body
    assert not Zone.objects.exists()


def test_zone_names_are_unique_without_case(client, keys):
    make_zone(client, keys)
    status, body = call(client, "createZone", *keys, **{**ZONE, "name": "ZONE1"})
    assert status == 431 and "already exists" in body["errortext"]
    assert Zone.objects.count() == 1


def test_a_zone_before_swift_needs_the_confirmation_then_locks_swift_out(client, keys):
    GlobalSetting.objects.filter(name="enable.swift").update(value="true")
    status, body = call(client, "createZone", *keys, **ZONE)
    assert status == 431 and "Swift can never be added" in body["errortext"]
    assert "cloudadminconfirmnoswift=true" in body["errortext"]
    assert not Zone.objects.exists()
    make_zone(client, keys, cloudadminconfirmnoswift="true")
    status, body = call(client, "addSwift", *keys, url="http://127.0.0.1:1/auth/v1.0", username="test:tester",
                        key="testing")
    assert status == 431
    assert body["errortext"] == "Swift cannot be enabled once a zone exists: Swift must be added before any zone."
    assert not SwiftStore.objects.exists()


def test_pod_cluster_host_and_primary_storage(client, keys):
    zone = make_zone(client, keys)
    status, body = call(client, "createPod", *keys, zoneid=zone["id"], **POD)
    assert status == 200, body
    pod = body["pod"]
    status, body = call(client, "addCluster", *keys, zoneid=zone["id"], podid=pod["id"], clustername="Cluster1",
                        hypervisor="XenServer", clustertype="CloudManaged")
    assert status == 200 and body["count"] == 1
    cluster = body["cluster"][0]
    status, body = call(client, "addHost", *keys, zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                        url="http://192.168.1.11", username="root", password="p@ss word", hypervisor="XenServer")
    assert status == 200, body
    assert "p@ss word" not in str(body)
    host = Host.objects.get()
    assert host.host_name == "192.168.1.11" and host.password == "p@ss word"
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM zones_host")
        assert "p@ss word" not in cursor.fetchone()[0]
    status, body = call(client, "createStoragePool", *keys, zoneid=zone["id"], podid=pod["id"],
                        clusterid=cluster["id"], name="Primary1", url="nfs://192.168.1.20/export/primary")
    assert status == 200 and body["storagepool"]["path"] == "/export/primary", body
    assert (Pod.objects.count(), Cluster.objects.count()) == (1, 1)


@pytest.mark.parametrize("overrides,text", [
    ({"gateway": "10.0.0.1"}, "gateway"),          # not in the subnet
    ({"netmask": "255.0.255.0"}, "netmask"),       # not contiguous
    ({"startip": "192.168.1.200"}, ""),            # start after end
    ({"startip": "192.168.1.1"}, ""),              # includes the gateway
])
def test_create_pod_uses_the_wizards_rules(client, keys, overrides, text):
    zone = make_zone(client, keys)
    status, body = call(client, "createPod", *keys, zoneid=zone["id"], **{**POD, **overrides})
    assert status == 431 and text in body["errortext"], body
    assert not Pod.objects.exists()


def test_objects_of_another_zone_or_missing_are_refused(client, keys):
    zone = make_zone(client, keys)
    other = make_zone(client, keys, name="Zone2")
    status, body = call(client, "createPod", *keys, zoneid="987654", **POD)
    assert status == 431 and "Invalid parameter zoneid" in body["errortext"]
    pod = call(client, "createPod", *keys, zoneid=zone["id"], **POD)[1]["pod"]
    status, body = call(client, "addCluster", *keys, zoneid=other["id"], podid=pod["id"], clustername="C",
                        hypervisor="KVM")
    assert status == 431 and "Invalid parameter podid" in body["errortext"]


def test_add_secondary_storage_checks_the_url(client, keys):
    zone = make_zone(client, keys)
    for url in ("http://server/path", "nfs://", "nfs:///path", "nfs://server"):
        status, body = call(client, "addSecondaryStorage", *keys, zoneid=zone["id"], url=url)
        assert status == 431, (url, body)
    status, body = call(client, "addSecondaryStorage", *keys, zoneid=zone["id"], url="nfs://192.168.1.20/export/secondary")
    assert status == 200 and body["secondarystorage"]["url"] == "nfs://192.168.1.20/export/secondary"
    assert str(SecondaryStorage.objects.get().zone.uuid) == zone["id"]
    status, body = call(client, "listImageStores", *keys, provider="NFS")
    assert body["count"] == 1 and body["imagestore"][0]["scope"] == "ZONE"


def test_update_zone_enabled_calls_the_storage_hook(client, keys, admin_user):
    zone = make_zone(client, keys)
    status, body = call(client, "updateZone", *keys, id=zone["id"], allocationstate="Enabled")
    assert status == 200 and body["zone"]["allocationstate"] == "Enabled"
    assert Event.objects.filter(action="zone.enable", user=admin_user).exists()
    # The engine's hook queued a scan of the zone (sent to a worker on commit).
    assert ZoneScan.objects.filter(zone__uuid=zone["id"], trigger="zone-enabled").exists()
    status, body = call(client, "updateZone", *keys, id=zone["id"], allocationstate="Disabled")
    assert body["zone"]["allocationstate"] == "Disabled"
    status, body = call(client, "updateZone", *keys, id=zone["id"], allocationstate="Sideways")
    assert status == 431


def test_guest_range_of_a_basic_pod_uses_the_wizards_rules(client, keys):
    zone = make_zone(client, keys)
    pod = call(client, "createPod", *keys, zoneid=zone["id"], **POD)[1]["pod"]
    overlapping = {"podid": pod["id"], "gateway": "192.168.1.1", "netmask": "255.255.255.0",
                   "startip": "192.168.1.140", "endip": "192.168.1.200"}
    status, body = call(client, "createVlanIpRange", *keys, **overlapping)
    assert status == 431 and "overlaps" in body["errortext"], body
    status, body = call(client, "createVlanIpRange", *keys, **{**overlapping, "startip": "192.168.1.151"})
    assert status == 200 and body["vlan"]["startip"] == "192.168.1.151", body
    assert Pod.objects.get().guest_end_ip == "192.168.1.200"
    status, body = call(client, "createVlanIpRange", *keys, **{**overlapping, "startip": "192.168.1.151"})
    assert status == 431 and "already has a guest IP range" in body["errortext"]


def test_unset_fields_are_left_out_like_cloudstack_does(client, keys):
    zone = make_zone(client, keys)
    assert "dns2" not in zone and "guestcidraddress" not in zone and zone["dns1"] == "8.8.8.8"


def test_ids_are_uuids_and_unknown_ones_name_their_parameter(client, keys):
    zone = make_zone(client, keys)
    assert str(Zone.objects.get().uuid) == zone["id"]
    status, body = call(client, "updateZone", *keys, id=99)
    assert status == 431 and "Invalid parameter id value=99" in body["errortext"], body
    unknown = "6f9619ff-8b86-4d01-b42d-00cf4fc964ff"
    for command, params in (("updateZone", {"id": unknown}), ("createPod", {**POD, "zoneid": unknown})):
        status, body = call(client, command, *keys, **params)
        param = "id" if command == "updateZone" else "zoneid"
        assert status == 431 and f"Invalid parameter {param} value={unknown}: no such object" in body["errortext"]
    status, body = call(client, "updateZone", *keys, id="zone-1")
    assert status == 431 and "ids are UUIDs" in body["errortext"]


def test_update_zone_edits_with_the_edit_zone_rules(client, keys, admin_user):
    zone = make_zone(client, keys, dns2="8.8.4.4")
    make_zone(client, keys, name="Zone2")
    status, body = call(client, "updateZone", *keys, id=zone["id"], name="Zone1b", internaldns2="192.168.1.2",
                        domain="cs1cloud.internal")
    assert status == 200, body
    answer = body["zone"]
    assert (answer["name"], answer["internaldns2"], answer["domain"], answer["dns2"]) == (
        "Zone1b", "192.168.1.2", "cs1cloud.internal", "8.8.4.4")  # dns2 not given: kept
    event = Event.objects.get(action="zone.edit", user=admin_user)
    assert event.target == "Zone1b" and english(event.detail) == (
        "changed name, second internal DNS server, network domain (formerly Zone1) (API)")
    for params, reason in (({"name": "zone2"}, "A zone named zone2 already exists"),
                           ({"dns1": "8.8.8"}, "dns1: "), ({"domain": "bad domain"}, "domain: ")):
        status, body = call(client, "updateZone", *keys, id=zone["id"], **params)
        assert status == 431 and reason in body["errortext"], body
    assert Zone.objects.get(uuid=zone["id"]).name == "Zone1b" and Event.objects.filter(action="zone.edit").count() == 1
