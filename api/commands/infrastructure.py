"""The read-only commands an admin's tools call first: listCapabilities,
listPods, listClusters, listHosts, listStoragePools, listVlanIpRanges,
listHypervisors, listEvents (our audit log) and listAlerts (none)."""
from datetime import datetime, time

from django.db.models import Q
from django.utils import timezone

from cloudadmin import config
from cloudadmin.models import Event
from storage.models import SwiftStore
from zones.models import Cluster, Host, Pod, PrimaryStorage, Zone

from ..registry import BOOLEAN, CHOICE, ID, Param, command, list_payload
from ..responses import CS_INVALID_PARAMETER_VALUE, PARAM_ERROR, ApiError
from ..serializers.identity import event_pk
from ..serializers.infrastructure import CLUSTER, HOST, POD, STORAGE_POOL
from ..serializers.system import CAPABILITIES, EVENT, HYPERVISOR, VLAN_IP_RANGE

HYPERVISORS = tuple(Zone.Hypervisor.values)


def _filtered(rows, **lookups):
    """Apply each lookup whose value was given."""
    return rows.filter(**{field: value for field, value in lookups.items() if value is not None})


@command("listCapabilities")
def list_capabilities(user):
    """Lists the capabilities of this management server."""
    return {"capability": CAPABILITIES.serialize({
        "securitygroupsenabled": Zone.objects.filter(network_type=Zone.NetworkType.BASIC).exists(),
        # Templates live in one region-wide store once Swift is configured.
        "regionsecondaryenabled": SwiftStore.objects.exists(),
        "swiftenabled": bool(config.value("enable.swift")),
    })}


@command("listPods", Param("id", ID, model="zones.Pod"), Param("name"), Param("zoneid", ID),
         Param("allocationstate", CHOICE, choices=("Enabled", "Disabled")), is_list=True)
def list_pods(user, id=None, name=None, zoneid=None, allocationstate=None, keyword=None, **paging):
    """Lists pods."""
    pods = _filtered(Pod.objects.select_related("zone").order_by("zone__name", "name"),
                     pk=id, name__iexact=name, zone_id=zoneid, name__icontains=keyword)
    if allocationstate == "Disabled":
        pods = pods.none()  # a pod is always Enabled here
    return list_payload("pod", pods, paging, describe=POD.serialize)


@command("listClusters", Param("id", ID, model="zones.Cluster"), Param("name"), Param("zoneid", ID),
         Param("podid", ID), Param("hypervisor", CHOICE, choices=HYPERVISORS),
         Param("clustertype", CHOICE, choices=("CloudManaged", "ExternalManaged")), is_list=True)
def list_clusters(user, id=None, name=None, zoneid=None, podid=None, hypervisor=None, clustertype=None,
                  keyword=None, **paging):
    """Lists clusters."""
    clusters = _filtered(Cluster.objects.select_related("pod__zone").order_by("pod__zone__name", "name"),
                         pk=id, name__iexact=name, pod__zone_id=zoneid, pod_id=podid, hypervisor=hypervisor,
                         name__icontains=keyword)
    if clustertype == "ExternalManaged":
        clusters = clusters.none()
    return list_payload("cluster", clusters, paging, describe=CLUSTER.serialize)


@command("listHosts", Param("id", ID, model="zones.Host"), Param("name"), Param("zoneid", ID), Param("podid", ID),
         Param("clusterid", ID), Param("type"), Param("hypervisor", CHOICE, choices=HYPERVISORS), is_list=True)
def list_hosts(user, id=None, name=None, zoneid=None, podid=None, clusterid=None, type=None, hypervisor=None,
               keyword=None, **paging):
    """Lists hosts (inventory only: never contacted)."""
    hosts = _filtered(Host.objects.select_related("cluster__pod__zone").order_by("host_name", "pk"),
                      pk=id, host_name__iexact=name, cluster__pod__zone_id=zoneid, cluster__pod_id=podid,
                      cluster_id=clusterid, cluster__hypervisor=hypervisor, host_name__icontains=keyword)
    if type is not None and type.lower() != "routing":
        hosts = hosts.none()  # only hypervisor hosts are kept
    return list_payload("host", hosts, paging, describe=HOST.serialize)


@command("listStoragePools", Param("id", ID, model="zones.PrimaryStorage"), Param("name"), Param("zoneid", ID),
         Param("podid", ID), Param("clusterid", ID), Param("ipaddress"), Param("path", max_length=1024),
         is_list=True)
