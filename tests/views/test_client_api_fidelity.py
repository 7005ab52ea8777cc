"""/client/api answers, field by field, against fixtures written from
CloudStack's response classes (tests/fixtures/cloudstack_responses): every
field CloudStack always sends is there with its JSON type, nothing else
but our own `cloudadmin*` fields, and the XML answer carries the same."""
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from api.models import AsyncJob
from api.registry import COMMANDS
from cloudadmin import events
from storage.models import SwiftStore, Template, TemplateLocation, Transfer
from tests.api_helpers import call, key_pair, signed, xml_root
from zones.models import Zone

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "cloudstack_responses"
COMMAND_CLASSES = json.loads((FIXTURES / "commands.json").read_text())["commands"]
DATE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}")
JSON_TYPES = {
    "string": lambda v: isinstance(v, str), "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "date": lambda v: isinstance(v, str) and DATE.fullmatch(v) is not None,
    "list": lambda v: isinstance(v, list), "map": lambda v: isinstance(v, dict), "object": lambda v: isinstance(v, dict),
}


def fixture(cls):
    return json.loads((FIXTURES / f"{cls}.json").read_text())


def xml_text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


XML_TYPES = {"boolean": re.compile(r"true|false"), "integer": re.compile(r"-?\d+"),
             "number": re.compile(r"-?\d+(\.\d+)?(E-?\d+)?"), "date": DATE}


def check_json(cls, item):
    spec = fixture(cls)
    fields, optional = spec["fields"], set(spec["omitted_when_unset"])
    missing = [name for name in fields if name not in optional and name not in item]
    assert not missing, f"{cls} lacks {missing}"
    for name, value in item.items():
        if name.startswith("cloudadmin"):
            continue
        assert name in fields, f"{cls} has no field {name}"
        assert JSON_TYPES[fields[name]](value), f"{cls}.{name}: {value!r} is not a {fields[name]}"


def check_xml(cls, element, item):
    """The XML object carries the JSON one's fields (list items repeated,
    an empty list absent), each text of the field's type."""
    fields = fixture(cls)["fields"]
    children = {}
    for child in element:
        children.setdefault(child.tag, []).append(child)
    assert set(children) == {name for name, value in item.items() if value != []}, cls
    for name, value in item.items():
        if isinstance(value, list):
            assert len(children.get(name, [])) == len(value), (cls, name)
        elif isinstance(value, dict):
            assert {child.tag for child in children[name][0]} == set(value), (cls, name)
        else:
            [text] = [child.text or "" for child in children[name]]
            pattern = XML_TYPES.get(fields.get(name, "string"))
            assert pattern is None or pattern.fullmatch(text), (cls, name, text)


def check_same(cls, item, element):
    """JSON and XML answers of the same call: the same values, field by field."""
    check_json(cls, item)
    check_xml(cls, element, item)
    for name, value in item.items():
        if not isinstance(value, (list, dict)):
            assert (element.find(name).text or "") == xml_text(value), (cls, name)


def answer_objects(command, body, root):
    key = COMMAND_CLASSES[command]["key"]
    if not key:
        return [body], [root]
    items = body[key] if isinstance(body[key], list) else [body[key]]
    elements = root.findall(key)
    assert items and len(elements) == len(items), command
    return items, elements


def json_call(client, keys, command, **params):
    status, body = call(client, command, *keys, **params)
    assert status == 200, body
    return body


def xml_call(client, keys, command, **params):
    response = client.get("/client/api", signed(command, *keys, json_response=False, **params))
    assert response.status_code == 200, response.content[:300]
    return xml_root(response)


def check_command(client, keys, command, **params):
    """A repeatable command: its JSON and XML answers against the fixture and each other."""
    cls = COMMAND_CLASSES[command]["class"]
    body, root = json_call(client, keys, command, **params), xml_call(client, keys, command, **params)
    for item, element in zip(*answer_objects(command, body, root)):
        check_same(cls, item, element)
    return body


