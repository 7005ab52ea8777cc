"""ZoneResponse, PodResponse, ClusterResponse, HostResponse,
StoragePoolResponse and ImageStoreResponse (org.apache.cloudstack.api.response,
CloudStack 4.19.0.0). Fields of the base classes come first: BaseResponse
(jobid, jobstatus) and BaseResponseWithAnnotations (hasannotations). Lists
of capacities (`capacity`) are only sent with showcapacities: never here."""
import uuid
from urllib.parse import urlsplit

from ..registry import OWN_PREFIX
from . import BOOLEAN, DATE, INTEGER, LIST, MAP, NUMBER, OBJECT, STRING, Field, attr, english_attr, response, uuid_of

# Only a job acting on the object sets these; never ours.
BASE = (Field("jobid", STRING), Field("jobstatus", INTEGER))
ANNOTATED = BASE + (Field("hasannotations", BOOLEAN, default=False),)


def _zone_token(zone) -> str:
    # CloudStack draws a random token per zone; ours is derived from the
    # zone's UUID so that it never changes.
    return str(uuid.uuid5(zone.uuid, "zonetoken"))


ZONE = response(
    "ZoneResponse", *ANNOTATED,
    Field("id", STRING, uuid_of),
    Field("name", STRING, attr("name")),
    Field("description", STRING),
    Field("dns1", STRING, attr("dns1")),
    Field("dns2", STRING, attr("dns2")),
    Field("ip6dns1", STRING),
    Field("ip6dns2", STRING),
    Field("internaldns1", STRING, attr("internal_dns1")),
    Field("internaldns2", STRING, attr("internal_dns2")),
    Field("guestcidraddress", STRING, attr("guest_cidr")),
    Field("displaytext", STRING, attr("name"), note="the name"),
    Field("domain", STRING, attr("network_domain")),
    Field("domainid", STRING),  # null for public zones
    Field("domainname", STRING),
    Field("networktype", STRING, attr("network_type")),
    Field("securitygroupsenabled", BOOLEAN, lambda zone: zone.network_type == "Basic"),
    Field("allocationstate", STRING, attr("allocation_state")),
    Field("zonetoken", STRING, _zone_token, note="a UUID derived from the zone's"),
    Field("dhcpprovider", STRING, default="VirtualRouter"),
    Field("capacity", LIST),  # only with showcapacities
    Field("localstorageenabled", BOOLEAN, default=False),
    Field("tags", LIST, default=[]),
    Field("resourcedetails", MAP),
    Field("icon", OBJECT),
    Field("allowuserspecifyvrmtu", BOOLEAN, default=False),
    Field("routerprivateinterfacemaxmtu", INTEGER, default=1500),
    Field("routerpublicinterfacemaxmtu", INTEGER, default=1500),
    Field("type", STRING, default="Core"),
    Field(f"{OWN_PREFIX}hypervisor", STRING, attr("hypervisor")),
)


def _pod_range(pod) -> dict:
    return {"startip": pod.start_ip, "endip": pod.end_ip, "forsystemvms": "0", "vlanid": "vlan://untagged"}


POD = response(
    "PodResponse", *ANNOTATED,
    Field("id", STRING, uuid_of),
    Field("name", STRING, attr("name")),
    Field("zoneid", STRING, lambda pod: uuid_of(pod.zone)),
    Field("zonename", STRING, attr("zone.name")),
    Field("gateway", STRING, attr("gateway")),
    Field("netmask", STRING, attr("netmask")),
    Field("ipranges", LIST, lambda pod: [_pod_range(pod)],
          note='the reserved system range, `forsystemvms` "0", `vlanid` "vlan://untagged"'),
    # Deprecated in 4.16 for ipranges, still sent.
    Field("startip", LIST, lambda pod: [pod.start_ip]),
    Field("endip", LIST, lambda pod: [pod.end_ip]),
    Field("forsystemvms", LIST, lambda pod: ["0"]),
    Field("vlanid", LIST, lambda pod: ["vlan://untagged"]),
    Field("allocationstate", STRING, default="Enabled"),
    Field("capacity", LIST),
)

