"""prepareTemplate and copyTemplate: Copy to zone (storage.transfers.copy_to_zone, the
template page's service). Every copy comes from Swift, the cloud-wide store."""
from cloudadmin import messages
from storage.transfers import copy_to_zone
from storage.transfers import queueing as transfers
from storage.models import Template, TemplateLocation, Transfer
from zones.models import Zone

from .. import jobs
from ..models import AsyncJob
from ..registry import ID, Param, command
from ..responses import CS_INVALID_PARAMETER_VALUE, INTERNAL_ERROR, PARAM_ERROR, ApiError
from ..serializers.templates import TEMPLATE, TemplateInZone
from .forms import not_found


def _template(command_name, param, pk) -> Template:
    template = Template.objects.filter(pk=pk).first()
    if template is None:
        raise not_found(command_name, param, pk)
    return template


def _zone(command_name, param, pk) -> Zone:
    zone = Zone.objects.filter(pk=pk).first()
    if zone is None:
        raise not_found(command_name, param, pk)
    return zone


def _in_zone(template: Template, zone: Zone) -> dict:
    location = TemplateLocation.objects.select_related("zone").filter(template=template, zone=zone).first()
    if location is None:
        # Not on the zone's NFS yet: the entry names the zone, without a status.
        location = TemplateLocation(template=template, zone=zone, state="", reason="Copying from Swift")
    return TEMPLATE.serialize(TemplateInZone(template, location))


def _queue(template, zone, user) -> Transfer | None:
    """The queued copy, or None when the zone has the template already."""
    try:
        return copy_to_zone.queue(template, zone, user=user)
    except copy_to_zone.AlreadyInZone:
        return None
    except transfers.TransferRefused as refused:
        raise ApiError(PARAM_ERROR, str(refused), CS_INVALID_PARAMETER_VALUE) from None


@command("prepareTemplate", Param("templateid", ID, required=True), Param("zoneid", ID, required=True),
         Param("storageid", max_length=64))
def prepare_template(user, templateid, zoneid, storageid=None):
    """Copies a template from Swift to a zone's secondary storage now (if it lacks it)."""
    template = _template("prepareTemplate", "templateid", templateid)
    zone = _zone("prepareTemplate", "zoneid", zoneid)
    _queue(template, zone, user)
    return {"count": 1, "template": [_in_zone(template, zone)]}


def refresh_copy_job(job: AsyncJob) -> None:
    """A copyTemplate job ends with its transfer (or at once when nothing was copied)."""
    transfer = Transfer.objects.select_related("template", "zone").filter(pk=job.params.get("transfer")).first()
    if transfer is None:
        jobs.fail(job, ApiError(INTERNAL_ERROR, "The copy of this job no longer exists."))
    elif transfer.state == Transfer.State.DONE:
        jobs.finish(job, {"template": _in_zone(transfer.template, transfer.zone)})
    elif transfer.state in (Transfer.State.FAILED, Transfer.State.CANCELLED):
        reason = messages.english(transfer.last_error) or "no reason given"
        jobs.fail(job, ApiError(INTERNAL_ERROR, f"The copy {transfer.state}: {reason}"))


@command("copyTemplate", Param("id", ID, required=True, model="storage.Template"),
         Param("destzoneid", ID, required=True), Param("sourcezoneid", ID), is_async=True, refresh=refresh_copy_job)
def copy_template(user, id, destzoneid, sourcezoneid=None):
    """Copies a template to a zone (from Swift; sourcezoneid, if given, must hold it)."""
    template = _template("copyTemplate", "id", id)
    destination = _zone("copyTemplate", "destzoneid", destzoneid)
    if sourcezoneid is not None:
        source = _zone("copyTemplate", "sourcezoneid", sourcezoneid)
        if not template.locations.filter(zone=source, state=TemplateLocation.State.READY).exists():
            raise ApiError(PARAM_ERROR, f"Template {template.pk} is not ready in zone {source.name} (sourcezoneid).",
                           CS_INVALID_PARAMETER_VALUE)
    transfer = _queue(template, destination, user)
    job = jobs.start(user, "copyTemplate", {"transfer": transfer.pk if transfer else None,
                                            "template": template.pk, "destzoneid": destination.pk},
                     instance_type="Template", instance_id=template.uuid, enqueue=False)
    if transfer is None:
        jobs.finish(job, {"template": _in_zone(template, destination)})
    return job
