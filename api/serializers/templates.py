"""TemplateResponse (CloudStack 4.19.0.0; base classes BaseResponse,
BaseResponseWithAnnotations, BaseResponseWithTagInformation). One answer
is one template in one zone: serialize a `TemplateInZone`."""
from dataclasses import dataclass

from cloudadmin import messages
from storage.models import Template, TemplateLocation

from ..registry import OWN_PREFIX
from . import BOOLEAN, DATE, INTEGER, LIST, MAP, STRING, Field, response, uuid_of
from .identity import ROOT_DOMAIN_ID, account_id, account_name, guest_os_category_id, guest_os_id
from .infrastructure import ANNOTATED

# CloudStack's guest OS of a template without one (Edit template sets it).
DEFAULT_GUEST_OS = "Other (64-bit)"
# CloudStack's seeded templates in account 1's folder (template/tmpl/1/<id>):
# the system VM templates and the built-in CentOS ones. Anything else is USER.
BUILT_IN_TYPES = {1: "SYSTEM", 2: "BUILTIN", 3: "SYSTEM", 4: "BUILTIN", 5: "BUILTIN", 7: "BUILTIN",
                  8: "SYSTEM", 9: "SYSTEM"}
# The hypervisor a format implies, for templates found on NFS without one.
FORMAT_HYPERVISORS = {"vhd": "XenServer", "qcow2": "KVM", "raw": "KVM", "ova": "VMware"}
# CloudStack's status text of a template on a zone's secondary storage.
LOCATION_STATUS = {TemplateLocation.State.READY: "Download Complete",
                   TemplateLocation.State.MISSING: "Not found on secondary storage"}


@dataclass
class TemplateInZone:
    template: Template
    location: TemplateLocation | None  # None: only in Swift


def _registered(template: Template) -> bool:
    try:
        return template.registration is not None
    except Template.registration.RelatedObjectDoesNotExist:
        return False


def is_public(template: Template) -> bool:
    """template.properties' public, else (not yet downloaded) the registration's."""
    if "public" in template.properties:
        return template.properties["public"] == "true"
    return _registered(template) and template.registration.public


def template_type(template: Template) -> str:
    if template.account_id == 1 and not _registered(template):
        return BUILT_IN_TYPES.get(template.pk, "USER")
    return "USER"


def hypervisor(template: Template) -> str:
    return (template.properties.get("hypervisor")
            or FORMAT_HYPERVISORS.get((template.format or "").lower(), "None"))


def _status(item: TemplateInZone):
    location = item.location
    if location is None:
        return None
    return LOCATION_STATUS.get(location.state, messages.english(location.reason) or location.state)


def _t(get):
    return lambda item: get(item.template)


