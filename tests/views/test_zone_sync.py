"""Sync now (per zone, from the dashboard): queues one scan, records it."""
import pytest
from django.urls import reverse

from cloudadmin.models import Event
from storage.models import ZoneScan
from tests.storage_rows import make_zone

pytestmark = pytest.mark.django_db


def _url(zone):
    return reverse("storage:zone_sync", args=[zone.pk])


def test_sync_now_queues_a_scan(admin_client, django_capture_on_commit_callbacks):
    zone = make_zone("zone-s")
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(_url(zone), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Trigger"] == "transfers-changed"
    assert "A scan of zone zone-s is queued." in response.content.decode()
    scan = ZoneScan.objects.get(zone=zone)
    assert (scan.trigger, scan.state, scan.requested_by) == (ZoneScan.Trigger.MANUAL, ZoneScan.State.QUEUED, "admin")
    assert len(callbacks) == 1
    assert Event.objects.filter(action="zone.sync", target="zone-s", username="admin").exists()
    row = admin_client.get(reverse("dashboard")).content.decode().split(f'data-testid="zone-{zone.pk}"')[1]
    assert "<td>Queued</td>" in row.split("</tr>")[0]  # the zone's last scan


def test_sync_now_while_a_scan_is_queued_adds_none(admin_client):
    zone = make_zone("zone-s")
    admin_client.post(_url(zone))
    for headers in ({"HTTP_HX_REQUEST": "true"}, {}):
        response = admin_client.post(_url(zone), **headers)
        assert response.status_code == 409 and "already queued or running" in response.content.decode()
    assert ZoneScan.objects.filter(zone=zone).count() == 1


def test_sync_now_refused_on_a_disabled_zone(admin_client):
    zone = make_zone("zone-off", enabled=False)
    response = admin_client.post(_url(zone), HTTP_HX_REQUEST="true")
    assert response.status_code == 409 and "is disabled" in response.content.decode()
    assert not ZoneScan.objects.exists()
    refusal = Event.objects.get(action="zone.sync")
    assert (refusal.outcome, refusal.target, refusal.username) == ("failure", "zone-off", "admin")


def test_get_is_not_allowed_and_unknown_zone_is_404(admin_client):
    zone = make_zone("zone-s")
    assert admin_client.get(_url(zone)).status_code == 405
    assert admin_client.post(reverse("storage:zone_sync", args=[999999])).status_code == 404
    assert not ZoneScan.objects.exists()


def test_the_dashboard_offers_sync_now_for_enabled_zones_only(admin_client):
    enabled, disabled = make_zone("zone-on"), make_zone("zone-off", enabled=False)
    body = admin_client.get(reverse("dashboard")).content.decode()
    assert _url(enabled) in body and _url(disabled) not in body
