"""/client/api deleteTemplate: the template pages' Delete through CloudStack's
async command, every copy or one zone's (zoneid), with UUID ids; its job
ends with CloudStack's SuccessResponse once every step has, and a refusal
is a 431 with the reason."""
import pytest

from api.models import AsyncJob
from storage.models import SwiftStore, Template, TemplateExclusion, TemplateLocation, Transfer
from tests.api_helpers import call, key_pair
from tests.views.test_client_api_fidelity import check_command, check_json
from zones.models import Zone

pytestmark = pytest.mark.django_db
DELETE_ZONE, DELETE_SWIFT = Transfer.Direction.DELETE_ZONE, Transfer.Direction.DELETE_SWIFT


@pytest.fixture
def keys(admin_user):
    return key_pair(admin_user)


@pytest.fixture
def placed():
    zones = [Zone.objects.create(name=name, network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                                 hypervisor="XenServer", allocation_state="Enabled") for name in ("Zone1", "Zone2")]
    SwiftStore.objects.create(url="http://127.0.0.1:9/auth/v1.0", username="t:u", key="k", auth_version="1.0")
    template = Template.objects.create(id=5, name="centos53-x64", format="vhd", size=20, swift_state="Stored")
    for zone in zones:
        TemplateLocation.objects.create(template=template, zone=zone, state="Ready", path="template/tmpl/1/5")
    return template, zones


def _listed(client, keys):
    body = call(client, "listTemplates", *keys, templatefilter="all")[1]
    return {(t["cloudadmintemplateid"], t.get("zonename")) for t in body.get("template", [])}


def test_delete_everywhere_is_an_async_job_ending_in_success(client, keys, placed):
    template, (zone1, zone2) = placed
    status, body = call(client, "deleteTemplate", *keys, id=str(template.uuid))
    assert status == 200 and body["jobid"]
    steps = Transfer.objects.filter(template=template)
    assert set(steps.values_list("direction", "zone_id")) == {(DELETE_ZONE, zone1.pk), (DELETE_ZONE, zone2.pk),
                                                              (DELETE_SWIFT, None)}
    assert _listed(client, keys) == set()  # deleted everywhere: out of the list at once
    job = check_command(client, keys, "queryAsyncJobResult", jobid=body["jobid"])
    assert job["jobstatus"] == 0 and job["jobinstancetype"] == "Template" and job["jobinstanceid"] == str(
        template.uuid)
    steps.update(state="done")
    job = check_command(client, keys, "queryAsyncJobResult", jobid=body["jobid"])
    assert job["jobstatus"] == 1 and job["jobresult"] == {"success": True}
    check_json("SuccessResponse", job["jobresult"])
    status, again = call(client, "deleteTemplate", *keys, id=str(template.uuid))
    assert status == 431 and "no such object" in again["errortext"]


def test_delete_from_one_zone(client, keys, placed):
    template, (zone1, zone2) = placed
    status, body = call(client, "deleteTemplate", *keys, id="5", zoneid=str(zone1.uuid))  # the numeric id too
    assert status == 200
    [step] = Transfer.objects.filter(template=template)
    assert (step.direction, step.zone) == (DELETE_ZONE, zone1)
    assert TemplateExclusion.objects.filter(template=template, zone=zone1).exists()
    assert _listed(client, keys) == {(5, "Zone2")}
    Transfer.objects.filter(pk=step.pk).update(state="failed", last_error="the share is read-only")
    status, job = call(client, "queryAsyncJobResult", *keys, jobid=body["jobid"])
    assert job["jobstatus"] == 2 and "the share is read-only" in job["jobresult"]["errortext"]
    assert AsyncJob.objects.get(pk=body["jobid"]).status == AsyncJob.Status.FAILED


@pytest.mark.parametrize("case", ["transfer-running", "no-copy-in-zone", "unknown-id", "unknown-zone"])
def test_refusals_are_431_and_write_nothing(client, keys, placed, case):
    template, (zone1, zone2) = placed
    params = {"id": str(template.uuid)}
    if case == "transfer-running":
        Transfer.objects.create(template=template, zone=zone1, direction="down", state="running")
    if case == "no-copy-in-zone":
        TemplateLocation.objects.filter(zone=zone2).delete()
        params["zoneid"] = str(zone2.uuid)
    if case == "unknown-id":
        params["id"] = "6f9619ff-8b86-4d01-b42d-00cf4fc964ff"
    if case == "unknown-zone":
        params["zoneid"] = "6f9619ff-8b86-4d01-b42d-00cf4fc964ff"
    before = Transfer.objects.count()
    status, body = call(client, "deleteTemplate", *keys, **params)
    assert status == 431
    assert {"transfer-running": "has a transfer queued or running", "no-copy-in-zone": "no copy to delete in zone",
            "unknown-id": "id", "unknown-zone": "zoneid"}[case] in body["errortext"]
    assert Transfer.objects.count() == before and not AsyncJob.objects.exists()
    assert Template.objects.get(pk=5).deleted is None


def test_a_template_with_no_copy_is_deleted_at_once(client, keys):
    Template.objects.create(id=9, name="bad-url")
    status, body = call(client, "deleteTemplate", *keys, id="9")
    assert status == 200
    status, job = call(client, "queryAsyncJobResult", *keys, jobid=body["jobid"])
    assert job["jobstatus"] == 1 and job["jobresult"] == {"success": True}
    assert Template.objects.get(pk=9).deleted is not None and not Transfer.objects.exists()
