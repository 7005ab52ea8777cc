"""RecordDeleteView: delete a pod, cluster, host, primary or secondary
storage on the zone's page, each under its rule (CloudStack's: a pod
without clusters, a cluster without hosts or primary storage; ours: not the
last host, primary or secondary storage of an Enabled zone, no secondary
storage removed while the zone is busy). Refusals are 409 with the reason."""
from unittest import mock

import pytest
from django.urls import reverse

from cloudadmin.models import Event
from sampledata.rows import make_full_zone, make_location, make_template, make_transfer
from storage.models import SecondaryStorage, TemplateLocation, Transfer
from zones import inventory
from zones.models import Cluster, Host, Pod, PrimaryStorage, Zone

pytestmark = pytest.mark.django_db


def url(kind, record):
    return reverse("zones:record_delete", args=[kind, record.pk])


@pytest.fixture
def zone():
    return make_full_zone("zone1")


def refused(admin_client, kind, record, reason):
    assert reason in admin_client.get(url(kind, record)).content.decode()
    response = admin_client.post(url(kind, record))
    assert response.status_code == 409 and reason in response.content.decode()
    assert type(record).objects.filter(pk=record.pk).exists()


def test_a_disabled_zone_is_emptied_record_by_record(admin_client, admin_user, zone):
    detail = admin_client.get(reverse("zones:detail", args=[zone.pk])).content.decode()
    for kind, record in (("host", Host.objects.get()), ("primary-storage", PrimaryStorage.objects.get()),
                         ("cluster", Cluster.objects.get()), ("pod", Pod.objects.get()),
                         ("secondary-storage", SecondaryStorage.objects.get())):
        assert f'href="{url(kind, record)}"' in detail, kind
        page = admin_client.get(url(kind, record)).content.decode()
        assert "Nothing is changed on the storage itself." in page and ">Delete</button>" in page
        response = admin_client.post(url(kind, record))
        assert response.status_code == 302 and response.url == reverse("zones:detail", args=[zone.pk]), kind
        assert not type(record).objects.filter(pk=record.pk).exists(), kind
    assert Zone.objects.filter(pk=zone.pk).exists()
    assert list(Event.objects.filter(user=admin_user).exclude(action="auth.login").order_by("id")
                .values_list("action", "outcome")) == [
        ("host.delete", "success"), ("primary_storage.delete", "success"), ("cluster.delete", "success"),
        ("pod.delete", "success"), ("secondary_storage.delete", "success")]


def test_a_pod_with_clusters_and_a_cluster_with_hosts_are_refused(admin_client, zone):
    refused(admin_client, "pod", Pod.objects.get(), "Pod zone1-pod still has clusters: delete them first.")
    refused(admin_client, "cluster", Cluster.objects.get(),
            "Cluster zone1-cluster still has hosts or primary storage: delete them first.")
    Host.objects.all().delete()
    refused(admin_client, "cluster", Cluster.objects.get(),
            "Cluster zone1-cluster still has hosts or primary storage: delete them first.")
    assert Event.objects.filter(action="cluster.delete", outcome="failure").count() == 2


def test_the_last_host_and_storage_of_an_enabled_zone_are_refused(admin_client, zone):
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Enabled")
    refused(admin_client, "host", Host.objects.get(),
            "Host zone1-host is the last host of zone zone1, which is Enabled: disable the zone first.")
    refused(admin_client, "primary-storage", PrimaryStorage.objects.get(),
            "Primary storage zone1-primary is the last of zone zone1, which is Enabled: disable the zone first.")
    refused(admin_client, "secondary-storage", SecondaryStorage.objects.get(),
            "Secondary storage nfs://127.0.0.1/export/zone1 is the last of zone zone1, which is Enabled")
    # A second host may go.
    Host.objects.create(cluster=Cluster.objects.get(), host_name="spare", username="root", password="x")
    assert admin_client.post(url("host", Host.objects.get(host_name="zone1-host"))).status_code == 302


def test_secondary_storage_of_an_enabled_zone_goes_with_its_locations_and_a_new_scan(admin_client, zone):
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Enabled")
    first = SecondaryStorage.objects.get()
    second = SecondaryStorage.objects.create(zone=zone, server="127.0.0.1", path="/export/second")
    template = make_template(5)
    location = make_location(template, zone)
    TemplateLocation.objects.filter(pk=location.pk).update(secondary_storage=first)
    with mock.patch("zones.hooks.secondary_storage_changed") as changed:
        assert admin_client.post(url("secondary-storage", first)).status_code == 302
    changed.assert_called_once()
    assert list(SecondaryStorage.objects.all()) == [second] and not TemplateLocation.objects.exists()


def test_secondary_storage_is_refused_while_the_zone_is_busy(admin_client, zone):
    SecondaryStorage.objects.create(zone=zone, server="127.0.0.1", path="/export/second")
    make_transfer(make_template(5), zone, state=Transfer.State.QUEUED)
    refused(admin_client, "secondary-storage", SecondaryStorage.objects.order_by("id").first(),
            "Zone zone1 cannot be changed now: 1 transfer or scan of it is queued or running.")


def test_unknown_kinds_and_ids_are_404(admin_client, zone):
    assert admin_client.get(f"/zones/router/{Pod.objects.get().pk}/delete/").status_code == 404
    assert admin_client.get("/zones/pod/99999/delete/").status_code == 404
    assert admin_client.post("/zones/host/99999/delete/").status_code == 404


def test_the_rule_reads_the_zone_again_when_deleting(zone):
    # The page was loaded while the zone was Disabled; it was enabled since.
    host = Host.objects.select_related("cluster__pod__zone").get()
    Zone.objects.filter(pk=zone.pk).update(allocation_state="Enabled")
    with pytest.raises(inventory.RemovalRefused):
        inventory.delete_host(host)
    assert Host.objects.filter(pk=host.pk).exists()
