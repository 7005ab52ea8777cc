"""createZone, listZones, updateZone, createPod, addCluster, addHost and
createStoragePool: the records of the zone wizard, validated by its forms
and written by the zone inventory (zones.inventory), as Launch does."""
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction

from cloudadmin import events
from cloudadmin.messages import coded
from zones import forms as wizard_forms
from zones import inventory, swift_first, wizard
from zones.models import Cluster, Host, Pod, PrimaryStorage, Zone

from ..registry import BOOLEAN, CHOICE, ID, OWN_PREFIX, Param, command, list_payload
from ..responses import CS_INVALID_PARAMETER_VALUE, PARAM_ERROR, ApiError
from ..serializers.infrastructure import CLUSTER, HOST, POD, STORAGE_POOL, ZONE
from ..serializers.system import VLAN_IP_RANGE
from .forms import not_found, validated

NETWORK_TYPES = tuple(Zone.NetworkType.values)
HYPERVISORS = tuple(Zone.Hypervisor.values)
STATES = tuple(Zone.AllocationState.values)


def zone_response(zone: Zone) -> dict:
    return ZONE.serialize(zone)


def _zone(command_name, zoneid, param="zoneid") -> Zone:
    zone = Zone.objects.filter(pk=zoneid).first()
    if zone is None:
        raise not_found(command_name, param, zoneid)
    return zone


def _name_taken(command_name, what, name) -> ApiError:
    return ApiError(PARAM_ERROR, f"A {what} named {name} already exists (names are compared without case).",
                    CS_INVALID_PARAMETER_VALUE)


@command("createZone",
         Param("name", required=True, max_length=64), Param("dns1", required=True),
         Param("internaldns1", required=True), Param("networktype", CHOICE, required=True, choices=NETWORK_TYPES),
         Param("dns2"), Param("internaldns2"), Param("domain"), Param("guestcidraddress"),
         Param(f"{OWN_PREFIX}hypervisor", CHOICE, choices=HYPERVISORS),
         Param(f"{OWN_PREFIX}confirmnoswift", BOOLEAN))
def create_zone(user, name, dns1, internaldns1, networktype, dns2="", internaldns2="", domain="",
                guestcidraddress="", **ours):
    """Creates a zone (Disabled), with the wizard's zone rules."""
    confirm = ours.get(f"{OWN_PREFIX}confirmnoswift", False)
    if swift_first.creating_a_zone_locks_out_swift() and not confirm:
        # The wizard's warning, with the API's way to go on.
        raise ApiError(PARAM_ERROR, "enable.swift is in effect and no Swift is configured: once a zone exists, "
                                    "Swift can never be added. Add Swift first (addSwift), or pass "
                                    f"{OWN_PREFIX}confirmnoswift=true to create the zone anyway.",
                       CS_INVALID_PARAMETER_VALUE)
    kind = validated("createZone", wizard_forms.ZoneTypeForm(
        {"network_type": networktype, "confirm_no_swift": "on" if confirm else ""}))
    values = validated("createZone", wizard_forms.ZoneForm({
        "name": name, "dns1": dns1, "dns2": dns2, "internal_dns1": internaldns1, "internal_dns2": internaldns2,
        "hypervisor": ours.get(f"{OWN_PREFIX}hypervisor") or Zone.Hypervisor.XENSERVER,
        "network_domain": domain, "guest_cidr": guestcidraddress,
    }, steps={"type": {"network_type": kind["network_type"]}}))
    try:
        with transaction.atomic():
            zone = inventory.create_zone(
                name=values["name"], network_type=kind["network_type"], dns1=values["dns1"], dns2=values["dns2"],
                internal_dns1=values["internal_dns1"], internal_dns2=values["internal_dns2"],
                hypervisor=values["hypervisor"], network_domain=values["network_domain"],
                guest_cidr=values.get("guest_cidr", ""))
            events.record("zone.create", user=user, target=zone.name,
                          detail=coded("%(network)s, %(hypervisor)s; Disabled (API)", network=zone.network_type,
                                       hypervisor=zone.hypervisor))
    except IntegrityError:
        raise _name_taken("createZone", "zone", name) from None
    return {"zone": zone_response(zone)}


@command("listZones", Param("id", ID, model="zones.Zone"), Param("name"), Param("available", BOOLEAN), is_list=True)
def list_zones(user, id=None, name=None, available=None, keyword=None, **paging):
    """Lists zones."""
    zones = Zone.objects.all()
    if id is not None:
        zones = zones.filter(pk=id)
    if name:
        zones = zones.filter(name__iexact=name)
    if keyword:
        zones = zones.filter(name__icontains=keyword)
    return list_payload("zone", [zone_response(zone) for zone in zones], paging)


# updateZone's parameter -> Edit zone's field.
EDIT_FIELDS = {"name": "name", "dns1": "dns1", "dns2": "dns2", "internaldns1": "internal_dns1",
               "internaldns2": "internal_dns2", "domain": "network_domain"}