CREATES = (
    ("createZone", lambda ids, n: {"name": f"Zone{n}", "networktype": "Basic", "dns1": "8.8.8.8",
                                   "internaldns1": "192.168.1.1", "domain": "cs1cloud.internal"}, "zone", "zoneid"),
    ("createPod", lambda ids, n: {"zoneid": ids["zoneid"], "name": "Pod1", "gateway": "192.168.1.1",
                                  "netmask": "255.255.255.0", "startip": "192.168.1.100", "endip": "192.168.1.150"},
     "pod", "podid"),
    ("createVlanIpRange", lambda ids, n: {"podid": ids["podid"], "gateway": "192.168.1.1", "netmask": "255.255.255.0",
                                          "startip": "192.168.1.151", "endip": "192.168.1.200"}, "vlan", None),
    ("addCluster", lambda ids, n: {"zoneid": ids["zoneid"], "podid": ids["podid"], "clustername": "Cluster1",
                                   "hypervisor": "XenServer"}, "cluster", "clusterid"),
    ("addHost", lambda ids, n: {"zoneid": ids["zoneid"], "podid": ids["podid"], "clusterid": ids["clusterid"],
                                "url": f"http://192.168.1.1{n}", "username": "root", "password": "secret",
                                "hypervisor": "XenServer"}, "host", None),
    ("createStoragePool", lambda ids, n: {"zoneid": ids["zoneid"], "podid": ids["podid"],
                                          "clusterid": ids["clusterid"], "name": "Primary1",
                                          "url": "nfs://192.168.1.20/export/primary"}, "storagepool", None),
    ("addSecondaryStorage", lambda ids, n: {"zoneid": ids["zoneid"], "url": "nfs://127.0.0.1/export/secondary"},
     "secondarystorage", None),
)


@pytest.fixture
def keys(admin_user):
    return key_pair(admin_user)


@pytest.fixture
def inventory(client, keys):
    """Two Basic zones with every record, one created with JSON answers and
    one with XML answers, each answer checked against its class."""
    json_ids, xml_ids = {}, {}
    for command, params, key, id_name in CREATES:
        cls = COMMAND_CLASSES[command]["class"]
        body = json_call(client, keys, command, **params(json_ids, 1))
        root = xml_call(client, keys, command, **params(xml_ids, 2))
        [item], [element] = [objects[:1] for objects in answer_objects(command, body, root)]
        check_json(cls, item)
        check_xml(cls, element, item)  # the same shape; the values are the other zone's
        if id_name:
            json_ids[id_name], xml_ids[id_name] = item["id"], element.findtext("id")
    SwiftStore.objects.create(url="http://127.0.0.1:8080/auth/v1.0", account="test", username="tester",
                              key="testing", auth_version="1.0", capabilities={"version": "2.31.1"},
                              last_contact=timezone.now())
    zone = Zone.objects.get(uuid=json_ids["zoneid"])
    routing = Template.objects.create(id=1, account_id=1, name="routing-1", format="vhd", size=10, virtual_size=20,
                                      checksum="0" * 32, swift_state="Stored")
    Template.objects.create(id=201, account_id=2, name="registered", format="qcow2", size=5,
                            properties={"public": "true", "hypervisor": "KVM"}, swift_state="Stored")
    TemplateLocation.objects.create(template=routing, zone=zone, state="Ready")
    check_command(client, keys, "updateZone", id=json_ids["zoneid"], allocationstate="Enabled")
    return {**json_ids, "templateid": str(routing.uuid)}


def test_every_command_is_in_the_fixture_table():
    assert {command.name for command in COMMANDS.values()} <= set(COMMAND_CLASSES)
    for entry in COMMAND_CLASSES.values():
        if entry["class"]:
            assert fixture(entry["class"])["class"].endswith("." + entry["class"])


def test_list_commands_answer_every_field_in_json_and_xml(client, keys, inventory):
    events.record("zone.create", username="admin", target="Zone1", detail="Basic, XenServer")
    events.record_failure("swift.enable", username="admin", target="http://x", detail="refused")
    for command, params in (
            ("listZones", {}), ("listZones", {"id": inventory["zoneid"]}), ("listPods", {}),
            ("listPods", {"zoneid": inventory["zoneid"]}), ("listClusters", {"podid": inventory["podid"]}),
            ("listHosts", {"clusterid": inventory["clusterid"]}), ("listStoragePools", {}),
            ("listVlanIpRanges", {"zoneid": inventory["zoneid"]}), ("listImageStores", {}), ("listSwifts", {}),
            ("listTemplates", {"templatefilter": "all"}), ("listConfigurations", {}), ("listEvents", {}),
            ("listCapabilities", {}), ("listHypervisors", {})):
        check_command(client, keys, command, **params)
    status, body = call(client, "listAlerts", *keys)
    assert status == 200 and body == {}


def test_update_configuration_answers_a_configuration(client, keys):
    body = check_command(client, keys, "updateConfiguration", name="swift.sync.interval", value="600")
    assert body["configuration"]["value"] == "600" and body["configuration"]["scope"] == "Global"