CLUSTER = response(
    "ClusterResponse", *ANNOTATED,
    Field("id", STRING, uuid_of),
    Field("name", STRING, attr("name")),
    Field("podid", STRING, lambda cluster: uuid_of(cluster.pod)),
    Field("podname", STRING, attr("pod.name")),
    Field("zoneid", STRING, lambda cluster: uuid_of(cluster.pod.zone)),
    Field("zonename", STRING, attr("pod.zone.name")),
    Field("hypervisortype", STRING, attr("hypervisor")),
    Field("clustertype", STRING, default="CloudManaged"),
    Field("allocationstate", STRING, default="Enabled"),
    Field("managedstate", STRING, default="Managed"),
    Field("capacity", LIST),
    Field("cpuovercommitratio", STRING, default="1.0"),
    Field("memoryovercommitratio", STRING, default="1.0"),
    Field("ovm3vip", STRING),
    Field("resourcedetails", MAP, default={"cpuOvercommitRatio": "1.0", "memoryOvercommitRatio": "1.0"}),
)

HOST = response(
    "HostResponse", *ANNOTATED,
    Field("id", STRING, uuid_of),
    Field("name", STRING, attr("host_name")),
    # Inventory only: the hypervisor is never contacted.
    Field("state", STRING, default="Unknown"),
    Field("disconnected", DATE),
    Field("type", STRING, default="Routing"),
    Field("oscategoryid", STRING),
    Field("oscategoryname", STRING),
    Field("ipaddress", STRING, attr("host_name")),
    Field("zoneid", STRING, lambda host: uuid_of(host.cluster.pod.zone)),
    Field("zonename", STRING, attr("cluster.pod.zone.name")),
    Field("podid", STRING, lambda host: uuid_of(host.cluster.pod)),
    Field("podname", STRING, attr("cluster.pod.name")),
    Field("version", STRING),
    Field("hypervisor", STRING, attr("cluster.hypervisor")),
    Field("cpusockets", INTEGER, default=0),
    Field("cpunumber", INTEGER, default=0),
    Field("cpuspeed", INTEGER, default=0),
    Field("cpuallocated", STRING, default="0%"),
    Field("cpuallocatedvalue", INTEGER, default=0),
    Field("cpuallocatedpercentage", STRING, default="0%"),
    Field("cpuallocatedwithoverprovisioning", STRING, default="0%"),
    Field("cpuused", STRING, default="0%"),
    Field("cpuwithoverprovisioning", STRING, default="0"),
    Field("cpuloadaverage", NUMBER, default=0.0),
    Field("networkkbsread", INTEGER, default=0),
    Field("networkkbswrite", INTEGER, default=0),
    Field("memorytotal", INTEGER, default=0),
    Field("memorywithoverprovisioning", STRING, default="0"),
    Field("memoryallocated", INTEGER, default=0),
    Field("memoryallocatedpercentage", STRING, default="0%"),
    Field("memoryallocatedbytes", INTEGER, default=0),
    Field("memoryused", INTEGER, default=0),
    Field("gpugroup", LIST),
    Field("disksizetotal", INTEGER, default=0),
    Field("disksizeallocated", INTEGER, default=0),
    Field("capabilities", STRING),
    Field("lastpinged", DATE),
    Field("managementserverid", STRING),
    Field("clusterid", STRING, lambda host: uuid_of(host.cluster)),
    Field("clustername", STRING, attr("cluster.name")),
    Field("clustertype", STRING, default="CloudManaged"),
    Field("islocalstorageactive", BOOLEAN, default=False),
    Field("created", DATE),
    Field("removed", DATE),
    Field("events", STRING),
    Field("hosttags", STRING),
    Field("hasenoughcapacity", BOOLEAN),
    Field("suitableformigration", BOOLEAN),
    Field("hostha", OBJECT, default={"haenable": False, "hastate": "Disabled"}),
    Field("outofbandmanagement", OBJECT, default={"enabled": False, "powerstate": "Disabled"}),
    Field("resourcestate", STRING, default="Enabled"),
    Field("hypervisorversion", STRING),
    Field("hahost", BOOLEAN, default=False),
    Field("details", MAP),  # never the username or password
    Field("annotation", STRING),
    Field("lastannotated", DATE),
    Field("username", STRING),  # who annotated the host, not its login
    Field("ueficapability", BOOLEAN, default=False),
    Field("encryptionsupported", BOOLEAN, default=False),
    Field(f"{OWN_PREFIX}inventoryonly", BOOLEAN, lambda host: True),
)

