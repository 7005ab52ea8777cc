"""The deletes and addImageStore with the unmodified `cs` client (Python API
and CLI) against a live server and a real Celery worker, UUID ids only:
an Enabled zone and its last storage are refused with the reason, a
Disabled one goes with every record, and its NFS share stays as it was."""
import shutil
import time
import uuid

import pytest
from cs import CloudStackApiException

from storage.models import ZoneScan
from storage.secondary import demo, nfs
from tests.integration.test_api_cs_client import api, cs_cli  # noqa: F401 - the fixture
from zones.models import Zone

pytestmark = pytest.mark.django_db(transaction=True)


def refused(call, reason, **params):
    with pytest.raises(CloudStackApiException) as raised:
        call(**params)
    assert raised.value.error["errorcode"] == 431 and reason in raised.value.error["errortext"], raised.value.error


def test_build_refuse_and_delete_a_zone_with_cs(api, celery_worker):  # noqa: F811
    export = f"/export/api-del-{uuid.uuid4().hex[:8]}"
    share = nfs.local_path("127.0.0.1", export)
    demo.create_demo_secondary_storage(share)
    files = sorted(str(p) for p in share.rglob("*"))
    try:
        zone = api.createZone(name="Gone", networktype="Basic", dns1="8.8.8.8", internaldns1="192.168.1.1")["zone"]
        pod = api.createPod(zoneid=zone["id"], name="Pod1", gateway="192.168.1.1", netmask="255.255.255.0",
                            startip="192.168.1.100", endip="192.168.1.150")["pod"]
        cluster = api.addCluster(zoneid=zone["id"], podid=pod["id"], clustername="C1",
                                 hypervisor="XenServer")["cluster"][0]
        host = api.addHost(zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"], url="http://192.168.1.11",
                           username="root", password="x", hypervisor="XenServer")["host"][0]
        pool = api.createStoragePool(zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"], name="P1",
                                     url="nfs://192.168.1.20/export/primary")["storagepool"]
        store = api.addImageStore(provider="NFS", zoneid=zone["id"], url=f"nfs://127.0.0.1{export}")["imagestore"]
        assert store["zoneid"] == zone["id"] and store["url"] == f"nfs://127.0.0.1{export}"
        api.updateZone(id=zone["id"], allocationstate="Enabled")

        refused(api.deleteZone, "Zone Gone is Enabled: disable it first", id=zone["id"])
        refused(api.deleteImageStore, "is the last of zone Gone, which is Enabled", id=store["id"])
        refused(api.deleteHost, "is the last host of zone Gone", id=host["id"])
        refused(api.deletePod, "Pod Pod1 still has clusters", id=pod["id"])
        refused(api.deleteCluster, "Cluster C1 still has hosts", id=cluster["id"])

        api.updateZone(id=zone["id"], allocationstate="Disabled")
        deadline = time.monotonic() + 120  # the scan that enabling queued ends first
        while ZoneScan.objects.filter(state__in=ZoneScan.ACTIVE_STATES).exists():
            assert time.monotonic() < deadline, celery_worker.log()
            time.sleep(0.3)
        assert api.deleteStoragePool(id=pool["id"]) == {"success": True}
        code, answer, stderr = cs_cli(api, "deleteZone", f"id={zone['id']}")
        assert code == 0 and answer == {"success": True}, stderr
        assert api.listZones().get("zone", []) == [] and not Zone.objects.exists()
        assert api.listImageStores(provider="NFS").get("imagestore", []) == []
        refused(api.deleteZone, "Invalid parameter id", id=zone["id"])
        assert sorted(str(p) for p in share.rglob("*")) == files
    finally:
        shutil.rmtree(share, ignore_errors=True)