@command("updateZone", Param("id", ID, required=True, model="zones.Zone"),
         Param("allocationstate", CHOICE, choices=STATES), Param("name", max_length=64), Param("dns1"),
         Param("dns2"), Param("internaldns1"), Param("internaldns2"), Param("domain"))
def update_zone(user, id, allocationstate=None, **given):
    """Edits a zone (Edit zone's fields and rules), then enables or disables
    it; enabling starts its templates' copy to Swift."""
    zone = _zone("updateZone", id, "id")
    given = {EDIT_FIELDS[param]: value for param, value in given.items() if value is not None}
    with transaction.atomic():  # both or neither
        if given:  # an empty value clears an optional field, as in Edit zone
            values = validated("updateZone", wizard_forms.ZoneEditForm(
                {**wizard_forms.ZoneEditForm.values_of(zone), **given}, zone=zone))
            try:
                inventory.edit_zone(zone.pk, values, user=user, via=" (API)")
            except inventory.NameTaken:
                raise _name_taken("updateZone", "zone", values["name"]) from None
            zone.refresh_from_db()
        if allocationstate is not None:
            try:
                zone = wizard.set_allocation(zone.pk, allocationstate, user=user)
            except wizard.AllocationUnchanged:
                pass  # already so: CloudStack answers the zone as it is
    return {"zone": zone_response(zone)}


def pod_response(pod: Pod) -> dict:
    return POD.serialize(pod)


@command("createPod", Param("zoneid", ID, required=True), Param("name", required=True, max_length=64),
         Param("gateway", required=True), Param("netmask", required=True), Param("startip", required=True),
         Param("endip", required=True))
def create_pod(user, zoneid, name, gateway, netmask, startip, endip):
    """Creates a pod, with the wizard's reserved system range rules."""
    zone = _zone("createPod", zoneid)
    values = validated("createPod", wizard_forms.PodForm(
        {"name": name, "gateway": gateway, "netmask": netmask, "start_ip": startip, "end_ip": endip},
        steps={"type": {"network_type": zone.network_type}, "zone": {"guest_cidr": zone.guest_cidr}}))
    if zone.pods.filter(name__iexact=values["name"]).exists():
        raise _name_taken("createPod", "pod in this zone", values["name"])
    try:
        with transaction.atomic():
            pod = inventory.create_pod(zone, name=values["name"], gateway=values["gateway"],
                                       netmask=values["netmask"], start_ip=values["start_ip"],
                                       end_ip=values["end_ip"])
            events.record("pod.create", user=user, target=f"{zone.name}/{pod.name}",
                          detail=coded("%(start)s-%(end)s (API)", start=pod.start_ip, end=pod.end_ip))
    except IntegrityError:
        raise _name_taken("createPod", "pod in this zone", name) from None
    return {"pod": pod_response(pod)}


def _pod(command_name, zoneid, podid) -> Pod:
    pod = Pod.objects.select_related("zone").filter(pk=podid).first()
    if pod is None or (zoneid is not None and pod.zone_id != zoneid):
        raise not_found(command_name, "podid", podid)
    return pod


def cluster_response(cluster: Cluster) -> dict:
    return CLUSTER.serialize(cluster)


@command("addCluster", Param("zoneid", ID, required=True), Param("podid", ID, required=True),
         Param("clustername", required=True, max_length=64),
         Param("hypervisor", CHOICE, required=True, choices=HYPERVISORS),
         Param("clustertype", CHOICE, choices=("CloudManaged", "ExternalManaged")))
def add_cluster(user, zoneid, podid, clustername, hypervisor, clustertype=None):
    """Adds a cluster to a pod."""
    pod = _pod("addCluster", zoneid, podid)
    values = validated("addCluster", wizard_forms.ClusterForm({"name": clustername}),
                       names={"name": "clustername"})
    if pod.clusters.filter(name__iexact=values["name"]).exists():
        raise _name_taken("addCluster", "cluster in this pod", values["name"])
    try:
        with transaction.atomic():
            cluster = inventory.create_cluster(pod, name=values["name"], hypervisor=hypervisor)
            events.record("cluster.create", user=user, target=f"{pod.zone.name}/{pod.name}/{cluster.name}",
                          detail=coded("%(hypervisor)s (API)", hypervisor=hypervisor))
    except IntegrityError:
        raise _name_taken("addCluster", "cluster in this pod", clustername) from None
    return {"count": 1, "cluster": [cluster_response(cluster)]}


def host_response(host: Host) -> dict:
    return HOST.serialize(host)


def _cluster(command_name, zoneid, podid, clusterid) -> Cluster:
    cluster = Cluster.objects.select_related("pod__zone").filter(pk=clusterid).first()
    if cluster is None or (podid is not None and cluster.pod_id != podid) or (
            zoneid is not None and cluster.pod.zone_id != zoneid):
        raise not_found(command_name, "clusterid", clusterid)
    return cluster


def _url_host(url: str) -> str:
    """The host of `http://host` (CloudStack's form), or the text itself."""
    text = url.strip()
    if "://" in text:
        try:
            return urlsplit(text).hostname or ""
        except ValueError:
            return ""
    return text


