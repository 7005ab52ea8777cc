"""The zone inventory: the one place that writes zones, pods, clusters,
hosts, primary storage and a zone's secondary storage, and removes them.
The wizard's Launch (zones.wizard), the zone pages (zones.views) and the
API's commands (api/commands/) call it with values their forms validated.
Creations run in the caller's transaction and the caller records the event
(the wizard one for the whole zone, the API one per call); removals check
their rule, run in their own transaction and record their event, or raise
RemovalRefused with the reason."""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from cloudadmin import events, messages
from cloudadmin.messages import Message, coded, coded_plural
from storage.models import SecondaryStorage, Template, TemplateLocation, TemplateRegistration, Transfer, ZoneScan

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


def create_secondary_storage(zone: Zone, *, server, path, user=None, **state) -> SecondaryStorage:
    """The zone's NFS secondary storage. Once the transaction commits, a
    worker checks the share and sets the store Up or Down. `state`: what a
    check already found (state, state_reason, last_checked)."""
    store = SecondaryStorage.objects.create(zone=zone, server=server, path=path, **state)
    transaction.on_commit(lambda: hooks.check_store(store.pk), robust=True)
    if zone.is_enabled:  # scanned, and templates copied both ways, as when a zone is enabled
        hooks.secondary_storage_changed(zone, user=user)
    return store


# --- removal -----------------------------------------------------------------
# Each rule (`*_removal_refusal`) answers a RemovalRefused with the reason
# (English in the API, coded in the audit log, translated on the pages), or
# None when the record may go.
ZONE_ENABLED = coded("Zone %(name)s is Enabled: disable it first (only a Disabled zone can be deleted).")
ZONE_BUSY = coded_plural(
    "Zone %(name)s cannot be changed now: %(count)d transfer or scan of it is queued or running. "
    "Wait for it to end, or cancel it.",
    "Zone %(name)s cannot be changed now: %(count)d transfers or scans of it are queued or running. "
    "Wait for them to end, or cancel them.", "count")
POD_HAS_CLUSTERS = coded("Pod %(name)s still has clusters: delete them first.")
CLUSTER_NOT_EMPTY = coded("Cluster %(name)s still has hosts or primary storage: delete them first.")
LAST_HOST = coded("Host %(name)s is the last host of zone %(zone)s, which is Enabled: disable the zone first.")
LAST_PRIMARY = coded("Primary storage %(name)s is the last of zone %(zone)s, which is Enabled: disable the zone first.")
LAST_SECONDARY = coded("Secondary storage %(name)s is the last of zone %(zone)s, which is Enabled: "
                       "disable the zone first.")


# Edit zone's fields -> how the audit names them.
ZONE_FIELDS = {"name": coded("name"), "dns1": coded("first DNS server"), "dns2": coded("second DNS server"),
               "internal_dns1": coded("first internal DNS server"),
               "internal_dns2": coded("second internal DNS server"), "network_domain": coded("network domain")}
OPTIONAL_ADDRESSES = ("dns2", "internal_dns2")  # NULL when empty


class NameTaken(Exception):
    """Another zone took the name between the form's check and the save."""


def edit_zone(zone_id: int, values: dict, *, user=None, via="") -> list[str]:
    """Edit zone with ZoneEditForm's cleaned `values` (absent keys stay).
    Returns the fields that changed; records zone.edit when any did."""
    with transaction.atomic():
        zone = Zone.objects.select_for_update().get(pk=zone_id)
        old_name, changed = zone.name, []
        for field in ZONE_FIELDS:
            if field in values:
                value = values[field] or (None if field in OPTIONAL_ADDRESSES else "")
                if getattr(zone, field) != value:
                    setattr(zone, field, value)
                    changed.append(field)
        if not changed:
            return []
        try:
            with transaction.atomic():
                zone.save(update_fields=changed)
        except IntegrityError:  # the unique name, taken meanwhile
            raise NameTaken(zone.name) from None
        fields = messages.listed([ZONE_FIELDS[field] for field in changed])
        detail = (coded("changed %(fields)s (formerly %(old)s)%(via)s", fields=fields, old=old_name, via=via)
                  if "name" in changed else coded("changed %(fields)s%(via)s", fields=fields, via=via))
        events.record("zone.edit", user=user, target=zone.name, detail=detail)
    return changed


