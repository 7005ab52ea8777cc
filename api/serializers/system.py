"""ConfigurationResponse, AsyncJobResponse, EventResponse,
CapabilitiesResponse, HypervisorResponse, AlertResponse and
VlanIpRangeResponse (CloudStack 4.19.0.0), plus our transfer listing."""
import ipaddress
import uuid
from dataclasses import dataclass

from cloudadmin.models import Event

from ..registry import OWN_PREFIX
from ..responses import CLOUDSTACK_VERSION
from cloudadmin import messages

from . import BOOLEAN, DATE, INTEGER, OBJECT, STRING, Field, attr, english_attr, response, uuid_of
from .identity import NAMESPACE, ROOT_DOMAIN_ID, account_id, event_uuid
from .infrastructure import BASE


def user_uuid(user_pk) -> str | None:
    return None if user_pk is None else str(uuid.uuid5(NAMESPACE, f"user/{user_pk}"))


def _display_text(name: str) -> str:
    # CloudStack derives it from the name: swift.sync.interval -> Swift sync interval.
    words = name.replace("-", ".").split(".")
    return " ".join([words[0].capitalize(), *words[1:]])


CONFIGURATION = response(
    "ConfigurationResponse", *BASE,
    Field("category", STRING, attr("category")),
    Field("group", STRING, default="Miscellaneous"),
    Field("subgroup", STRING, default="Others"),
    Field("name", STRING, attr("name")),
    Field("value", STRING, attr("value", blank_is_none=False)),
    Field("defaultvalue", STRING, attr("default", blank_is_none=False)),
    Field("scope", STRING, default="Global"),
    Field("id", INTEGER, attr("pk")),
    Field("description", STRING, attr("description")),
    Field("isdynamic", BOOLEAN, lambda row: not row.requires_restart),
    Field("component", STRING, default="management-server"),
    Field("parent", STRING),
    Field("displaytext", STRING, lambda row: _display_text(row.name), note="from the name: Swift sync interval"),
    Field("type", STRING, lambda row: row.get_type_display()),
    Field("options", STRING, default=""),  # none of ours has a fixed list of values
    Field(f"{OWN_PREFIX}pendingvalue", STRING,
          lambda row: row.pending_value if row.has_pending_change else None),
)

ASYNC_JOB = response(
    "AsyncJobResponse",
    # BaseResponse's jobid and jobstatus are the job's own here.
    Field("jobid", STRING, lambda job: str(job.id)),
    Field("jobstatus", INTEGER, attr("status", blank_is_none=False)),
    Field("accountid", STRING, default=account_id(2)),
    Field("account", STRING, default="admin"),
    Field("domainid", STRING, default=ROOT_DOMAIN_ID),
    Field("domainpath", STRING, default="ROOT"),
    Field("userid", STRING, lambda job: user_uuid(job.user_id), note="a fixed UUID per admin user"),
    Field("cmd", STRING, attr("command")),
    Field("jobprocstatus", INTEGER, default=0),
    Field("jobresultcode", INTEGER, attr("result_code")),
    Field("jobresulttype", STRING, lambda job: "object" if job.status else None),
    Field("jobresult", OBJECT, lambda job: (job.result or {}) if job.status else None),
    Field("jobinstancetype", STRING, attr("instance_type")),
    Field("jobinstanceid", STRING, attr("instance_id")),
    Field("managementserverid", STRING),
    Field("created", DATE, attr("created")),
    Field("completed", DATE, attr("completed")),
)


def _resource_type(event: Event) -> str:
    return event.action.split(".")[0].replace("_", " ").title().replace(" ", "")


EVENT = response(
    "EventResponse", *BASE,
    Field("id", STRING, lambda event: event_uuid(event.pk), note="`00000000-0000-4000-8000-` and the event number in hex"),
    Field("username", STRING, lambda event: event.username or "system"),
    Field("type", STRING, lambda event: event.action.upper(), note="our event action in capitals, e.g. ZONE.CREATE"),
    Field("level", STRING, lambda event: "INFO" if event.outcome == Event.Outcome.SUCCESS else "ERROR"),
    Field("description", STRING, lambda event: messages.english(event.detail) or event.target or event.action),
    Field("account", STRING, default="admin"),
    Field("projectid", STRING),
    Field("project", STRING),
    Field("domainid", STRING, default=ROOT_DOMAIN_ID),
    Field("domain", STRING, default="ROOT"),
    Field("resourceid", STRING),
    Field("resourcetype", STRING, _resource_type),
    Field("resourcename", STRING, attr("target")),
    Field("created", DATE, attr("created")),
    Field("state", STRING, default="Completed"),
    Field("parentid", STRING),
    Field("archived", BOOLEAN, default=False),
    Field(f"{OWN_PREFIX}outcome", STRING, attr("outcome")),
)