STORAGE_POOL = response(
    "StoragePoolResponse", *ANNOTATED,
    Field("id", STRING, uuid_of),
    Field("zoneid", STRING, lambda pool: uuid_of(pool.cluster.pod.zone)),
    Field("zonename", STRING, attr("cluster.pod.zone.name")),
    Field("podid", STRING, lambda pool: uuid_of(pool.cluster.pod)),
    Field("podname", STRING, attr("cluster.pod.name")),
    Field("name", STRING, attr("name")),
    Field("ipaddress", STRING, lambda pool: pool.server or "localhost", note='the server, "localhost" for SharedMountPoint'),
    Field("path", STRING, attr("path")),
    Field("created", DATE),
    Field("type", STRING, lambda pool: "NetworkFilesystem" if pool.protocol == "NFS" else "SharedMountPoint"),
    Field("clusterid", STRING, lambda pool: uuid_of(pool.cluster)),
    Field("clustername", STRING, attr("cluster.name")),
    Field("disksizetotal", INTEGER, default=0),
    Field("disksizeallocated", INTEGER, default=0),
    Field("disksizeused", INTEGER, default=0),
    Field("capacityiops", INTEGER),
    Field("allocatediops", INTEGER),
    Field("storagecustomstats", MAP),
    Field("tags", STRING),
    Field("istagarule", BOOLEAN, default=False),
    Field("state", STRING, default="Up"),
    Field("scope", STRING, default="CLUSTER"),
    Field("overprovisionfactor", STRING, default="2.0"),
    Field("hypervisor", STRING, attr("cluster.hypervisor")),
    Field("suitableformigration", BOOLEAN),
    Field("provider", STRING, default="DefaultPrimary"),
    Field("storagecapabilities", MAP),
)

# The zones' NFS secondary storage and the Swift are both image stores.
IMAGE_STORE = response(
    "ImageStoreResponse", *ANNOTATED,
    Field("id", STRING, uuid_of),
    Field("zoneid", STRING, lambda store: uuid_of(getattr(store, "zone", None))),
    Field("zonename", STRING, attr("zone.name")),
    Field("name", STRING, lambda store: store.url if hasattr(store, "zone") else "Swift"),
    Field("url", STRING, attr("url")),
    Field("protocol", STRING, lambda store: "nfs" if hasattr(store, "zone") else urlsplit(store.url).scheme),
    Field("providername", STRING, lambda store: "NFS" if hasattr(store, "zone") else "Swift"),
    Field("scope", STRING, lambda store: "ZONE" if hasattr(store, "zone") else "REGION"),
    Field("readonly", BOOLEAN, default=False),
    Field("disksizetotal", INTEGER),
    Field("disksizeused", INTEGER),
    Field("endpoint", STRING),  # S3 only
    Field("bucket", STRING),
    Field(f"{OWN_PREFIX}state", STRING, attr("state")),
    Field(f"{OWN_PREFIX}statereason", STRING, english_attr("state_reason")),
    Field(f"{OWN_PREFIX}authversion", STRING, attr("auth_version")),
    Field(f"{OWN_PREFIX}account", STRING, attr("account")),
    Field(f"{OWN_PREFIX}username", STRING, attr("username")),
    Field(f"{OWN_PREFIX}swiftversion", STRING,
          lambda store: None if hasattr(store, "zone") else (store.capabilities or {}).get("version") or ""),
    Field(f"{OWN_PREFIX}lastcontact", DATE, attr("last_contact")),
)

SPECS = (ZONE, POD, CLUSTER, HOST, STORAGE_POOL, IMAGE_STORE)
