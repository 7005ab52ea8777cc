"""A registration's progress page (storage:template_registration) and its
Retry and Cancel of the download."""
import pytest
from django.urls import reverse

from storage.models import SecondaryStorage, Template, TemplateRegistration, Transfer
from zones.models import Zone

pytestmark = pytest.mark.django_db


@pytest.fixture
def registration():
    zone = Zone.objects.create(name="zone-a", network_type=Zone.NetworkType.BASIC, dns1="8.8.8.8",
                               internal_dns1="10.0.0.1", hypervisor=Zone.Hypervisor.KVM,
                               allocation_state=Zone.AllocationState.ENABLED)
    SecondaryStorage.objects.create(zone=zone, server="nfs.example", path="/export/a")
    template = Template.objects.create(id=7, account_id=2, name="centos")
    Transfer.objects.create(template=template, zone=zone, direction=Transfer.Direction.DOWNLOAD,
                            bytes_total=1000, bytes_done=250, state=Transfer.State.RUNNING)
    return TemplateRegistration.objects.create(template=template, zone=zone, url="https://example.com/c.qcow2",
                                               name="centos", format="qcow2", hypervisor="KVM",
                                               filename="x.qcow2")


def test_the_page_shows_the_download_and_every_zone(admin_client, registration):
    body = admin_client.get(reverse("storage:template_registration", args=[7])).content.decode()
    assert "https://example.com/c.qcow2" in body
    assert 'data-state="running"' in body and '<progress max="100" value="25">' in body
    assert 'data-testid="zone-zone-a" data-ready="false"' in body
    assert 'data-finished="false"' in body and 'hx-trigger="every 2s"' in body
    fragment = admin_client.get(reverse("storage:template_registration", args=[7]), HTTP_HX_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert admin_client.get(reverse("storage:template_registration", args=[8])).status_code == 404


def test_cancel_then_retry(admin_client, registration):
    retry = reverse("storage:template_registration_retry", args=[7])
    cancel = reverse("storage:template_registration_cancel", args=[7])
    response = admin_client.post(retry, HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "Only a failed or cancelled transfer" in response.content.decode()
    response = admin_client.post(cancel, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-state="cancelled"' in response.content.decode()
    response = admin_client.post(cancel, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    response = admin_client.post(retry, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-state="queued"' in response.content.decode()
    assert list(Transfer.objects.order_by("id").values_list("state", flat=True)) == ["cancelled", "queued"]