# Serialized from a dict of the values we know (see api/commands/infrastructure.py).
CAPABILITIES = response(
    "CapabilitiesResponse", *BASE,
    Field("securitygroupsenabled", BOOLEAN, lambda caps: caps["securitygroupsenabled"]),
    Field("dynamicrolesenabled", BOOLEAN, default=True),
    Field("cloudstackversion", STRING, default=CLOUDSTACK_VERSION),
    Field("userpublictemplateenabled", BOOLEAN, default=True),
    Field("supportELB", STRING, default="false"),
    Field("projectinviterequired", BOOLEAN, default=False),
    Field("allowusercreateprojects", BOOLEAN, default=True),
    Field("customdiskofferingminsize", INTEGER, default=1),
    Field("customdiskofferingmaxsize", INTEGER, default=1024),
    Field("regionsecondaryenabled", BOOLEAN, lambda caps: caps["regionsecondaryenabled"]),
    Field("apilimitinterval", INTEGER),  # only while api.throttling.enabled
    Field("kvmsnapshotenabled", BOOLEAN, default=False),
    Field("apilimitmax", INTEGER),
    Field("allowuserviewdestroyedvm", BOOLEAN, default=False),
    Field("allowuserexpungerecovervm", BOOLEAN, default=False),
    Field("allowuserexpungerecovervolume", BOOLEAN, default=True),
    Field("allowuserviewalldomainaccounts", BOOLEAN, default=False),
    Field("kubernetesserviceenabled", BOOLEAN, default=False),
    Field("kubernetesclusterexperimentalfeaturesenabled", BOOLEAN, default=False),
    Field("customhypervisordisplayname", STRING, default="Custom"),
    Field("defaultuipagesize", INTEGER, default=20),
    Field("instancesstatsretentiontime", INTEGER, default=720),
    Field("instancesstatsuseronly", BOOLEAN, default=False),
    Field("instancesdisksstatsretentionenabled", BOOLEAN, default=False),
    Field("instancesdisksstatsretentiontime", INTEGER, default=720),
    Field(f"{OWN_PREFIX}swiftenabled", BOOLEAN, lambda caps: caps["swiftenabled"]),
)

# What CloudStack's synchronous deletes answer (SuccessResponse): not in
# SPECS, it has no field we cannot know.
SUCCESS = response(
    "SuccessResponse",
    Field("success", BOOLEAN, lambda _done: True),
    Field("displaytext", STRING),
)

HYPERVISOR = response(
    "HypervisorResponse", *BASE,
    Field("name", STRING, lambda name: name),
)

def _cidr(pod) -> str:
    return str(ipaddress.ip_network(f"{pod.guest_gateway}/{pod.guest_netmask}", strict=False))


# A Basic zone's guest range of one pod (the only VLAN IP ranges we keep).
VLAN_IP_RANGE = response(
    "VlanIpRangeResponse", *BASE,
    Field("id", STRING, lambda pod: str(uuid.uuid5(pod.uuid, "guestrange"))),
    Field("forvirtualnetwork", BOOLEAN, default=False),
    Field("zoneid", STRING, lambda pod: uuid_of(pod.zone)),
    Field("vlan", STRING, default="vlan://untagged"),
    Field("account", STRING),
    Field("domainid", STRING, default=ROOT_DOMAIN_ID),
    Field("domain", STRING, default="ROOT"),
    Field("podid", STRING, uuid_of),
    Field("podname", STRING, attr("name")),
    Field("description", STRING),
    Field("gateway", STRING, attr("guest_gateway")),
    Field("netmask", STRING, attr("guest_netmask")),
    Field("cidr", STRING, _cidr),
    Field("startip", STRING, attr("guest_start_ip")),
    Field("endip", STRING, attr("guest_end_ip")),
    Field("networkid", STRING),
    Field("projectid", STRING),
    Field("project", STRING),
    Field("physicalnetworkid", STRING),
    Field("startipv6", STRING),
    Field("endipv6", STRING),
    Field("ip6gateway", STRING),
    Field("ip6cidr", STRING),
    Field("forsystemvms", BOOLEAN, default=False),
)

TRANSFER = response(
    f"{OWN_PREFIX}Transfer",
    Field("id", STRING, uuid_of),
    Field("templateid", STRING, lambda transfer: uuid_of(transfer.template)),
    Field(f"{OWN_PREFIX}templateid", INTEGER, attr("template_id")),
    Field("direction", STRING, attr("direction")),
    Field("zoneid", STRING, lambda transfer: uuid_of(transfer.zone)),
    Field("zonename", STRING, attr("zone.name")),
    Field("state", STRING, attr("state")),
    Field("bytestotal", INTEGER, attr("bytes_total", blank_is_none=False)),
    Field("bytesdone", INTEGER, attr("bytes_done", blank_is_none=False)),
    Field("percent", INTEGER, attr("percent", blank_is_none=False)),
    Field("rate", INTEGER, lambda transfer: round(transfer.rate)),
    Field("attempts", INTEGER, attr("attempts", blank_is_none=False)),
    Field("lasterror", STRING, english_attr("last_error")),
    Field("created", DATE, attr("created")),
    Field("started", DATE, attr("started")),
    Field("finished", DATE, attr("finished")),
)



@dataclass
class UploadParams:
    template: object
    post_url: str
    signed: dict  # metadata, expires, signature (storage.catalog.uploads.post_params)


UPLOAD_PARAMS = response(
    "GetUploadParamsResponse", *BASE,
    Field("id", STRING, lambda params: uuid_of(params.template)),
    Field("postURL", STRING, attr("post_url")),
    Field("metadata", STRING, lambda params: params.signed["metadata"]),
    Field("expires", STRING, lambda params: params.signed["expires"]),
    Field("signature", STRING, lambda params: params.signed["signature"]),
)

SPECS = (CONFIGURATION, ASYNC_JOB, EVENT, CAPABILITIES, HYPERVISOR, VLAN_IP_RANGE, UPLOAD_PARAMS)
