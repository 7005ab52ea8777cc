"""Register template (storage:template_register): the form, its refusals
(400, nothing written) and a registration that queues the download."""
import pytest
from django.urls import reverse

from cloudadmin.models import Event
from storage.models import SecondaryStorage, Template, TemplateRegistration, Transfer
from zones.models import Zone

pytestmark = pytest.mark.django_db
URL = reverse("storage:template_register")


@pytest.fixture
def zone():
    zone = Zone.objects.create(name="zone-a", network_type=Zone.NetworkType.BASIC, dns1="8.8.8.8",
                               internal_dns1="10.0.0.1", hypervisor=Zone.Hypervisor.KVM)
    SecondaryStorage.objects.create(zone=zone, server="nfs.example", path="/export/a")
    return zone


def _data(zone_row, **changes):
    return {"name": "centos", "description": "", "url": "http://127.0.0.1:9/c.qcow2", "zone": zone_row.pk,
            "format": "qcow2", "hypervisor": "KVM", "checksum": "", **changes}


def test_the_form_has_every_field(admin_client, zone):
    body = admin_client.get(URL).content.decode()
    for name in ("name", "description", "url", "zone", "format", "hypervisor", "checksum", "public", "every_zone"):
        assert f'name="{name}"' in body
    for label in ("VHD", "QCOW2", "OVA", "RAW", "XenServer", "KVM", "VMware", "zone-a"):
        assert label in body
    assert "---------" not in body  # the zone defaults to the first one, not to an empty choice
    assert body.count('class="required-marker"') >= 5  # name, URL, zone, format, hypervisor (and the note)
    assert f'href="{reverse("storage:templates")}">Cancel</a>' in body


@pytest.mark.parametrize("url,message", [
    ("file:///etc/passwd", "Only http:// and https:// URLs"),
    ("ftp://mirror.example/c.qcow2", "Only http:// and https:// URLs"),
    ("http:///c.qcow2", "The URL has no host."),
    ("http://127.0.0.1:9/c.qcow2", "internal address (127.0.0.1)"),
    ("http://169.254.169.254/latest/meta-data/", "internal address"),
    ("http://[::1]/c.qcow2", "internal address"),
    ("http://10.1.2.3/c.qcow2", "internal address"),
    ("http://localhost/c.qcow2", "internal address"),
])
def test_refused_urls_say_why_and_write_nothing(admin_client, zone, url, message):
    response = admin_client.post(URL, _data(zone, url=url))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Template.objects.exists() and not Transfer.objects.exists()


def test_a_bad_checksum_and_a_missing_zone_are_refused(admin_client, zone):
    response = admin_client.post(URL, _data(zone, checksum="not-an-md5", zone=""))
    body = response.content.decode()
    assert response.status_code == 400
    assert "32 hexadecimal digits" in body and 'data-testid="error-zone"' in body
    assert not TemplateRegistration.objects.exists()


def test_internal_urls_only_when_the_setting_allows(admin_client, zone, settings):
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = True
    Template.objects.create(id=40)  # seen on some store
    response = admin_client.post(URL, _data(zone, checksum="{MD5}" + "A" * 32, public="on"))
    registration = TemplateRegistration.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("storage:template_registration", args=[41])
    assert registration.template_id == 41 and registration.checksum == "a" * 32 and registration.public
    assert not registration.template.cross_zones
    assert registration.filename.endswith(".qcow2")
    transfer = Transfer.objects.get()
    assert (transfer.direction, transfer.zone, transfer.state) == ("download", zone, Transfer.State.QUEUED)
    assert transfer.requested_by == "admin"
    assert Event.objects.filter(action="template.register", target="T-41", username="admin").exists()


def test_every_zone_registers_a_cross_zone_template(admin_client, zone, settings):
    settings.TEMPLATE_DOWNLOAD_ALLOW_INTERNAL = True
    response = admin_client.post(URL, _data(zone, every_zone="on"))
    assert response.status_code == 302
    registration = TemplateRegistration.objects.get()
    assert registration.template.cross_zones and registration.zone == zone  # downloaded there, then everywhere
