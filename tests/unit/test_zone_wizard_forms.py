"""The wizard's step forms: the rules that need the other steps or the database."""
import pytest

from tests.swift_setup_helpers import put_enable_swift_in_effect
from zones import forms
from zones.models import Zone, ZoneWizardDraft

pytestmark = pytest.mark.django_db

ZONE = {"name": "zone1", "dns1": "8.8.8.8", "dns2": "", "internal_dns1": "10.0.0.2", "internal_dns2": "",
        "hypervisor": "KVM", "network_domain": "cs1cloud.internal"}
POD = {"name": "pod1", "gateway": "192.168.10.1", "netmask": "255.255.255.0",
       "start_ip": "192.168.10.100", "end_ip": "192.168.10.150"}


def draft(admin_user, **data):
    return ZoneWizardDraft.objects.create(user=admin_user, data=data)


def test_duplicate_zone_name_case_insensitive(admin_user):
    Zone.objects.create(name="Zone1", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1", hypervisor="KVM")
    form = forms.ZoneForm({**ZONE, "name": "ZONE1"}, draft=draft(admin_user))
    assert not form.is_valid()
    assert "already exists" in form.errors["name"][0]
    assert forms.ZoneForm({**ZONE, "name": "zone2"}, draft=draft(admin_user)).is_valid()


def test_zone_dns_and_domain_rules(admin_user):
    form = forms.ZoneForm({**ZONE, "dns1": "", "internal_dns1": "300.1.1.1", "dns2": "224.0.0.5",
                           "network_domain": "bad_domain"}, draft=draft(admin_user))
    assert not form.is_valid()
    assert set(form.errors) == {"dns1", "internal_dns1", "dns2", "network_domain"}


def test_guest_cidr_only_for_advanced(admin_user):
    basic = forms.ZoneForm(ZONE, draft=draft(admin_user, type={"network_type": "Basic"}))
    assert "guest_cidr" not in basic.fields and basic.is_valid()
    advanced = forms.ZoneForm(ZONE, draft=draft(admin_user, type={"network_type": "Advanced"}))
    assert not advanced.is_valid() and "guest_cidr" in advanced.errors
    advanced = forms.ZoneForm({**ZONE, "guest_cidr": "10.1.1.7/24"}, draft=draft(admin_user, type={"network_type": "Advanced"}))
    assert not advanced.is_valid() and "did you mean 10.1.1.0/24" in advanced.errors["guest_cidr"][0]


def test_pod_rules_reach_the_fields(admin_user):
    form = forms.PodForm({**POD, "gateway": "192.168.11.1"}, draft=draft(admin_user))
    assert not form.is_valid()
    assert "outside the gateway's subnet" in form.errors["start_ip"][0]
    form = forms.PodForm({**POD, "netmask": "255.0.255.0"}, draft=draft(admin_user))
    assert not form.is_valid() and "contiguous" in form.errors["netmask"][0]


def test_pod_must_not_overlap_the_guest_cidr(admin_user):
    d = draft(admin_user, type={"network_type": "Advanced"}, zone={**ZONE, "guest_cidr": "192.168.0.0/16"})
    form = forms.PodForm(POD, draft=d)
    assert not form.is_valid() and "overlaps the zone's guest CIDR" in form.errors["gateway"][0]


GUEST = {"guest_gateway": "192.168.10.1", "guest_netmask": "255.255.255.0",
         "guest_start_ip": "192.168.10.151", "guest_end_ip": "192.168.10.200"}


def test_guest_range_next_to_pod_range_is_fine(admin_user):
    assert forms.GuestNetworkForm(GUEST, draft=draft(admin_user, pod=POD)).is_valid()


@pytest.mark.parametrize("start,end", [("192.168.10.150", "192.168.10.200"), ("192.168.10.2", "192.168.10.100"),
                                       ("192.168.10.120", "192.168.10.130"), ("192.168.10.2", "192.168.10.254")])
def test_guest_range_overlapping_pod_range(admin_user, start, end):
    form = forms.GuestNetworkForm({**GUEST, "guest_start_ip": start, "guest_end_ip": end}, draft=draft(admin_user, pod=POD))
    assert not form.is_valid()
    assert "overlaps the pod's reserved system range 192.168.10.100-192.168.10.150" in form.errors["guest_start_ip"][0]


def test_guest_gateway_inside_pod_range(admin_user):
    form = forms.GuestNetworkForm({**GUEST, "guest_gateway": "192.168.10.120"}, draft=draft(admin_user, pod=POD))
    assert not form.is_valid() and "lies in the pod's reserved system range" in form.errors["guest_gateway"][0]


def test_guest_range_containing_pod_gateway(admin_user):
    pod = {**POD, "gateway": "192.168.10.180"}
    form = forms.GuestNetworkForm({**GUEST, "guest_gateway": "192.168.10.1"}, draft=draft(admin_user, pod=pod))
    assert not form.is_valid() and "contains the pod's gateway 192.168.10.180" in form.errors["guest_start_ip"][0]


def test_guest_range_own_rules(admin_user):
    form = forms.GuestNetworkForm({**GUEST, "guest_end_ip": "192.168.10.160", "guest_start_ip": "192.168.10.170"},
                                  draft=draft(admin_user, pod=POD))
    assert not form.is_valid() and "comes before the start IP" in form.errors["guest_end_ip"][0]


def test_host_password_required_then_kept(admin_user):
    d = draft(admin_user)
    form = forms.HostForm({"host_name": "10.0.0.20", "username": "root", "password": ""}, draft=d)
    assert not form.is_valid() and "password" in form.errors
    d.host_password = "s3cret"
    form = forms.HostForm({"host_name": "10.0.0.20", "username": "root", "password": ""}, draft=d)
    assert form.is_valid() and "password" not in form.values()
    form = forms.HostForm({"host_name": "bad host", "username": "root", "password": "x"}, draft=d)
    assert not form.is_valid() and "host_name" in form.errors


def test_host_password_never_rendered_back(admin_user):
    form = forms.HostForm({"host_name": "10.0.0.20", "username": "root", "password": "s3cret-value"}, draft=draft(admin_user))
    assert "s3cret-value" not in form.as_p()


def test_primary_storage_nfs_needs_a_server(admin_user):
    form = forms.PrimaryStorageForm({"name": "ps1", "protocol": "NFS", "server": "", "path": "/export/primary"},
                                    draft=draft(admin_user))
    assert not form.is_valid() and "server" in form.errors
    form = forms.PrimaryStorageForm({"name": "ps1", "protocol": "SharedMountPoint", "server": "x",
                                     "path": "/mnt/primary/"}, draft=draft(admin_user))
    assert form.is_valid() and form.cleaned_data["server"] == "" and form.cleaned_data["path"] == "/mnt/primary"


def test_secondary_storage_labels_and_rules(admin_user):
    form = forms.SecondaryStorageForm({"nfs_server": "127.0.0.1", "path": "relative"}, draft=draft(admin_user))
    assert form.fields["nfs_server"].label == "NFS Server" and form.fields["path"].label == "Path"
    assert not form.is_valid() and "absolute path" in form.errors["path"][0]
    form = forms.SecondaryStorageForm({"nfs_server": "127.0.0.1", "path": "/export/secondary/"}, draft=draft(admin_user))
    assert form.is_valid() and form.values() == {"nfs_server": "127.0.0.1", "path": "/export/secondary"}


def test_swift_confirmation_required_while_swift_could_still_be_added(admin_user):
    put_enable_swift_in_effect("false")
    form = forms.ZoneTypeForm({"network_type": "Basic"}, draft=draft(admin_user))
    assert not form.swift_warning and "confirm_no_swift" not in form.fields and form.is_valid()

    put_enable_swift_in_effect("true")
    form = forms.ZoneTypeForm({"network_type": "Basic"}, draft=draft(admin_user))
    assert form.swift_warning and not form.is_valid()
    assert "Tick the confirmation" in form.errors["confirm_no_swift"][0]
    assert forms.ZoneTypeForm({"network_type": "Basic", "confirm_no_swift": "on"}, draft=draft(admin_user)).is_valid()

    # Once a zone exists Swift can no longer be added anyway: no warning.
    Zone.objects.create(name="z", network_type="Basic", dns1="8.8.8.8", internal_dns1="10.0.0.1", hypervisor="KVM")
    assert not forms.ZoneTypeForm({"network_type": "Basic"}, draft=draft(admin_user)).swift_warning