@command("addHost", Param("zoneid", ID, required=True), Param("podid", ID, required=True),
         Param("clusterid", ID, required=True), Param("url", required=True, max_length=300),
         Param("username", required=True, max_length=128), Param("password", required=True, max_length=1024),
         Param("hypervisor", CHOICE, required=True, choices=HYPERVISORS))
def add_host(user, zoneid, podid, clusterid, url, username, password, hypervisor):
    """Adds a host to a cluster (inventory only). The password is never returned."""
    cluster = _cluster("addHost", zoneid, podid, clusterid)
    if hypervisor != cluster.hypervisor:
        raise ApiError(PARAM_ERROR, f"The host's hypervisor {hypervisor} is not the cluster's ({cluster.hypervisor}).",
                       CS_INVALID_PARAMETER_VALUE)
    values = validated("addHost", wizard_forms.HostForm(
        {"host_name": _url_host(url), "username": username, "password": password}))
    with transaction.atomic():
        host = inventory.create_host(cluster, host_name=values["host_name"], username=values["username"],
                                     password=password)
        events.record("host.create", user=user, target=host.host_name,
                      detail=coded("cluster %(cluster)s (API)", cluster=cluster.name))
    return {"count": 1, "host": [host_response(host)]}


def storage_pool_response(pool: PrimaryStorage) -> dict:
    return STORAGE_POOL.serialize(pool)


@command("createStoragePool", Param("zoneid", ID, required=True), Param("podid", ID, required=True),
         Param("clusterid", ID, required=True), Param("name", required=True, max_length=64),
         Param("url", required=True, max_length=1300))
def create_storage_pool(user, zoneid, podid, clusterid, name, url):
    """Adds primary storage to a cluster: nfs://server/path or SharedMountPoint:///path."""
    cluster = _cluster("createStoragePool", zoneid, podid, clusterid)
    try:
        parsed = urlsplit(url.strip())
    except ValueError:
        parsed = None
    scheme = (parsed.scheme.lower() if parsed else "")
    if scheme not in ("nfs", "sharedmountpoint"):
        raise ApiError(PARAM_ERROR, "url must be nfs://server/path or SharedMountPoint:///path.",
                       CS_INVALID_PARAMETER_VALUE)
    protocol = PrimaryStorage.Protocol.NFS if scheme == "nfs" else PrimaryStorage.Protocol.SHARED_MOUNT_POINT
    values = validated("createStoragePool", wizard_forms.PrimaryStorageForm(
        {"name": name, "protocol": protocol, "server": (parsed.hostname or "") if parsed else "",
         "path": parsed.path if parsed else ""}))
    with transaction.atomic():
        pool = inventory.create_primary_storage(cluster, name=values["name"], protocol=values["protocol"],
                                                server=values["server"], path=values["path"])
        events.record("primary_storage.create", user=user, target=pool.url,
                      detail=coded("cluster %(cluster)s (API)", cluster=cluster.name))
    return {"storagepool": storage_pool_response(pool)}


@command("createVlanIpRange", Param("podid", ID, required=True), Param("gateway", required=True),
         Param("netmask", required=True), Param("startip", required=True), Param("endip", required=True),
         Param("zoneid", ID), Param("forvirtualnetwork", BOOLEAN))
def create_vlan_ip_range(user, podid, gateway, netmask, startip, endip, zoneid=None, forvirtualnetwork=False):
    """A Basic zone's guest IP range of a pod (the wizard's Guest network step)."""
    pod = _pod("createVlanIpRange", zoneid, podid)
    if pod.zone.network_type != Zone.NetworkType.BASIC or forvirtualnetwork:
        raise ApiError(PARAM_ERROR, "Only the guest range of a pod in a Basic zone can be created here "
                                    "(forvirtualnetwork=false).", CS_INVALID_PARAMETER_VALUE)
    if pod.guest_gateway:
        raise ApiError(PARAM_ERROR, f"Pod {pod.name} already has a guest IP range.", CS_INVALID_PARAMETER_VALUE)
    values = validated("createVlanIpRange", wizard_forms.GuestNetworkForm(
        {"guest_gateway": gateway, "guest_netmask": netmask, "guest_start_ip": startip, "guest_end_ip": endip},
        steps={"pod": {"gateway": pod.gateway, "netmask": pod.netmask, "start_ip": pod.start_ip,
                       "end_ip": pod.end_ip}}),
        names={"guest_gateway": "gateway", "guest_netmask": "netmask", "guest_start_ip": "startip",
               "guest_end_ip": "endip"})
    with transaction.atomic():
        inventory.set_guest_range(
            pod, guest_gateway=values["guest_gateway"], guest_netmask=values["guest_netmask"],
            guest_start_ip=values["guest_start_ip"], guest_end_ip=values["guest_end_ip"])
        events.record("pod.guest_range", user=user, target=f"{pod.zone.name}/{pod.name}",
                      detail=coded("%(start)s-%(end)s (API)", start=values["guest_start_ip"],
                                   end=values["guest_end_ip"]))
    return {"vlan": VLAN_IP_RANGE.serialize(Pod.objects.select_related("zone").get(pk=pod.pk))}
