"""listTemplates (a state per zone and for Swift) and our own transfer
listing and sync trigger."""
from django.db.models import Exists, OuterRef

from cloudadmin import messages
from storage.catalog import sync
from storage.models import Template, TemplateExclusion, TemplateLocation, Transfer, ZoneScan
from zones.models import Zone

from .. import jobs
from ..models import AsyncJob
from ..registry import CHOICE, ID, OWN_PREFIX, Param, command, list_payload
from ..responses import CS_INVALID_PARAMETER_VALUE, INTERNAL_ERROR, PARAM_ERROR, ApiError
from ..serializers.system import TRANSFER
from ..serializers.templates import TEMPLATE, TemplateInZone
from .forms import not_found

# CloudStack's filters. Every template here was found on secondary storage
# and is public to the admins, so each filter lists them all.
TEMPLATE_FILTERS = ("featured", "self", "selfexecutable", "sharedexecutable", "executable", "community", "all")


def template_response(template: Template, location: TemplateLocation | None) -> dict:
    return TEMPLATE.serialize(TemplateInZone(template, location))


@command("listTemplates", Param("templatefilter", CHOICE, required=True, choices=TEMPLATE_FILTERS),
         Param("id", ID, model="storage.Template"), Param("zoneid", ID), Param("name"), is_list=True)
def list_templates(user, templatefilter, id=None, zoneid=None, name=None, keyword=None, **paging):
    """Lists templates: one entry per zone that holds it, with its Swift state."""
    # Not a template deleted everywhere, nor in a zone it was deleted from.
    deleted_there = TemplateExclusion.objects.filter(template=OuterRef("template"), zone=OuterRef("zone"))
    locations = (TemplateLocation.objects.select_related("template", "zone").order_by("template_id", "zone__name")
                 .filter(template__deleted__isnull=True).exclude(Exists(deleted_there)))
    templates = Template.objects.filter(deleted__isnull=True)
    if id is not None:
        locations, templates = locations.filter(template_id=id), templates.filter(pk=id)
    if zoneid is not None:
        locations = locations.filter(zone_id=zoneid)
    if name:
        locations, templates = locations.filter(template__name__iexact=name), templates.filter(name__iexact=name)
    if keyword:
        locations = locations.filter(template__name__icontains=keyword)
        templates = templates.filter(name__icontains=keyword)
    items = [template_response(location.template, location) for location in locations]
    if zoneid is None:
        # Templates in Swift that no zone lists any more are still there.
        located = {location.template_id for location in locations}
        items += [template_response(t, None) for t in templates.exclude(pk__in=located)
                  .filter(swift_state=Template.SwiftState.STORED)]
    return list_payload("template", items, paging)


def transfer_response(transfer: Transfer) -> dict:
    return TRANSFER.serialize(transfer)


@command(f"{OWN_PREFIX}ListTransfers", Param("id", ID, model="storage.Transfer"), Param("zoneid", ID), Param("templateid", ID),
         Param("state", CHOICE, choices=tuple(Transfer.State.values)), is_list=True)
def list_transfers(user, id=None, zoneid=None, templateid=None, state=None, keyword=None, **paging):
    """Ours: lists template copies between the zones' NFS and Swift, newest first."""
    transfers = Transfer.objects.select_related("zone")
    for field, value in (("pk", id), ("zone_id", zoneid), ("template_id", templateid), ("state", state)):
        if value is not None:
            transfers = transfers.filter(**{field: value})
    if keyword:
        transfers = transfers.filter(template__name__icontains=keyword)
    return list_payload(f"{OWN_PREFIX}transfer", transfers, paging, describe=transfer_response)


def scan_response(scan: ZoneScan) -> dict:
    return {"id": str(scan.pk), "zoneid": str(scan.zone_id), "state": scan.state, "trigger": scan.trigger,
            "templatesfound": scan.templates_found, "templatesready": scan.templates_ready,
            "templatesinvalid": scan.templates_invalid, "transfersqueued": scan.transfers_queued,
            "error": messages.english(scan.error) or None}


def refresh_sync_job(job: AsyncJob) -> None:
    """A sync job ends with its zone scan: the scan row is the work's truth."""
    scan = ZoneScan.objects.filter(pk=job.instance_id).first()
    if scan is None:
        jobs.fail(job, ApiError(INTERNAL_ERROR, "The zone scan of this job no longer exists."))
    elif scan.state == ZoneScan.State.DONE:
        jobs.finish(job, {f"{OWN_PREFIX}zonescan": scan_response(scan)})
    elif scan.state == ZoneScan.State.FAILED:
        reason = messages.english(scan.error) or "no reason given"
        jobs.fail(job, ApiError(INTERNAL_ERROR, f"The scan failed: {reason}"))


@command(f"{OWN_PREFIX}SyncZone", Param("zoneid", ID, required=True), is_async=True, refresh=refresh_sync_job)
def sync_zone(user, zoneid):
    """Ours (async): scans a zone's secondary storage now and queues the copies to Swift
    (the zone page's Sync now). The job ends when the scan does."""
    zone = Zone.objects.filter(pk=zoneid).first()
    if zone is None:
        raise not_found(f"{OWN_PREFIX}SyncZone", "zoneid", zoneid)
    if not zone.is_enabled:
        raise ApiError(PARAM_ERROR, f"Zone {zone.name} is Disabled: enable it first (updateZone "
                                    "allocationstate=Enabled).", CS_INVALID_PARAMETER_VALUE)
    scan = sync.sync_now(zone, user=user)
    if scan is None:
        raise ApiError(PARAM_ERROR, f"A scan of zone {zone.name} is already queued or running.",
                       CS_INVALID_PARAMETER_VALUE)
    return jobs.start(user, f"{OWN_PREFIX}SyncZone", {"zoneid": zone.pk}, instance_type="ZoneScan",
                      instance_id=scan.pk, enqueue=False)
