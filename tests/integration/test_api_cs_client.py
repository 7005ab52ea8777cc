"""The unmodified `cs` client (its Python API, and its CLI as a subprocess)
against a live server, the local Swift and a real Celery worker."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cs import CloudStack, CloudStackApiException

from cloudadmin import startup
from cloudadmin.models import Event
from storage.swift import localswift
from storage.models import SwiftStore
from tests.api_helpers import key_pair
from tests.conftest import ROOT
from tests.download_server import download_queue, download_worker, server  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(live_server, admin_user):
    key, secret = key_pair(admin_user)
    endpoint = f"{live_server.url}/client/api"
    client = CloudStack(endpoint=endpoint, key=key, secret=secret, timeout=60, poll_interval=0.2,
                        job_timeout=120)
    client.credentials = {"CLOUDSTACK_ENDPOINT": endpoint, "CLOUDSTACK_KEY": key, "CLOUDSTACK_SECRET": secret}
    return client


def cs_cli(api, *args):
    """Run the `cs` command line; (exit code, parsed stdout, stderr)."""
    env = {**os.environ, **api.credentials, "CLOUDSTACK_TIMEOUT": "60"}
    env.pop("CLOUDSTACK_CONFIG", None)
    result = subprocess.run([sys.executable, "-m", "cs", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=180)
    out = json.loads(result.stdout) if result.stdout.strip() else None
    return result.returncode, out, result.stderr


def swift_params(local_swift, **overrides):
    return {"url": local_swift.auth_url, "account": "test", "username": "tester",
            "key": localswift.AUTH_KEY, **overrides}


def test_enable_swift_restart_and_add_swift_with_cs(api, local_swift, celery_worker):
    # 1. updateConfiguration: saved, not in effect before the restart.
    answer = api.updateConfiguration(name="enable.swift", value="true")
    assert answer["configuration"]["value"] == "false"
    assert answer["configuration"]["cloudadminpendingvalue"] == "true"
    with pytest.raises(CloudStackApiException) as refused:
        api.addSwift(**swift_params(local_swift))
    assert refused.value.error["errorcode"] == 431
    assert "enable.swift is not in effect" in refused.value.error["errortext"]

    # 2. The management server restarts.
    startup.on_web_process_start()
    code, listed, _ = cs_cli(api, "listConfigurations", "name=enable.swift")
    assert code == 0 and listed["configuration"][0]["value"] == "true"

    # 3. addSwift against the real local Swift; the key never comes back.
    answer = api.addSwift(**swift_params(local_swift))
    store = answer["imagestore"]
    assert store["url"] == local_swift.auth_url and store["providername"] == "Swift"
    assert localswift.AUTH_KEY not in json.dumps(answer)
    assert SwiftStore.objects.get().key == localswift.AUTH_KEY

    # A second time is refused, through the CLI too (its exit code says so).
    code, error, stderr = cs_cli(api, "addSwift", *(f"{k}={v}" for k, v in swift_params(local_swift).items()))
    assert code != 0 and "HTTP 431" in stderr
    assert error["addswiftresponse"]["errortext"] == "Swift is already configured; it cannot be reconfigured."
    assert SwiftStore.objects.count() == 1

    for method in ([], ["--post"]):
        code, listed, _ = cs_cli(api, *method, "listSwifts")
        assert code == 0 and listed["count"] == 1 and listed["imagestore"][0]["id"] == store["id"]
        assert localswift.AUTH_KEY not in json.dumps(listed)

    # Our own async command: a jobid at once, the worker does the work.
    started = api.cloudadminTestSwift()
    assert set(started) >= {"jobid"}
    result = api._jobresult(started["jobid"])
    assert result["imagestore"]["cloudadminswiftversion"]
    assert Event.objects.filter(action="swift.test", outcome="success").exists()
    # The CLI waits on jobs by itself.
    code, result, _ = cs_cli(api, "cloudadminTestSwift")
    assert code == 0 and result["imagestore"]["cloudadminlastcontact"]
    code, job, _ = cs_cli(api, "queryAsyncJobResult", f"jobid={started['jobid']}")
    assert code == 0 and job["jobstatus"] == 1 and job["jobresultcode"] == 0


def test_a_failing_async_job_reports_failure(api, local_swift, celery_worker):
    SwiftStore.objects.create(url=local_swift.auth_url, account="test", username="tester",
                              key="not-the-key", auth_version="1.0", capabilities={})
    started = api.cloudadminTestSwift()
    with pytest.raises(CloudStackApiException) as failed:
        api._jobresult(started["jobid"])
    assert failed.value.error["errorcode"] in (431, 534)
    assert failed.value.error["errortext"]
    code, job, _ = cs_cli(api, "queryAsyncJobResult", f"jobid={started['jobid']}")
    assert job["jobstatus"] == 2 and job["jobresultcode"] == failed.value.error["errorcode"]


def test_wrong_secret_through_cs(live_server, admin_user):
    key, _ = key_pair(admin_user)
    client = CloudStack(endpoint=f"{live_server.url}/client/api", key=key, secret="wrong")
    with pytest.raises(CloudStackApiException) as refused:
        client.listZones()
    assert refused.value.error["errorcode"] == 401
    assert Event.objects.filter(action="api.auth", outcome="failure").count() == 1


def test_the_seed_workflow_through_the_api(api, local_swift, celery_worker, swift_connection):
    """The seed's whole workflow with an unmodified CloudStack client: enable
    Swift, restart, add Swift, build the zone, add the demo NFS secondary
    storage, enable the zone, and see templates 1 and 5 land in Swift."""
    import shutil
    import time
    import uuid

    from storage.secondary import demo, nfs

    export = f"/export/api-{uuid.uuid4().hex[:8]}"
    share = nfs.local_path("127.0.0.1", export)
    demo.create_demo_secondary_storage(share)
    export2 = f"{export}-zone2"
    share2 = Path(nfs.local_path("127.0.0.1", export2))
    try:
        # 1-3. enable.swift, restart, addSwift (the CLI as a subprocess).
        code, _, stderr = cs_cli(api, "updateConfiguration", "name=enable.swift", "value=true")
        assert code == 0, stderr
        startup.on_web_process_start()
        code, answer, stderr = cs_cli(api, "addSwift", *(f"{k}={v}" for k, v in swift_params(local_swift).items()))
        assert code == 0, stderr
        assert localswift.AUTH_KEY not in json.dumps(answer)

        # 4-5. zone, pod, cluster, host (the Python API).
        zone = api.createZone(name="Zone1", networktype="Basic", dns1="8.8.8.8", internaldns1="192.168.1.1",
                              domain="cs1cloud.internal")["zone"]
        assert zone["allocationstate"] == "Disabled"
        pod = api.createPod(zoneid=zone["id"], name="Pod1", gateway="192.168.1.1", netmask="255.255.255.0",
                            startip="192.168.1.100", endip="192.168.1.150")["pod"]
        cluster = api.addCluster(zoneid=zone["id"], podid=pod["id"], clustername="Cluster1",
                                 hypervisor="XenServer", clustertype="CloudManaged")["cluster"][0]
        host = api.addHost(zoneid=zone["id"], podid=pod["id"], clusterid=cluster["id"],
                           url="http://192.168.1.11", username="root", password="host-secret",
                           hypervisor="XenServer")["host"][0]
        assert host["name"] == "192.168.1.11" and "host-secret" not in json.dumps(host)
        # The rest of the wizard's records: the Basic zone's guest range and primary storage.
        api.createVlanIpRange(podid=pod["id"], gateway="192.168.1.1", netmask="255.255.255.0",
                              startip="192.168.1.151", endip="192.168.1.200", forvirtualnetwork="false")
        code, pool, stderr = cs_cli(api, "createStoragePool", f"zoneid={zone['id']}", f"podid={pod['id']}",
                                    f"clusterid={cluster['id']}", "name=Primary1",
                                    "url=nfs://192.168.1.20/export/primary")
        assert code == 0 and pool["storagepool"]["type"] == "NetworkFilesystem", stderr

        # 6. The demo layout as the zone's secondary storage.
        store = api.addSecondaryStorage(zoneid=zone["id"], url=f"nfs://127.0.0.1{export}")["secondarystorage"]
        assert store["url"] == f"nfs://127.0.0.1{export}"
        stores = api.listImageStores(zoneid=zone["id"])["imagestore"]
        assert [s["url"] for s in stores] == [store["url"]]

        # 7. Enable the zone: the same hook as the zone page.
        code, answer, stderr = cs_cli(api, "updateZone", f"id={zone['id']}", "allocationstate=Enabled")
        assert code == 0 and answer["zone"]["allocationstate"] == "Enabled", stderr
        assert Event.objects.filter(action="zone.enable").exists()

        # 8. Wait until templates 1 and 5 are in Swift.
        deadline = time.monotonic() + 240
        while True:
            listed = api.listTemplates(templatefilter="all", zoneid=zone["id"]).get("template", [])
            in_swift = {t["cloudadmintemplateid"] for t in listed if t["cloudadminswiftstate"] == "Stored"}
            if {1, 5} <= in_swift:
                break
            assert time.monotonic() < deadline, (listed, api.cloudadminListTransfers())
            time.sleep(0.5)
        by_id = {t["cloudadmintemplateid"]: t for t in listed}
        assert by_id[1]["isready"] and by_id[1]["zonename"] == "Zone1" and by_id[1]["zoneid"] == zone["id"]
        assert by_id[1]["status"] == "Download Complete" and by_id[1]["account"] == "system"
        # A template's CloudStack id is still accepted, and its UUID.
        for template_id in ("5", by_id[5]["id"]):
            code, one, _ = cs_cli(api, "listTemplates", "templatefilter=all", f"id={template_id}")
            assert code == 0 and one["count"] == 1 and one["template"][0]["cloudadminzonestate"] == "Ready"
        # Swift holds the files under T-<id>, the unfinished download never.
        _, objects = swift_connection.get_container("T-5")
        names = {o["name"] for o in objects}
        assert "template.properties" in names and "d5a259e7-9d77-3580-97db-74ce5fcf5b99.vhd" in names
        assert not any(name.startswith("dnld") for name in names)
        transfers = api.cloudadminListTransfers(zoneid=zone["id"])["cloudadmintransfer"]
        assert {t["templateid"] for t in transfers if t["state"] == "done"} >= {by_id[1]["id"], by_id[5]["id"]}

        # Our sync trigger: an async job that ends with its scan.
        result = api._jobresult(api.cloudadminSyncZone(zoneid=zone["id"])["jobid"])
        assert result["cloudadminzonescan"]["state"] == "done"
        assert result["cloudadminzonescan"]["templatesready"] == 2

        # 9. A second zone (no automatic copies): prepareTemplate and copyTemplate,
        # with the UUIDs of the answers only.
        api.updateConfiguration(name="swift.replicate.to.all.zones", value="false")
        (share2 / "template" / "tmpl").mkdir(parents=True)
        zone2 = api.createZone(name="Zone2", networktype="Basic", dns1="8.8.8.8", internaldns1="192.168.2.1")["zone"]
        api.addSecondaryStorage(zoneid=zone2["id"], url=f"nfs://127.0.0.1{export2}")
        api.updateZone(id=zone2["id"], allocationstate="Enabled")
        code, copied, stderr = cs_cli(api, "copyTemplate", f"id={by_id[5]['id']}", f"sourcezoneid={zone['id']}",
                                      f"destzoneid={zone2['id']}")
        assert code == 0, stderr
        assert copied["template"]["zoneid"] == zone2["id"] and copied["template"]["isready"]
        prepared = api.prepareTemplate(templateid=by_id[1]["id"], zoneid=zone2["id"])["template"][0]
        assert prepared["zoneid"] == zone2["id"] and prepared["id"] == by_id[1]["id"]
        deadline = time.monotonic() + 120
        while not api.listTemplates(templatefilter="all", id=by_id[1]["id"], zoneid=zone2["id"]).get(
                "template", [{}])[0].get("isready"):
            assert time.monotonic() < deadline, api.cloudadminListTransfers(zoneid=zone2["id"])
            time.sleep(0.5)
        assert (share2 / "template" / "tmpl" / "1" / "5" / "template.properties").exists()

        # 10. deleteTemplate (the CLI waits for its job): template 5 from Zone2 only, then everywhere.
        code, deleted, stderr = cs_cli(api, "deleteTemplate", f"id={by_id[5]['id']}", f"zoneid={zone2['id']}")
        assert code == 0 and deleted["success"] is True, stderr
        assert not (share2 / "template" / "tmpl" / "1" / "5").exists()
        assert (share / "template" / "tmpl" / "1" / "5" / "template.properties").exists()
        listed = api.listTemplates(templatefilter="all", id=by_id[5]["id"])["template"]
        assert [entry["zoneid"] for entry in listed] == [zone["id"]]
        code, deleted, stderr = cs_cli(api, "deleteTemplate", f"id={by_id[5]['id']}")
        assert code == 0 and deleted["success"] is True, stderr
        assert not (share / "template" / "tmpl" / "1" / "5").exists()
        assert not {"T-5", "T-5_segments"} & {c["name"] for c in swift_connection.get_account()[1]}
        assert by_id[5]["id"] not in {entry["id"] for entry in api.listTemplates(templatefilter="all")["template"]}
    finally:
        shutil.rmtree(share, ignore_errors=True)
        shutil.rmtree(share2, ignore_errors=True)


def test_register_template_with_cs_downloads_it(api, settings, download_queue, download_worker,  # noqa: F811
                                                 server, local_swift):  # noqa: F811
    """registerTemplate from the test download server, UUIDs only: the answer
    at once (not ready), then the worker's download completes the template."""
    from storage.models import GuestOsType, Template, Transfer
    from tests.download_server import IMAGE, md5
    from tests.transfer_helpers import enable_zone, make_swift_store, make_zone, wait_transfer

    settings.TRANSFER_QUEUE = download_queue
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = True  # the test server is on loopback
    make_swift_store(local_swift)
    zone, _root = make_zone(seed=False)
    enable_zone(zone)
    ubuntu = GuestOsType.objects.get(name="Ubuntu 12.04 (64-bit)")
    answer = api.registerTemplate(name="cs-registered", displaytext="from cs", url=server.url("/image.qcow2"),
                                  zoneid=str(zone.uuid), format="QCOW2", hypervisor="KVM",
                                  ostypeid=str(ubuntu.uuid), checksum=md5(IMAGE), isextractable="true",
                                  isfeatured="true")
    [registered] = answer["template"]
    assert registered["zoneid"] == str(zone.uuid) and registered["isready"] is False
    template = Template.objects.get(uuid=registered["id"])
    download = wait_transfer(template.pk, direction=Transfer.Direction.DOWNLOAD)
    assert download.state == Transfer.State.DONE, download.last_error
    [listed] = api.listTemplates(templatefilter="all", id=registered["id"], zoneid=str(zone.uuid))["template"]
    assert listed["isready"] is True and listed["size"] > 0
    assert (listed["ostypeid"], listed["isextractable"], listed["isfeatured"]) == (str(ubuntu.uuid), True, True)