def test_template_defaults_and_types(client, keys, inventory):
    body = call(client, "listTemplates", *keys, templatefilter="all")[1]
    by_id = {t["cloudadmintemplateid"]: t for t in body["template"]}
    routing, registered = by_id[1], by_id[201]
    assert (routing["templatetype"], routing["account"], routing["hypervisor"]) == ("SYSTEM", "system", "XenServer")
    assert (routing["size"], routing["physicalsize"], routing["zonename"]) == (20, 10, "Zone1")
    assert (registered["templatetype"], registered["account"], registered["hypervisor"]) == ("USER", "admin", "KVM")
    assert registered["ispublic"] and not registered["isfeatured"] and registered["domain"] == "ROOT"
    assert "zoneid" not in registered  # only in Swift


def test_async_job_answers(client, keys, admin_user):
    job = AsyncJob.objects.create(user=admin_user, command="cloudadminTestSwift", status=AsyncJob.Status.SUCCEEDED,
                                  result={"imagestore": {"id": "x"}}, instance_type="ImageStore",
                                  instance_id="6f9619ff-8b86-4d01-b42d-00cf4fc964ff", completed=timezone.now())
    body = check_command(client, keys, "queryAsyncJobResult", jobid=str(job.id))
    assert body["jobstatus"] == 1 and body["jobresult"] == {"imagestore": {"id": "x"}}
    check_command(client, keys, "listAsyncJobs")


def test_other_methods_are_405_in_the_asked_format(client, keys):
    for method in ("put", "delete", "patch"):
        for json_response in (True, False):
            query = urlencode(signed("listZones", *keys, json_response=json_response))
            response = getattr(client, method)(f"/client/api?{query}")
            assert response.status_code == 405 and response["Allow"] == "GET, POST"
            if json_response:
                [answer] = json.loads(response.content).values()
                assert answer["errorcode"] == 405 and "use GET or POST" in answer["errortext"]
            else:
                assert xml_root(response).findtext("errorcode") == "405"


def test_prepare_and_copy_template_answer_templates(client, keys, inventory, admin_user):
    zone = Zone.objects.get(uuid=inventory["zoneid"])
    # The zone has template 1: nothing to copy, the answer is the template there.
    body = check_command(client, keys, "prepareTemplate", templateid=inventory["templateid"], zoneid=str(zone.uuid))
    assert body["template"][0]["isready"] and not Transfer.objects.exists()
    started = json_call(client, keys, "copyTemplate", id="1", destzoneid=str(zone.uuid))
    assert started["id"] == inventory["templateid"]
    job = check_command(client, keys, "queryAsyncJobResult", jobid=started["jobid"])
    assert job["jobstatus"] == 1 and job["jobinstancetype"] == "Template"
    check_json("TemplateResponse", job["jobresult"]["template"])
    # Template 201 is only in Swift: copyTemplate queues the copy and its job ends with it.
    registered = Template.objects.get(pk=201)
    started = json_call(client, keys, "copyTemplate", id=str(registered.uuid), destzoneid=str(zone.uuid))
    transfer = Transfer.objects.get(template=registered, zone=zone, direction="down")
    assert json_call(client, keys, "queryAsyncJobResult", jobid=started["jobid"])["jobstatus"] == 0
    status, body = call(client, "copyTemplate", *keys, id="201", destzoneid=str(zone.uuid))
    assert status == 431 and "already queued or running" in body["errortext"]
    Transfer.objects.filter(pk=transfer.pk).update(state="done")
    TemplateLocation.objects.create(template=registered, zone=zone, state="Ready")
    job = check_command(client, keys, "queryAsyncJobResult", jobid=started["jobid"])
    assert job["jobstatus"] == 1 and job["jobresult"]["template"]["zoneid"] == str(zone.uuid)
    # A source zone must hold the template; a disabled zone is refused, as on the template page.
    status, body = call(client, "copyTemplate", *keys, id="201", destzoneid=str(zone.uuid),
                        sourcezoneid=str(zone.uuid))
    assert status == 200
    other = Zone.objects.create(name="Off", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                                hypervisor="KVM")
    status, body = call(client, "prepareTemplate", *keys, templateid="201", zoneid=str(other.uuid))
    assert status == 431 and "Zone Off is disabled." in body["errortext"]
    status, body = call(client, "copyTemplate", *keys, id="201", destzoneid=str(zone.uuid), sourcezoneid=str(other.uuid))
    assert status == 431 and "sourcezoneid" in body["errortext"]