TEMPLATE = response(
    "TemplateResponse", *ANNOTATED,
    Field("tags", LIST, default=[]),
    Field("id", STRING, _t(uuid_of)),
    Field("name", STRING, _t(lambda t: t.name or f"T-{t.pk}")),
    Field("displaytext", STRING, _t(lambda t: t.description or t.name or f"T-{t.pk}")),
    Field("ispublic", BOOLEAN, _t(is_public)),
    Field("created", DATE, _t(lambda t: t.created)),
    Field("removed", DATE),
    Field("isready", BOOLEAN, lambda item: item.location is not None
          and item.location.state == TemplateLocation.State.READY),
    Field("passwordenabled", BOOLEAN, _t(lambda t: t.password_enabled)),
    Field("format", STRING, _t(lambda t: (t.format or "").upper() or None)),
    Field("bootable", BOOLEAN, default=True),
    Field("isfeatured", BOOLEAN, _t(lambda t: t.featured)),
    Field("crossZones", BOOLEAN, _t(lambda t: t.cross_zones)),
    Field("ostypeid", STRING, _t(lambda t: uuid_of(t.os_type) or guest_os_id(DEFAULT_GUEST_OS)),
          note=f'its OS type, else "{DEFAULT_GUEST_OS}" ({guest_os_id(DEFAULT_GUEST_OS)})'),
    Field("ostypename", STRING, _t(lambda t: t.os_type.name if t.os_type else DEFAULT_GUEST_OS),
          note=f'its OS type, else "{DEFAULT_GUEST_OS}"'),
    Field("accountid", STRING, _t(lambda t: account_id(t.account_id)), note="a fixed UUID per account name"),
    Field("account", STRING, _t(lambda t: account_name(t.account_id)),
          note='"admin" for NFS folder `tmpl/2/` (Register template), else "system"'),
    Field("zoneid", STRING, lambda item: uuid_of(item.location.zone) if item.location else None),
    Field("zonename", STRING, lambda item: item.location.zone.name if item.location else None),
    Field("status", STRING, _status),
    Field("size", INTEGER, _t(lambda t: t.virtual_size or t.size), note="virtualsize, else the image size"),
    Field("physicalsize", INTEGER, _t(lambda t: t.size)),
    Field("templatetype", STRING, _t(template_type),
          note='"USER", except CloudStack\'s built-in ids in `tmpl/1/` not registered here: 1, 3, 8, 9 "SYSTEM" and 2, 4, 5, 7 "BUILTIN"'),
    Field("hypervisor", STRING, _t(hypervisor),
          note="template.properties\' hypervisor, else from the format: VHD XenServer, QCOW2 and RAW KVM, OVA VMware"),
    Field("domain", STRING, default="ROOT"),
    Field("domainid", STRING, default=ROOT_DOMAIN_ID),
    Field("isextractable", BOOLEAN, _t(lambda t: t.extractable)),
    Field("checksum", STRING, _t(lambda t: t.checksum or None)),
    Field("sourcetemplateid", STRING),
    Field("hostid", STRING),
    Field("hostname", STRING),
    Field("templatetag", STRING),
    Field("projectid", STRING),
    Field("project", STRING),
    Field("details", MAP),
    Field("bits", INTEGER, default=64),
    Field("sshkeyenabled", BOOLEAN, default=False),
    Field("isdynamicallyscalable", BOOLEAN, default=False),
    Field("directdownload", BOOLEAN, default=False),
    Field("deployasis", BOOLEAN, default=False),
    Field("parenttemplateid", STRING),
    Field("childtemplates", LIST),
    Field("requireshvm", BOOLEAN, default=True),
    Field("properties", LIST),
    Field(f"{OWN_PREFIX}templateid", INTEGER, _t(lambda t: t.pk)),
    Field(f"{OWN_PREFIX}swiftstate", STRING, _t(lambda t: t.swift_state)),
    Field(f"{OWN_PREFIX}swiftcontainer", STRING, _t(lambda t: t.swift_container)),
    Field(f"{OWN_PREFIX}zonestate", STRING, lambda item: item.location.state if item.location else None),
)

# GuestOSResponse: one of CloudStack's guest OS list (storage.GuestOsType).
GUEST_OS = response(
    "GuestOSResponse",
    Field("jobid", STRING),
    Field("jobstatus", INTEGER),
    Field("id", STRING, uuid_of),
    Field("oscategoryid", STRING, lambda os: guest_os_category_id(os.category),
          note="a fixed UUID per category name"),
    Field("oscategoryname", STRING, lambda os: os.category),
    Field("name", STRING, lambda os: os.name),
    Field("description", STRING, lambda os: os.name),
    # A String in CloudStack's class, so "false" and not false.
    Field("isuserdefined", STRING, default="false"),
)


@dataclass
class Extraction:
    """extractTemplate's answer: a template, its Download link, the zone asked."""

    template: Template
    url: str
    created: object
    zone: object = None


# ExtractResponse: a Download link (extractTemplate, mode HTTP_DOWNLOAD).
EXTRACT = response(
    "ExtractResponse",
    Field("jobid", STRING),
    Field("jobstatus", INTEGER),
    Field("id", STRING, lambda e: uuid_of(e.template)),
    Field("name", STRING, lambda e: e.template.name or f"T-{e.template.pk}"),
    Field("extractId", STRING),
    Field("uploadpercentage", INTEGER),
    Field("status", STRING),
    Field("accountid", STRING, lambda e: account_id(e.template.account_id)),
    Field("resultstring", STRING),
    Field("created", DATE, lambda e: e.created),
    Field("state", STRING, default="DOWNLOAD_URL_CREATED"),
    Field("storagetype", STRING),
    Field("zoneid", STRING, lambda e: uuid_of(e.zone)),
    Field("zonename", STRING, lambda e: e.zone.name if e.zone else None),
    Field("extractMode", STRING, default="HTTP_DOWNLOAD"),
    Field("url", STRING, lambda e: e.url),
)

SPECS = (TEMPLATE, GUEST_OS, EXTRACT)