def list_storage_pools(user, id=None, name=None, zoneid=None, podid=None, clusterid=None, ipaddress=None,
                       path=None, keyword=None, **paging):
    """Lists primary storage."""
    pools = _filtered(PrimaryStorage.objects.select_related("cluster__pod__zone").order_by("name", "pk"),
                      pk=id, name__iexact=name, cluster__pod__zone_id=zoneid, cluster__pod_id=podid,
                      cluster_id=clusterid, server=ipaddress, path=path, name__icontains=keyword)
    return list_payload("storagepool", pools, paging, describe=STORAGE_POOL.serialize)


@command("listVlanIpRanges", Param("id", max_length=64), Param("zoneid", ID), Param("podid", ID),
         Param("forvirtualnetwork", BOOLEAN), Param("vlan"), is_list=True)
def list_vlan_ip_ranges(user, id=None, zoneid=None, podid=None, forvirtualnetwork=None, vlan=None, keyword=None,
                        **paging):
    """Lists VLAN IP ranges: the guest ranges of Basic zones' pods."""
    pods = _filtered(Pod.objects.select_related("zone").filter(guest_gateway__isnull=False)
                     .order_by("zone__name", "name"), zone_id=zoneid, pk=podid)
    if forvirtualnetwork or (vlan is not None and vlan.lower() not in ("untagged", "vlan://untagged")):
        pods = pods.none()  # no virtual-network (public) ranges here
    items = [VLAN_IP_RANGE.serialize(pod) for pod in pods]
    if id is not None:
        items = [item for item in items if item["id"] == id.strip().lower()]
    if keyword:
        items = [item for item in items if keyword in item["startip"] or keyword in item["endip"]]
    return list_payload("vlaniprange", items, paging)


@command("listHypervisors", Param("zoneid", ID))
def list_hypervisors(user, zoneid=None):
    """Lists the hypervisors clusters may have (a zone's: those of its clusters)."""
    names = HYPERVISORS
    if zoneid is not None:
        used = set(Cluster.objects.filter(pod__zone_id=zoneid).values_list("hypervisor", flat=True))
        names = [name for name in HYPERVISORS if name in used]
    return list_payload("hypervisor", [HYPERVISOR.serialize(name) for name in names], {})


def _date(command_name: str, param: str, text: str, end: bool = False):
    """CloudStack's yyyy-MM-dd or yyyy-MM-dd HH:mm:ss, in the server's time zone."""
    for form in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            moment = datetime.strptime(text.strip(), form)
        except ValueError:
            continue
        if form == "%Y-%m-%d" and end:
            moment = datetime.combine(moment.date(), time.max)
        return timezone.make_aware(moment)
    raise ApiError(PARAM_ERROR, f"Unable to execute API command {command_name.lower()} due to invalid value. "
                                f"Invalid parameter {param} value={text[:64]}: use yyyy-MM-dd or "
                                "yyyy-MM-dd HH:mm:ss", CS_INVALID_PARAMETER_VALUE)


@command("listEvents", Param("id", max_length=64), Param("type", max_length=64),
         Param("level", CHOICE, choices=("INFO", "WARN", "ERROR")), Param("startdate", max_length=32),
         Param("enddate", max_length=32), is_list=True)
def list_events(user, id=None, type=None, level=None, startdate=None, enddate=None, keyword=None, **paging):
    """Lists events: the audit log, newest first."""
    events = Event.objects.order_by("-created", "-pk")
    if id is not None:
        events = events.filter(pk=event_pk(id)) if event_pk(id) is not None else events.none()
    if type:
        events = events.filter(action__iexact=type)
    if level is not None:
        events = events.filter(outcome=Event.Outcome.SUCCESS if level == "INFO" else Event.Outcome.FAILURE)
        if level == "WARN":
            events = events.none()
    if startdate:
        events = events.filter(created__gte=_date("listEvents", "startdate", startdate))
    if enddate:
        events = events.filter(created__lte=_date("listEvents", "enddate", enddate, end=True))
    if keyword:
        events = events.filter(Q(detail__icontains=keyword) | Q(target__icontains=keyword)
                               | Q(action__icontains=keyword))
    return list_payload("event", events, paging, describe=EVENT.serialize)


@command("listAlerts", Param("id", max_length=64), Param("type", max_length=64), Param("name"), is_list=True)
def list_alerts(user, id=None, type=None, name=None, keyword=None, **paging):
    """Lists alerts: none are raised here (failures are events and transfer errors)."""
    return list_payload("alert", [], paging)
