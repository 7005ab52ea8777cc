"""WizardLaunchView: Launch zone validates every step again and creates the
zone, pod, cluster, host, primary and secondary storage in one transaction."""
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from cloudadmin.messages import english, render
from cloudadmin.models import Event
from storage.models import SecondaryStorage
from tests.swift_setup_helpers import put_enable_swift_in_effect
from tests.zone_wizard_helpers import STEP_DATA, fill, mark_share_checked, start, step_url
from zones import forms, wizard
from zones.models import Cluster, Host, Pod, PrimaryStorage, Zone, ZoneWizardDraft

pytestmark = pytest.mark.django_db


def launch_url(draft):
    return reverse("zones:wizard_launch", args=[draft.pk])


@pytest.fixture
def ready(admin_client):
    """A draft with every step filled in and its share checked OK."""
    return mark_share_checked(fill(admin_client, start(admin_client)))


def nothing_created():
    return not any(m.objects.exists() for m in (Zone, Pod, Cluster, Host, PrimaryStorage, SecondaryStorage))


def test_review_shows_every_value_with_edit_links(admin_client, ready):
    body = admin_client.get(step_url(ready, "review")).content.decode()
    for value in ("zone1", "8.8.4.4", "cs1cloud.internal", "XenServer", "192.168.10.100", "192.168.10.151",
                  "cluster1", "192.168.10.20", "primary1", "/export/primary", "reachable, 2 templates found"):
        assert value in body, value
    assert STEP_DATA["host"]["password"] not in body and "saved (hidden)" in body
    for step in ("type", "zone", "pod", "guest-network", "cluster", "host", "primary-storage", "secondary-storage"):
        assert f'href="{step_url(ready, step)}"' in body
    assert ">Launch zone</button>" in body


