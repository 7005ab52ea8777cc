"""registerTemplate through signed requests (the `cs` client's signing):
Register template's form and service behind it, its answer checked against
the TemplateResponse fixture in JSON and XML, and its refusals CloudStack's
431 with the reason, nothing written."""
import pytest

from cloudadmin.models import Event
from storage.models import GuestOsType, SecondaryStorage, Template, TemplateRegistration, Transfer
from tests.api_helpers import call, key_pair
from tests.views.test_client_api_fidelity import check_json, check_xml, xml_call, xml_text
from zones.models import Zone

pytestmark = pytest.mark.django_db
URL = "http://127.0.0.1:9/centos.qcow2"


@pytest.fixture
def keys(admin_user):
    return key_pair(admin_user)


@pytest.fixture
def zone():
    zone = Zone.objects.create(name="zone-a", network_type=Zone.NetworkType.BASIC, dns1="8.8.8.8",
                               internal_dns1="10.0.0.1", hypervisor=Zone.Hypervisor.KVM)
    SecondaryStorage.objects.create(zone=zone, server="nfs.example", path="/export/a")
    return zone


def _params(zone, **changes):
    ubuntu = GuestOsType.objects.get(name="Ubuntu 12.04 (64-bit)")
    return {"name": "centos", "displaytext": "CentOS 7", "url": URL, "zoneid": str(zone.uuid),
            "format": "QCOW2", "hypervisor": "kvm", "ostypeid": str(ubuntu.uuid), "ispublic": "true",
            "isfeatured": "true", "isextractable": "true", "passwordenabled": "true",
            "checksum": "{MD5}" + "A" * 32, **changes}


def test_register_answers_the_template_in_json_and_xml_and_queues_the_download(client, keys, zone, settings):
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = True
    status, body = call(client, "registerTemplate", *keys, **_params(zone))
    assert status == 200, body
    [answer] = body["template"]
    assert body["count"] == 1
    check_json("TemplateResponse", answer)
    template = Template.objects.get(uuid=answer["id"])
    assert (answer["name"], answer["displaytext"], answer["zoneid"], answer["zonename"]) == (
        "centos", "CentOS 7", str(zone.uuid), "zone-a")
    assert answer["ostypename"] == "Ubuntu 12.04 (64-bit)" and answer["isready"] is False
    assert answer["ispublic"] and answer["isfeatured"] and answer["isextractable"] and answer["passwordenabled"]
    assert (answer["format"], answer["checksum"]) == ("QCOW2", "a" * 32)
    assert template.os_type.name == "Ubuntu 12.04 (64-bit)" and template.featured and template.extractable
    registration = TemplateRegistration.objects.get(template=template)
    assert (registration.url, registration.zone, registration.hypervisor, registration.public) == (
        URL, zone, "KVM", True)
    transfer = Transfer.objects.get(template=template)
    assert (transfer.direction, transfer.zone, transfer.state) == ("download", zone, Transfer.State.QUEUED)
    assert Event.objects.filter(action="template.register", target=f"T-{template.pk}", username="admin").exists()

    # XML: a second registration, the same fields and values but its own ids and date.
    element = xml_call(client, keys, "registerTemplate", **_params(zone)).find("template")
    check_xml("TemplateResponse", element, answer)
    for name, value in answer.items():
        if name not in ("id", "created") and not name.startswith("cloudadmin") and not isinstance(value, (list, dict)):
            assert (element.find(name).text or "") == xml_text(value), name
    assert Template.objects.count() == 2


@pytest.mark.parametrize("changes, reason", [
    ({"url": "ftp://mirror.example/c.qcow2"}, "url: Only http:// and https:// URLs"),
    ({"url": "file:///etc/passwd"}, "url: Only http:// and https:// URLs"),
    ({"url": URL}, "internal address (127.0.0.1)"),
    ({"zoneid": "6f9619ff-8b86-4d01-b42d-00cf4fc964ff"}, "zoneid"),
    ({"zoneid": "-2"}, "zoneid"),
    ({"ostypeid": "6f9619ff-8b86-4d01-b42d-00cf4fc964ff"}, "ostypeid"),
    ({"format": "iso"}, "format"),
    ({"hypervisor": "Hyper-V"}, "hypervisor"),
    ({"checksum": "not-an-md5"}, "checksum: An MD5 checksum is 32 hexadecimal digits."),
    ({"name": "two\nlines"}, "name: Enter a name on one line."),
])
def test_bad_registrations_are_431_and_write_nothing(client, keys, zone, changes, reason):
    status, body = call(client, "registerTemplate", *keys, **_params(zone, **changes))
    assert status == 431 and reason in body["errortext"], body
    assert body["errortext"].startswith("Unable to execute API command registertemplate")
    assert not Template.objects.exists() and not Transfer.objects.exists()


def test_zoneid_minus_one_registers_for_every_zone_through_an_enabled_zone(client, keys, zone, settings):
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = True
    enabled = Zone.objects.create(name="zone-e", network_type=Zone.NetworkType.BASIC, dns1="8.8.8.8",
                                  internal_dns1="10.0.0.1", hypervisor=Zone.Hypervisor.KVM,
                                  allocation_state=Zone.AllocationState.ENABLED)
    SecondaryStorage.objects.create(zone=enabled, server="nfs.example", path="/export/e")
    status, body = call(client, "registerTemplate", *keys, **_params(zone, zoneid="-1"))
    assert status == 200, body
    [answer] = body["template"]
    check_json("TemplateResponse", answer)
    assert answer["crossZones"] is True and answer["zoneid"] == str(enabled.uuid)
    template = Template.objects.get(uuid=answer["id"])
    assert template.cross_zones and TemplateRegistration.objects.get(template=template).zone == enabled
    assert Transfer.objects.get(template=template).zone == enabled  # the download; Swift's copy goes everywhere
    # A template registered for one zone says so.
    status, body = call(client, "registerTemplate", *keys, **_params(zone))
    assert status == 200 and body["template"][0]["crossZones"] is False, body


def test_zoneid_minus_one_without_any_secondary_storage_is_431(client, keys, zone):
    SecondaryStorage.objects.all().delete()
    status, body = call(client, "registerTemplate", *keys, **_params(zone, zoneid="-1"))
    assert status == 431 and "no zone has secondary storage" in body["errortext"], body
    assert not Template.objects.exists() and not Transfer.objects.exists()


def test_a_zone_without_secondary_storage_is_refused(client, keys, zone):
    bare = Zone.objects.create(name="zone-b", network_type=Zone.NetworkType.BASIC, dns1="8.8.8.8",
                               internal_dns1="10.0.0.1", hypervisor=Zone.Hypervisor.KVM)
    status, body = call(client, "registerTemplate", *keys,
                        **_params(zone, zoneid=str(bare.uuid), url="http://203.0.113.5/c.qcow2"))
    assert status == 431 and "zoneid" in body["errortext"], body
    assert not TemplateRegistration.objects.exists()
