"""ZoneDeleteView: the confirmation page lists what goes; POST deletes a
Disabled, idle zone and every record under it (never files), is refused
with the reason (409, nothing written) while the zone is Enabled or busy,
and offers Enable Swift again when the last zone goes under enable.swift."""
import pytest
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from sampledata.rows import make_full_zone, make_location, make_template, make_transfer, make_zone
from storage.models import SecondaryStorage, Template, TemplateLocation, Transfer, ZoneScan
from tests.swift_setup_helpers import put_enable_swift_in_effect
from zones.models import Cluster, Host, Pod, PrimaryStorage, Zone

pytestmark = pytest.mark.django_db


def url(zone):
    return reverse("zones:delete", args=[zone.pk])


@pytest.fixture
def zone():
    zone = make_full_zone("doomed")
    make_location(make_template(5, "only-here"), zone)
    in_swift = make_template(7, "in-swift", stored=True)
    make_location(in_swift, zone)
    make_location(in_swift, make_zone("other"))
    make_transfer(in_swift, zone, state=Transfer.State.DONE)
    ZoneScan.objects.create(zone=zone, trigger="manual", state="done")
    return zone


def test_the_page_lists_what_will_be_removed(admin_client, zone):
    response = admin_client.get(url(zone))
    page = response.content.decode()
    assert response.status_code == 200
    for text in ("Delete zone doomed", "doomed-pod", "doomed-cluster", "doomed-host",
                 "nfs://10.0.0.5/export/doomed-primary", "nfs://127.0.0.1/export/doomed", "5 only-here",
                 ">Delete zone</button>"):
        assert text in page, text
    assert "in-swift" not in page  # it stays: in Swift and on another zone
    plan = page[page.index('data-testid="removal-plan"'):]
    for label, count in (("Pods", 1), ("Template locations", 2), ("Zone scans", 1), ("Finished transfers", 1)):
        assert f'<th scope="row">{label}</th><td>{count}</td>' in plan, label
    assert Zone.objects.filter(pk=zone.pk).exists()  # a GET writes nothing


def test_delete_removes_the_zone_and_its_records_only(admin_client, admin_user, zone):
    other = Zone.objects.get(name="other")
    response = admin_client.post(url(zone))
    assert response.status_code == 302 and response.url == reverse("zones:list")
    assert not Zone.objects.filter(pk=zone.pk).exists()
    for model in (Pod, Cluster, Host, PrimaryStorage):
        assert not model.objects.exists(), model
    assert list(SecondaryStorage.objects.values_list("zone", flat=True)) == [other.pk]
    assert list(Template.objects.values_list("id", flat=True)) == [7]  # in Swift: kept
    assert list(TemplateLocation.objects.values_list("zone", flat=True)) == [other.pk]
    assert not Transfer.objects.exists() and not ZoneScan.objects.exists()
    event = Event.objects.get(action="zone.delete")
    assert (event.user, event.target, event.outcome) == (admin_user, "doomed", "success")
    assert "pods 1, clusters 1, hosts 1" in english(event.detail)


def test_an_enabled_zone_is_refused_with_the_reason(admin_client, zone):
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Enabled")
    page = admin_client.get(url(zone)).content.decode()
    assert "Zone doomed is Enabled: disable it first" in page and ">Delete zone</button>" not in page
    response = admin_client.post(url(zone))
    assert response.status_code == 409
    assert "Zone doomed is Enabled: disable it first" in response.content.decode()
    assert Pod.objects.filter(zone=zone).exists() and Template.objects.filter(pk=5).exists()
    assert Event.objects.get(action="zone.delete").outcome == "failure"


@pytest.mark.parametrize("busy", ["transfer", "scan"])
def test_a_zone_with_a_queued_or_running_transfer_or_scan_is_refused(admin_client, zone, busy):
    if busy == "transfer":
        make_transfer(Template.objects.get(pk=7), zone, state=Transfer.State.RUNNING, direction="down")
    else:
        ZoneScan.objects.create(zone=zone, trigger="manual", state="queued")
    response = admin_client.post(url(zone))
    assert response.status_code == 409
    assert "1 transfer or scan of it is queued or running" in response.content.decode()
    assert Zone.objects.filter(pk=zone.pk).exists() and Host.objects.exists()


def test_a_missing_zone_is_404(admin_client):
    assert admin_client.get("/zones/999/delete/").status_code == 404
    assert admin_client.post("/zones/999/delete/").status_code == 404


def test_deleting_the_last_zone_offers_enable_swift_again(admin_client):
    put_enable_swift_in_effect()
    zone = make_full_zone("mistake")
    assert ">Enable Swift</button>" not in admin_client.get(reverse("zones:list")).content.decode()
    page = admin_client.post(url(zone), follow=True).content.decode()
    assert "No zone is left and Swift is not configured: Swift can be enabled now." in page
    assert ">Enable Swift</button>" in page
