"""ZoneAllocationView: Enable zone / Disable zone (POST), with events; enabling
calls zones.hooks.zone_enabled inside the enabling transaction."""
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from cloudadmin.models import Event
from zones.models import Zone

pytestmark = pytest.mark.django_db(transaction=True)  # so that "inside a transaction" means something


@pytest.fixture
def zone():
    return Zone.objects.create(name="zone1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1",
                               hypervisor="KVM")


def test_enable_calls_the_hook_once_inside_the_transaction(admin_client, admin_user, zone):
    seen = []

    def hook(zone_arg, *, user=None):
        # Inside the transaction: the new state is visible here, and the
        # enabling has not been committed yet.
        seen.append((zone_arg.pk, zone_arg.allocation_state, user, connection.in_atomic_block,
                     Event.objects.filter(action="zone.enable").exists()))

    with mock.patch("zones.hooks.zone_enabled", side_effect=hook) as patched:
        response = admin_client.post(reverse("zones:enable", args=[zone.pk]), follow=True)
    patched.assert_called_once()
    assert seen == [(zone.pk, "Enabled", admin_user, True, True)]
    assert "Zone zone1 is enabled." in response.content.decode()
    zone.refresh_from_db()
    assert zone.allocation_state == "Enabled"
    event = Event.objects.get(action="zone.enable")
    assert (event.user, event.target, event.outcome) == (admin_user, "zone1", "success")


def test_a_failing_hook_rolls_the_enabling_back(admin_client, zone):
    with mock.patch("zones.hooks.zone_enabled", side_effect=RuntimeError("engine down")):
        with pytest.raises(RuntimeError):
            admin_client.post(reverse("zones:enable", args=[zone.pk]))
    zone.refresh_from_db()
    assert zone.allocation_state == "Disabled" and not Event.objects.filter(action="zone.enable").exists()


def test_disable_records_the_event_and_does_not_call_the_hook(admin_client, admin_user, zone):
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Enabled")
    with mock.patch("zones.hooks.zone_enabled") as patched:
        response = admin_client.post(reverse("zones:disable", args=[zone.pk]))
    assert response.status_code == 302 and response.url == reverse("zones:detail", args=[zone.pk])
    patched.assert_not_called()
    zone.refresh_from_db()
    assert zone.allocation_state == "Disabled"
    assert Event.objects.get(action="zone.disable").user == admin_user


def test_enabling_an_enabled_zone_changes_nothing(admin_client, zone):
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Enabled")
    with mock.patch("zones.hooks.zone_enabled") as patched:
        response = admin_client.post(reverse("zones:enable", args=[zone.pk]), follow=True)
    patched.assert_not_called()
    assert "Zone zone1 is already Enabled." in response.content.decode()
    assert not Event.objects.filter(action__startswith="zone.").exists()


def test_get_changes_nothing(admin_client, zone):
    assert admin_client.get(reverse("zones:enable", args=[zone.pk])).status_code == 405
    assert admin_client.post(reverse("zones:enable", args=[987654])).status_code == 404


def test_enabling_starts_the_zone_sync_in_the_same_transaction(admin_client, admin_user, zone):
    """The real hook: the transfer engine queues a scan of the zone."""
    from storage.models import ZoneScan

    admin_client.post(reverse("zones:enable", args=[zone.pk]))
    scan = ZoneScan.objects.get(zone=zone)
    assert (scan.trigger, scan.requested_by) == ("zone-enabled", "admin")
    assert list(Event.objects.filter(action__startswith="zone.").order_by("id").values_list("action", flat=True)) == \
        ["zone.enable", "zone.sync"]
