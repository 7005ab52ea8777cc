"""The zone inventory: the one place that writes zones, pods, clusters,
hosts, primary storage and a zone's secondary storage. The wizard's Launch
(zones.wizard) and the API's create commands (api/commands/zones.py,
imagestores.py) call it with values their forms validated; they record
their own events (the wizard one for the whole zone, the API one per call).
Each function runs in the caller's transaction."""
from __future__ import annotations

from django.db import transaction

from storage.models import SecondaryStorage

from . import hooks
from .models import Cluster, Host, Pod, PrimaryStorage, Zone


def create_zone(*, name, network_type, dns1, internal_dns1, hypervisor, dns2="", internal_dns2="",
                network_domain="", guest_cidr="") -> Zone:
    """A new zone, Disabled."""
    return Zone.objects.create(
        name=name, network_type=network_type, dns1=dns1, dns2=dns2 or None, internal_dns1=internal_dns1,
        internal_dns2=internal_dns2 or None, hypervisor=hypervisor, network_domain=network_domain,
        guest_cidr=guest_cidr)


def create_pod(zone: Zone, *, name, gateway, netmask, start_ip, end_ip, guest: dict | None = None) -> Pod:
    """A pod; `guest` is a Basic zone's guest range (guest_gateway,
    guest_netmask, guest_start_ip, guest_end_ip)."""
    guest = guest or {}
    return Pod.objects.create(
        zone=zone, name=name, gateway=gateway, netmask=netmask, start_ip=start_ip, end_ip=end_ip,
        guest_gateway=guest.get("guest_gateway"), guest_netmask=guest.get("guest_netmask"),
        guest_start_ip=guest.get("guest_start_ip"), guest_end_ip=guest.get("guest_end_ip"))


def set_guest_range(pod: Pod, *, guest_gateway, guest_netmask, guest_start_ip, guest_end_ip) -> None:
    """The guest IP range of a pod of a Basic zone, added after the pod."""
    Pod.objects.filter(pk=pod.pk).update(guest_gateway=guest_gateway, guest_netmask=guest_netmask,
                                         guest_start_ip=guest_start_ip, guest_end_ip=guest_end_ip)


def create_cluster(pod: Pod, *, name, hypervisor) -> Cluster:
    return Cluster.objects.create(pod=pod, name=name, hypervisor=hypervisor)


def create_host(cluster: Cluster, *, host_name, username, password) -> Host:
    """A host (inventory only: it is never contacted); the password is encrypted."""
    return Host.objects.create(cluster=cluster, host_name=host_name, username=username, password=password)


def create_primary_storage(cluster: Cluster, *, name, protocol, server, path) -> PrimaryStorage:
    return PrimaryStorage.objects.create(cluster=cluster, name=name, protocol=protocol, server=server, path=path)


def create_secondary_storage(zone: Zone, *, server, path, **state) -> SecondaryStorage:
    """The zone's NFS secondary storage. Once the transaction commits, a
    worker checks the share and sets the store Up or Down. `state`: what a
    check already found (state, state_reason, last_checked)."""
    store = SecondaryStorage.objects.create(zone=zone, server=server, path=path, **state)
    transaction.on_commit(lambda: hooks.check_store(store.pk), robust=True)
    return store