def test_launch_creates_everything_disabled(admin_client, admin_user, ready):
    response = admin_client.post(launch_url(ready))
    zone = Zone.objects.get()
    assert response.status_code == 302 and response.url == reverse("zones:detail", args=[zone.pk])
    assert (zone.name, zone.network_type, zone.hypervisor, zone.allocation_state) == \
        ("zone1", "Basic", "XenServer", "Disabled")
    assert (zone.dns1, zone.dns2, zone.internal_dns1, zone.internal_dns2, zone.network_domain) == \
        ("8.8.8.8", "8.8.4.4", "192.168.10.2", None, "cs1cloud.internal")
    pod = zone.pods.get()
    assert (pod.gateway, pod.netmask, pod.start_ip, pod.end_ip) == \
        ("192.168.10.1", "255.255.255.0", "192.168.10.100", "192.168.10.150")
    assert (pod.guest_start_ip, pod.guest_end_ip) == ("192.168.10.151", "192.168.10.200")
    cluster = pod.clusters.get()
    assert (cluster.name, cluster.hypervisor) == ("cluster1", "XenServer")
    host = cluster.hosts.get()
    assert host.password == STEP_DATA["host"]["password"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM zones_host WHERE id = %s", [host.pk])
        assert STEP_DATA["host"]["password"] not in cursor.fetchone()[0]
    assert cluster.primary_storages.get().url == "nfs://192.168.10.5/export/primary"
    store = zone.secondary_storages.get()
    assert (store.url, store.state, english(store.state_reason)) == \
        ("nfs://127.0.0.1/export/secondary", "Up", "reachable, 2 templates found")
    assert not ZoneWizardDraft.objects.exists()
    event = Event.objects.get(action="zone.create")
    assert (event.outcome, event.user, event.target) == ("success", admin_user, "zone1")


def test_htmx_launch_redirects_the_page(admin_client, ready):
    response = admin_client.post(launch_url(ready), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("zones:detail", args=[Zone.objects.get().pk])


def test_launch_revalidates_and_sends_back_to_the_failing_step(admin_client, admin_user, ready):
    # Someone created a zone of the same name (other case) since step 2.
    Zone.objects.create(name="ZONE1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1", hypervisor="KVM")
    response = admin_client.post(launch_url(ready), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 400
    assert "Step 2 of 9" in body and "A zone named zone1 already exists" in body
    assert response["HX-Push-Url"] == step_url(ready, "zone")
    assert Zone.objects.count() == 1 and not Pod.objects.exists()
    ready.refresh_from_db()
    assert ready.current_step == "zone"  # a reload shows the failing step
    event = Event.objects.get(action="zone.create")
    assert (event.outcome, event.user) == ("failure", admin_user)
    assert english(event.detail) == "zone: name: A zone named zone1 already exists (names are compared without case)."


def test_launch_needs_the_share_checked(admin_client, ready):
    ready.share_check = {**ready.share_check, "status": "failed", "message": "Not mounted: ..."}
    ready.save()
    response = admin_client.post(launch_url(ready))
    assert response.status_code == 400
    assert "The share has not passed the check" in response.content.decode()
    assert "Step 8 of 9" in response.content.decode() and nothing_created()
    event = Event.objects.get(action="zone.create")  # coded: the Events page shows it in the reader's language
    assert english(event.detail) == "secondary-storage: The share has not passed the check: press Next to check it."
    with translation.override("ja"):
        japanese = render(event.detail)
    assert japanese.startswith("secondary-storage") and "The share" not in japanese


def test_swift_ordering_checked_again_at_launch(admin_client, ready):
    put_enable_swift_in_effect("true")  # in effect since the type step was saved
    response = admin_client.post(launch_url(ready))
    assert response.status_code == 400
    assert "Step 1 of 9" in response.content.decode() and "Tick the confirmation" in response.content.decode()
    assert nothing_created()


def test_a_database_failure_midway_leaves_no_partial_zone(admin_client, admin_user, ready):
    # A real constraint that refuses the primary storage row: the zone, pod,
    # cluster and host rows are already written when it fails.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE zones_primarystorage ADD CONSTRAINT test_refuse_all CHECK (false) NOT VALID")
    response = admin_client.post(launch_url(ready))
    body = response.content.decode()
    assert response.status_code == 409
    assert "The zone could not be created and nothing was saved" in body and "test_refuse_all" in body
    assert nothing_created()
    assert ZoneWizardDraft.objects.filter(pk=ready.pk).exists()  # nothing lost: launch again later
    event = Event.objects.get(action="zone.create")
    assert event.outcome == "failure" and "test_refuse_all" in event.detail


def test_advanced_zone_launch(admin_client):
    draft = fill(admin_client, start(admin_client), until="type", type={"network_type": "Advanced"})
    admin_client.post(step_url(draft, "zone"), {**STEP_DATA["zone"], "guest_cidr": "10.1.1.0/24"})
    for step in ("pod", "cluster", "host", "primary-storage"):
        assert admin_client.post(step_url(draft, step), STEP_DATA[step]).status_code == 302
    mark_share_checked(ZoneWizardDraft.objects.get(pk=draft.pk), status="unchecked", message="Not checked")
    assert admin_client.post(launch_url(draft)).status_code == 302
    zone = Zone.objects.get()
    assert (zone.network_type, zone.guest_cidr) == ("Advanced", "10.1.1.0/24")
    assert zone.pods.get().guest_start_ip is None
    assert zone.secondary_storages.get().state == "Unknown"


def test_launch_of_another_users_draft_is_refused(admin_client, ready, django_user_model):
    from django.test import Client

    other = django_user_model.objects.create_user("other", password="x", is_staff=True)
    client = Client()
    client.force_login(other)
    response = client.post(launch_url(ready))
    assert response.status_code == 302 and response.url == reverse("zones:list")
    assert nothing_created() and ZoneWizardDraft.objects.filter(pk=ready.pk).exists()


def test_the_wizard_url_after_launch_goes_to_the_zone(admin_client, ready):
    admin_client.post(launch_url(ready))
    zone = Zone.objects.get()
    for response in (admin_client.get(step_url(ready, "review"), follow=True),
                     admin_client.post(launch_url(ready), follow=True)):
        assert response.redirect_chain[-1][0] == reverse("zones:detail", args=[zone.pk])
        assert "This zone wizard was launched: it created zone zone1." in response.content.decode()
    assert Zone.objects.count() == 1
    # An htmx request (Next in a stale tab) moves the whole page.
    response = admin_client.post(step_url(ready, "zone"), STEP_DATA["zone"], HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("zones:detail", args=[zone.pk])


def test_name_taken_between_validation_and_insert_is_caught_by_the_constraint(admin_client, ready, monkeypatch):
    """The race the validation cannot see: another zone of the same name
    commits after the checks. The database's case-insensitive unique
    constraint refuses the insert; the operator is sent to the zone step."""
    monkeypatch.setattr(forms.ZoneForm, "clean_name", lambda self: self.cleaned_data["name"])
    Zone.objects.create(name="ZONE1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1", hypervisor="KVM")
    response = admin_client.post(launch_url(ready))
    assert response.status_code == 400
    body = response.content.decode()
    assert "Step 2 of 9" in body and "A zone named zone1 already exists" in body
    assert Zone.objects.count() == 1 and not Pod.objects.exists() and not SecondaryStorage.objects.exists()


def test_a_second_launch_of_the_same_draft(admin_client, ready):
    stale = ZoneWizardDraft.objects.get(pk=ready.pk)
    wizard.launch(ready)  # the first submit went through
    # The second submit had loaded the draft before the first one deleted it.
    with mock.patch("zones.views._draft", return_value=stale):
        response = admin_client.post(launch_url(stale), follow=True)
    assert "This zone wizard was already launched or discarded." in response.content.decode()
    assert Zone.objects.count() == 1
