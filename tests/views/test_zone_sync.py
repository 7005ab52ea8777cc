"""POST /zones/<id>/sync/: the "Sync now" action."""
import pytest
from django.urls import reverse

from cloudadmin.models import Event
from storage.models import ZoneScan
from tests.transfer_helpers import make_zone
from zones.models import Zone

pytestmark = pytest.mark.django_db


def test_sync_now_queues_one_scan(admin_client):
    zone, _root = make_zone(seed=False)
    Zone.objects.filter(pk=zone.pk).update(allocation_state=Zone.AllocationState.ENABLED)
    url = reverse("storage:zone_sync", args=[zone.pk])
    response = admin_client.post(url)
    assert response.status_code == 200 and "queued" in response.content.decode()
    scan = ZoneScan.objects.get(zone=zone)
    assert scan.trigger == ZoneScan.Trigger.MANUAL and scan.requested_by == "admin"
    again = admin_client.post(url)
    assert again.status_code == 409 and "already queued" in again.content.decode()
    assert ZoneScan.objects.filter(zone=zone).count() == 1
    assert Event.objects.filter(action="zone.sync", username="admin").exists()


def test_a_disabled_zone_is_refused(admin_client):
    zone, _root = make_zone(seed=False)
    response = admin_client.post(reverse("storage:zone_sync", args=[zone.pk]))
    assert response.status_code == 409 and "Enable the zone" in response.content.decode()
    assert not ZoneScan.objects.exists()


def test_get_is_not_allowed_and_unknown_zone_is_404(admin_client):
    assert admin_client.get(reverse("storage:zone_sync", args=[1])).status_code == 405
    assert admin_client.post(reverse("storage:zone_sync", args=[987654])).status_code == 404
