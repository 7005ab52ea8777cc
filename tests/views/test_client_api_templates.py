"""/client/api: listTemplates (a state per zone and for Swift), our
transfer listing and our sync trigger (an async job ending with its scan)."""
import pytest

from api.models import AsyncJob
from storage.models import Template, TemplateLocation, Transfer, ZoneScan
from zones.models import Zone
from tests.api_helpers import call, key_pair

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(admin_user):
    return key_pair(admin_user)


def zone(name, **extra):
    return Zone.objects.create(name=name, network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="XenServer", **extra)


def test_list_templates_states_per_zone_and_swift(client, keys):
    zone1, zone2 = zone("Zone1"), zone("Zone2")
    t1 = Template.objects.create(id=1, name="routing-1", format="vhd", size=10, swift_state="Stored")
    t5 = Template.objects.create(id=5, name="centos53-x64", format="vhd", size=20)
    TemplateLocation.objects.create(template=t1, zone=zone1, state="Ready")
    TemplateLocation.objects.create(template=t5, zone=zone1, state="Ready")
    TemplateLocation.objects.create(template=t5, zone=zone2, state="Invalid", reason="size mismatch")
    status, body = call(client, "listTemplates", *keys, templatefilter="all")
    assert status == 200 and body["count"] == 3
    cells = {(t["cloudadmintemplateid"], t["zonename"]): t for t in body["template"]}
    assert {t["id"] for t in body["template"]} == {str(t1.uuid), str(t5.uuid)}
    assert cells[(1, "Zone1")]["cloudadminswiftstate"] == "Stored" and cells[(1, "Zone1")]["isready"]
    assert cells[(1, "Zone1")]["status"] == "Download Complete" and cells[(1, "Zone1")]["format"] == "VHD"
    assert cells[(5, "Zone2")]["cloudadminzonestate"] == "Invalid"
    assert cells[(5, "Zone2")]["status"] == "size mismatch" and not cells[(5, "Zone2")]["isready"]
    # The template's CloudStack id or its UUID; a zone's UUID (or internal id).
    for template_id, zone_id in ((5, zone1.pk), (str(t5.uuid), str(zone1.uuid))):
        status, body = call(client, "listTemplates", *keys, templatefilter="featured", id=template_id, zoneid=zone_id)
        assert body["count"] == 1 and body["template"][0]["cloudadminswiftstate"] == "Absent"
    status, body = call(client, "listTemplates", *keys, templatefilter="mine")
    assert status == 431 and "templatefilter" in body["errortext"]
    status, body = call(client, "listTemplates", *keys)
    assert status == 431 and body["errortext"].endswith("missing parameter templatefilter")


def test_a_template_only_in_swift_is_listed_without_a_zone(client, keys):
    gone = Template.objects.create(id=7, name="gone-from-nfs", swift_state="Stored")
    Template.objects.create(id=8, name="nowhere")
    status, body = call(client, "listTemplates", *keys, templatefilter="all")
    assert [t["id"] for t in body["template"]] == [str(gone.uuid)]
    assert "zoneid" not in body["template"][0]


def test_list_transfers(client, keys):
    zone1 = zone("Zone1")
    template = Template.objects.create(id=1, name="routing-1", size=100)
    Transfer.objects.create(template=template, direction="up", zone=zone1, state="running", bytes_total=100,
                            bytes_done=40)
    status, body = call(client, "cloudadminListTransfers", *keys, zoneid=zone1.pk, state="running")
    assert status == 200 and body["count"] == 1
    transfer = body["cloudadmintransfer"][0]
    assert (transfer["templateid"], transfer["percent"], transfer["direction"]) == (str(template.uuid), 40, "up")
    status, body = call(client, "cloudadminListTransfers", *keys, state="done")
    assert body == {}


def test_sync_zone_is_an_async_job_that_ends_with_its_scan(client, keys):
    zone1 = zone("Zone1")
    status, body = call(client, "cloudadminSyncZone", *keys, zoneid=zone1.pk)
    assert status == 431 and "Disabled" in body["errortext"]
    Zone.objects.filter(pk=zone1.pk).update(allocation_state="Enabled")
    status, body = call(client, "cloudadminSyncZone", *keys, zoneid=zone1.pk)
    assert status == 200 and body["jobid"]
    jobid = body["jobid"]
    status, again = call(client, "cloudadminSyncZone", *keys, zoneid=zone1.pk)
    assert status == 431 and "already queued or running" in again["errortext"]
    status, job = call(client, "queryAsyncJobResult", *keys, jobid=jobid)
    assert job["jobstatus"] == 0 and "jobresult" not in job and job["jobinstancetype"] == "ZoneScan"
    ZoneScan.objects.filter(pk=body["id"]).update(state="done", templates_found=2, templates_ready=2)
    status, job = call(client, "queryAsyncJobResult", *keys, jobid=jobid)
    assert job["jobstatus"] == 1 and job["jobresult"]["cloudadminzonescan"]["templatesready"] == 2
    assert AsyncJob.objects.get(pk=jobid).status == AsyncJob.Status.SUCCEEDED


def test_a_failed_scan_fails_its_job(client, keys):
    zone1 = zone("Zone1", allocation_state="Enabled")
    body = call(client, "cloudadminSyncZone", *keys, zoneid=zone1.pk)[1]
    ZoneScan.objects.filter(pk=body["id"]).update(state="failed", error="share not mounted")
    status, job = call(client, "queryAsyncJobResult", *keys, jobid=body["jobid"])
    assert job["jobstatus"] == 2 and "share not mounted" in job["jobresult"]["errortext"]
    status, jobs = call(client, "listAsyncJobs", *keys)
    assert jobs["count"] == 1 and jobs["asyncjobs"][0]["jobstatus"] == 2
