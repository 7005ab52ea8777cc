"""updateTemplate, updateTemplatePermissions and listOsTypes through signed
requests (the `cs` client's signing), each answer checked field by field
against the fixture of its CloudStack class, in JSON and XML; refusals are
CloudStack's 431 with the reason."""
import pytest

from cloudadmin.models import Event
from storage.models import GuestOsType, Template, TemplateLocation, Transfer
from tests.api_helpers import call, key_pair
from tests.views.test_client_api_fidelity import check_command, check_json
from zones.models import Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(admin_user):
    return key_pair(admin_user)


@pytest.fixture
def template():
    zone = Zone.objects.create(name="Z1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="XenServer")
    template = Template.objects.create(
        id=301, account_id=2, name="centos", description="CentOS", filename="a.qcow2", format="qcow2", size=5,
        properties={"filename": "a.qcow2", "id": "301", "uniquename": "centos", "description": "CentOS",
                    "public": "false"})
    TemplateLocation.objects.create(template=template, zone=zone, state="Ready", path="template/tmpl/2/301")
    return template


def test_list_os_types_answers_guest_os_responses_and_filters(client, keys):
    body = check_command(client, keys, "listOsTypes")
    assert body["count"] == GuestOsType.objects.count() >= 30
    names = {item["name"] for item in body["ostype"]}
    assert {"CentOS 5.3 (64-bit)", "Ubuntu 12.04 (64-bit)", "Windows Server 2008 R2 (64-bit)", "Other (64-bit)"} <= names
    ubuntu = next(item for item in body["ostype"] if item["name"] == "Ubuntu 12.04 (64-bit)")
    assert ubuntu["oscategoryname"] == "Ubuntu" and ubuntu["isuserdefined"] == "false"
    assert check_command(client, keys, "listOsTypes", id=ubuntu["id"])["ostype"] == [ubuntu]
    by_category = check_command(client, keys, "listOsTypes", oscategoryid=ubuntu["oscategoryid"])["ostype"]
    assert {item["oscategoryname"] for item in by_category} == {"Ubuntu"} and ubuntu in by_category
    assert call(client, "listOsTypes", *keys, keyword="windows server 2008")[1]["ostype"][0]["name"] == (
        "Windows Server 2008 R2 (64-bit)")
    assert call(client, "listOsTypes", *keys, description="Other (64-bit)")[1]["count"] == 1
    # listTemplates' default OS type is the very row of that name.
    other = next(item for item in body["ostype"] if item["name"] == "Other (64-bit)")
    assert other["id"] == "4ad69915-40a4-53e1-a0b6-45ed9e52b1a0"


def test_update_template_answers_the_template_and_queues_the_properties_update(client, keys, template):
    ubuntu = GuestOsType.objects.get(name="Ubuntu 12.04 (64-bit)")
    body = check_command(client, keys, "updateTemplate", id=str(template.uuid), name="ubuntu-web",
                         displaytext="Ubuntu web", ostypeid=str(ubuntu.uuid), passwordenabled="true")
    answer = body["template"]
    assert (answer["name"], answer["displaytext"], answer["ostypeid"], answer["ostypename"]) == (
        "ubuntu-web", "Ubuntu web", str(ubuntu.uuid), "Ubuntu 12.04 (64-bit)")
    assert answer["passwordenabled"] is True and answer["isextractable"] is False
    template.refresh_from_db()
    assert template.properties["uniquename"] == "ubuntu-web" and template.os_type == ubuntu
    assert Transfer.objects.filter(template=template, direction=Transfer.Direction.PROPERTIES).exists()
    assert Event.objects.filter(action="template.edit", target="T-301").exists()


def test_update_template_keeps_a_cross_zone_template_cross_zone(client, keys, template):
    # CloudStack's updateTemplate has no such parameter: what Edit template set stays.
    Template.objects.filter(pk=301).update(cross_zones=True)
    assert check_command(client, keys, "updateTemplate", id="301", name="renamed")["template"]["crossZones"] is True
    template.refresh_from_db()
    assert template.name == "renamed" and template.cross_zones


def test_update_template_permissions_sets_the_flags(client, keys, template):
    body = check_command(client, keys, "updateTemplatePermissions", id="301", isextractable="true",
                         isfeatured="true", ispublic="true")
    assert body == {"success": True}
    [listed] = call(client, "listTemplates", *keys, templatefilter="all", id=str(template.uuid))[1]["template"]
    check_json("TemplateResponse", listed)
    assert listed["isextractable"] and listed["isfeatured"] and listed["ispublic"]
    assert Template.objects.get(pk=301).properties["public"] == "true"


@pytest.mark.parametrize("params, reason", [
    ({"id": "301", "name": "two\nlines"}, "name: Enter a name on one line."),
    ({"id": "301", "ostypeid": "6f9619ff-8b86-4d01-b42d-00cf4fc964ff"}, "ostypeid"),
    ({"id": "301", "ostypeid": "999999"}, "ostypeid"),
    ({"id": "999999", "name": "x"}, "Invalid parameter id value=999999"),
    ({"id": "301", "displaytext": " "}, "displaytext"),
])
def test_bad_updates_are_431_and_change_nothing(client, keys, template, params, reason):
    status, body = call(client, "updateTemplate", *keys, **params)
    assert status == 431 and reason in body["errortext"], body
    template.refresh_from_db()
    assert template.name == "centos" and not Transfer.objects.exists()


def test_extract_refuses_a_template_that_is_not_extractable(client, keys, template):
    status, body = call(client, "extractTemplate", *keys, id=str(template.uuid), mode="HTTP_DOWNLOAD")
    assert status == 431 and "not extractable" in body["errortext"]
    status, body = call(client, "extractTemplate", *keys, id=str(template.uuid), mode="FTP_UPLOAD")
    assert status == 431 and "HTTP_DOWNLOAD" in body["errortext"]
    Template.objects.filter(pk=301).update(extractable=True)
    status, body = call(client, "extractTemplate", *keys, id="301", mode="HTTP_DOWNLOAD")
    assert status == 431 and "not in Swift" in body["errortext"]
