"""registerTemplate: Register template's form and service
(storage.web.forms.TemplateRegisterForm, storage.catalog.registration) for
scripts written for CloudStack. The download runs in the worker; the
answer, like CloudStack's, is the new template at once, not yet ready.
zoneid=-1 (a cross-zone template, Ansible's cs_template cross_zones)
downloads into one zone, the first enabled one with secondary storage, and
the copy in Swift then goes to every enabled zone
(storage.transfers.replication), whatever swift.replicate.to.all.zones says."""
from django.db import transaction

from storage.catalog import registration
from storage.models import GuestOsType, TemplateLocation
from storage.web.forms import TemplateRegisterForm
from zones.models import Zone

from ..registry import BOOLEAN, ID, Param, command
from .forms import invalid_value, not_found, validated
from .templates import template_response

COMMAND = "registerTemplate"
# Register template's form field -> the API's parameter.
FORM_PARAMS = {"description": "displaytext", "zone": "zoneid", "public": "ispublic"}


@command(COMMAND, Param("name", required=True), Param("displaytext", max_length=4000),
         Param("url", required=True, max_length=2000), Param("zoneid", ID, required=True, all_zones=True),
         Param("format", required=True), Param("hypervisor", required=True), Param("checksum"),
         Param("ostypeid", ID, model="storage.GuestOsType"), Param("ispublic", BOOLEAN),
         Param("isfeatured", BOOLEAN), Param("isextractable", BOOLEAN), Param("passwordenabled", BOOLEAN))
def register_template(user, name, url, zoneid, format, hypervisor, displaytext="", checksum="", ostypeid=None,
                      ispublic=False, isfeatured=False, isextractable=False, passwordenabled=False):
    """Registers a template from an http(s) URL into a zone, or every zone; its download,
    copy to Swift and copies to the other zones follow (Register template's pipeline)."""
    cross_zones = zoneid == -1
    zone = _download_zone() if cross_zones else Zone.objects.filter(pk=zoneid).first()
    if zone is None:
        raise not_found(COMMAND, "zoneid", zoneid) if not cross_zones else invalid_value(
            COMMAND, "zoneid", zoneid, "no zone has secondary storage to download the template into")
    os_type = None
    if ostypeid is not None:
        os_type = GuestOsType.objects.filter(pk=ostypeid).first()
        if os_type is None:
            raise not_found(COMMAND, "ostypeid", ostypeid)
    hypervisors = {value.lower(): value for value in Zone.Hypervisor.values}
    form = TemplateRegisterForm({
        "name": name, "description": displaytext or name, "url": url, "zone": zone.pk, "format": format.lower(),
        "hypervisor": hypervisors.get(hypervisor.lower(), hypervisor), "checksum": checksum or "",
        "public": ispublic})
    data = validated(COMMAND, form, FORM_PARAMS)
    with transaction.atomic():
        registered = registration.register(
            name=data["name"], description=data["description"], url=data["url"], zone=data["zone"],
            format=data["format"], hypervisor=data["hypervisor"], checksum=data["checksum"], public=data["public"],
            user=user, os_type=os_type, featured=isfeatured, extractable=isextractable,
            password_enabled=passwordenabled, cross_zones=cross_zones)
    template = registered.template
    # Not yet in the zone: CloudStack answers the zone's entry, not ready.
    pending = TemplateLocation(template=template, zone=zone, state="", reason="Download queued")
    return {"count": 1, "template": [template_response(template, pending)]}


def _download_zone():
    """Where a cross-zone template is downloaded: the first enabled zone with
    secondary storage, else the first zone with secondary storage."""
    with_storage = Zone.objects.filter(secondary_storages__isnull=False).distinct().order_by("pk")
    return with_storage.filter(allocation_state=Zone.AllocationState.ENABLED).first() or with_storage.first()