class RemovalRefused(messages.CodedError):
    """A removal its rule forbids: `reason`, a coded message above, with `values`."""

    def __init__(self, reason: Message, **values):
        super().__init__(messages.with_params(reason, **values))

    def stored(self, via: str = "") -> Message:
        """The refusal as an event stores it (in the reader's language when shown), `via` after it."""
        return coded("%(reason)s%(via)s", reason=self.text, via=via)


def busy_count(zone) -> int:
    """Transfers and scans of the zone that are queued or running."""
    return (Transfer.objects.filter(zone=zone, state__in=Transfer.ACTIVE_STATES).count()
            + ZoneScan.objects.filter(zone=zone, state__in=ZoneScan.ACTIVE_STATES).count())


def _busy_refusal(zone) -> RemovalRefused | None:
    count = busy_count(zone)
    return RemovalRefused(ZONE_BUSY, name=zone.name, count=count) if count else None


def zone_removal_refusal(zone) -> RemovalRefused | None:
    if zone.is_enabled:
        return RemovalRefused(ZONE_ENABLED, name=zone.name)
    return _busy_refusal(zone)


def _templates_only_here(zone):
    """Templates of the zone that no other zone holds and Swift does not:
    their rows go with the zone (the files stay on NFS, and a scan of the
    share finds them again)."""
    return (Template.objects.filter(locations__zone=zone, swift_state=Template.SwiftState.ABSENT)
            .exclude(locations__zone__in=Zone.objects.exclude(pk=zone.pk)).distinct().order_by("id"))


def zone_removal_plan(zone) -> dict:
    """Everything a zone's deletion removes: names of the records, and
    counts of what the zone's pages list."""
    clusters = Cluster.objects.filter(pod__zone=zone)
    return {
        "pods": list(zone.pods.values_list("name", flat=True)),
        "clusters": list(clusters.values_list("name", flat=True)),
        "hosts": list(Host.objects.filter(cluster__in=clusters).values_list("host_name", flat=True)),
        "primary_storages": [pool.url for pool in PrimaryStorage.objects.filter(cluster__in=clusters)],
        "secondary_storages": [store.url for store in zone.secondary_storages.order_by("id")],
        "templates_only_here": [str(template) for template in _templates_only_here(zone)],
        "template_locations": TemplateLocation.objects.filter(zone=zone).count(),
        "scans": ZoneScan.objects.filter(zone=zone).count(),
        "transfers": Transfer.objects.filter(zone=zone).count(),
        # A registration's record (its URL, its page) names the zone it was downloaded to.
        "registrations": TemplateRegistration.objects.filter(zone=zone).count(),
    }


def delete_zone(zone_id: int, *, user=None, via="") -> dict:
    """Delete a Disabled zone and every record under it, refused (with the
    reason, and a failure event) while it is Enabled or busy. Files on NFS
    and objects in Swift are never touched. Returns the removal plan."""
    try:
        with transaction.atomic():
            zone = Zone.objects.select_for_update().get(pk=zone_id)
            refused = zone_removal_refusal(zone)
            if refused:
                raise refused
            plan = zone_removal_plan(zone)
            _templates_only_here(zone).delete()
            zone.delete()  # cascades: pods... hosts, storage, locations, scans, finished transfers
            events.record("zone.delete", user=user, target=zone.name, detail=coded(
                "pods %(pods)s, clusters %(clusters)s, hosts %(hosts)s, primary storage %(primary)s, "
                "secondary storage %(secondary)s, template locations %(locations)s%(via)s",
                pods=len(plan["pods"]), clusters=len(plan["clusters"]), hosts=len(plan["hosts"]),
                primary=len(plan["primary_storages"]), secondary=len(plan["secondary_storages"]),
                locations=plan["template_locations"], via=via))
    except RemovalRefused as refused:
        events.record_failure("zone.delete", user=user, target=zone.name, detail=refused.stored(via))
        raise
    return plan


