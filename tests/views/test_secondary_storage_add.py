"""SecondaryStorageAddView: Add secondary storage on a zone's page, with
the wizard's NFS Server and Path rules and its share check (the worker's
part is tests/integration/test_secondary_storage_add.py; here the hook
answers as the worker would)."""
from unittest import mock

import pytest
from django.urls import reverse

from cloudadmin.messages import english
from cloudadmin.models import Event
from sampledata.rows import make_zone
from storage.models import SecondaryStorage

pytestmark = pytest.mark.django_db

SHARE = {"nfs_server": "127.0.0.1", "path": "/export/more"}


def url(zone):
    return reverse("zones:secondary_storage_add", args=[zone.pk])


def answer(status, message="", templates=0):
    return mock.patch("zones.hooks.check_share_now",
                      return_value={"status": status, "message": message, "templates": templates})


@pytest.fixture
def zone():
    return make_zone("zone1", enabled=False)


def test_the_form_is_on_the_zone_page(admin_client, zone):
    assert f'href="{url(zone)}"' in admin_client.get(reverse("zones:detail", args=[zone.pk])).content.decode()
    page = admin_client.get(url(zone)).content.decode()
    assert "NFS Server" in page and "Path" in page and "go_on_unchecked" not in page


def test_a_passed_check_adds_the_store_up(admin_client, admin_user, zone):
    with answer("ok", templates=3) as check, mock.patch("zones.hooks.secondary_storage_changed") as changed:
        response = admin_client.post(url(zone), SHARE)
    check.assert_called_once_with("127.0.0.1", "/export/more")
    changed.assert_not_called()  # a Disabled zone is not scanned
    assert response.status_code == 302 and response.url == reverse("zones:detail", args=[zone.pk])
    store = SecondaryStorage.objects.get(path="/export/more")
    assert (store.state, english(store.state_reason)) == ("Up", "reachable, 3 templates found")
    event = Event.objects.get(action="secondary_storage.add")
    assert (event.user, event.target, english(event.detail)) == (admin_user, "nfs://127.0.0.1/export/more", "zone zone1")


def test_an_enabled_zone_is_scanned_after_the_addition(admin_client, zone):
    zone.allocation_state = "Enabled"
    zone.save()
    with answer("ok"), mock.patch("zones.hooks.secondary_storage_changed") as changed:
        assert admin_client.post(url(zone), SHARE).status_code == 302
    changed.assert_called_once()
    assert changed.call_args.args[0] == zone


def test_a_failed_check_adds_nothing(admin_client, zone):
    with answer("failed", "Not mounted: /mnt/x does not exist on the worker host."):
        response = admin_client.post(url(zone), SHARE)
    assert response.status_code == 400
    assert "Not mounted: /mnt/x does not exist on the worker host." in response.content.decode()
    assert not SecondaryStorage.objects.filter(path="/export/more").exists()


def test_no_worker_offers_to_go_on_unchecked(admin_client, zone):
    with answer("pending"):
        response = admin_client.post(url(zone), SHARE)
    assert response.status_code == 409 and 'name="go_on_unchecked"' in response.content.decode()
    assert not SecondaryStorage.objects.filter(path="/export/more").exists()
    with answer("pending") as check, mock.patch("zones.hooks.check_store"):
        response = admin_client.post(url(zone), {**SHARE, "go_on_unchecked": "on"})
    check.assert_not_called()
    assert response.status_code == 302
    assert SecondaryStorage.objects.get(path="/export/more").state == "Unknown"


@pytest.mark.parametrize("values,error", [
    ({"nfs_server": "", "path": "/export/x"}, "error-nfs_server"),
    ({"nfs_server": "127.0.0.1", "path": "relative"}, "error-path"),
])
def test_bad_input_is_400_and_not_checked(admin_client, zone, values, error):
    with answer("ok") as check:
        response = admin_client.post(url(zone), values)
    assert response.status_code == 400 and f'data-testid="{error}"' in response.content.decode()
    check.assert_not_called()
    assert SecondaryStorage.objects.filter(zone=zone).count() == 1


def test_a_missing_zone_is_404(admin_client):
    assert admin_client.post("/zones/9999/secondary-storage/add/", SHARE).status_code == 404