def _remove(action, record, zone, target, rule, *, user, via, also=None):
    """Delete `record` of `zone` unless rule() refuses, with also() first;
    record the event either way. The zone's row is locked and its state
    read again, so an Enable zone meanwhile (which locks it too) waits."""
    try:
        with transaction.atomic():
            zone.allocation_state = Zone.objects.select_for_update().values_list(
                "allocation_state", flat=True).get(pk=zone.pk)
            refused = rule()
            if refused:
                raise refused
            if also:
                also()
            record.delete()
            events.record(action, user=user, target=target, detail=via.strip(" ()"))
    except RemovalRefused as refused:
        events.record_failure(action, user=user, target=target, detail=refused.stored(via))
        raise


def pod_removal_refusal(pod) -> RemovalRefused | None:
    return RemovalRefused(POD_HAS_CLUSTERS, name=pod.name) if pod.clusters.exists() else None


def cluster_removal_refusal(cluster) -> RemovalRefused | None:
    if cluster.hosts.exists() or cluster.primary_storages.exists():
        return RemovalRefused(CLUSTER_NOT_EMPTY, name=cluster.name)
    return None


def host_removal_refusal(host) -> RemovalRefused | None:
    zone = host.cluster.pod.zone
    if zone.is_enabled and not Host.objects.filter(cluster__pod__zone=zone).exclude(pk=host.pk).exists():
        return RemovalRefused(LAST_HOST, name=host.host_name, zone=zone.name)
    return None


def primary_removal_refusal(pool) -> RemovalRefused | None:
    zone = pool.cluster.pod.zone
    if zone.is_enabled and not PrimaryStorage.objects.filter(cluster__pod__zone=zone).exclude(pk=pool.pk).exists():
        return RemovalRefused(LAST_PRIMARY, name=pool.name, zone=zone.name)
    return None


def secondary_removal_refusal(store) -> RemovalRefused | None:
    zone = store.zone
    if zone.is_enabled and not zone.secondary_storages.exclude(pk=store.pk).exists():
        return RemovalRefused(LAST_SECONDARY, name=store.url, zone=zone.name)
    return _busy_refusal(zone)


def delete_pod(pod, *, user=None, via=""):
    _remove("pod.delete", pod, pod.zone, f"{pod.zone.name}/{pod.name}", lambda: pod_removal_refusal(pod),
            user=user, via=via)


def delete_cluster(cluster, *, user=None, via=""):
    zone = cluster.pod.zone
    _remove("cluster.delete", cluster, zone, f"{zone.name}/{cluster.pod.name}/{cluster.name}",
            lambda: cluster_removal_refusal(cluster), user=user, via=via)


def delete_host(host, *, user=None, via=""):
    _remove("host.delete", host, host.cluster.pod.zone, host.host_name, lambda: host_removal_refusal(host),
            user=user, via=via)


def delete_primary_storage(pool, *, user=None, via=""):
    _remove("primary_storage.delete", pool, pool.cluster.pod.zone, pool.url,
            lambda: primary_removal_refusal(pool), user=user, via=via)


def delete_secondary_storage(store, *, user=None, via=""):
    """Remove a zone's secondary storage record (never its files). The
    zone's matrix loses what only that store held; an Enabled zone is
    scanned again, so its remaining storage gets the templates from Swift."""
    zone = store.zone

    def also():
        TemplateLocation.objects.filter(secondary_storage=store).delete()
        if zone.is_enabled:
            hooks.secondary_storage_changed(zone, user=user)
    _remove("secondary_storage.delete", store, zone, store.url, lambda: secondary_removal_refusal(store),
            user=user, via=via, also=also)


def add_secondary_storage(zone, *, server, path, checked_ok, message="", user=None, via="") -> SecondaryStorage:
    """Add Secondary Storage on a zone's page and in the API: the store, Up
    when its share check passed (else a worker checks it), and its event."""
    with transaction.atomic():
        store = create_secondary_storage(
            zone, server=server, path=path, user=user,
            state=SecondaryStorage.State.UP if checked_ok else SecondaryStorage.State.UNKNOWN,
            state_reason=message[:500], last_checked=timezone.now() if checked_ok else None)
        events.record("secondary_storage.add", user=user, target=store.url,
                      detail=coded("zone %(zone)s%(via)s", zone=zone.name, via=via))
    return store
