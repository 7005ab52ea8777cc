"""deleteTemplate: the template pages' Delete (storage.transfers.deletion).
Without zoneid every copy goes (Swift and every zone), with it only that
zone's; the async job ends when every step of the deletion has."""
from cloudadmin import messages
from storage.models import Template, Transfer
from storage.transfers import deletion
from storage.transfers.queueing import TransferRefused
from zones.models import Zone

from .. import jobs
from ..models import AsyncJob
from ..registry import BOOLEAN, ID, Param, command
from ..responses import CS_INVALID_PARAMETER_VALUE, INTERNAL_ERROR, PARAM_ERROR, ApiError
from ..serializers.system import SUCCESS
from .forms import not_found


def refresh_delete_job(job: AsyncJob) -> None:
    """Done when every step is; failed when one failed or was cancelled."""
    steps = list(Transfer.objects.filter(pk__in=job.params.get("transfers") or []))
    ended = [step for step in steps if step.state in (Transfer.State.FAILED, Transfer.State.CANCELLED)]
    if ended:
        jobs.fail(job, ApiError(INTERNAL_ERROR, f"Failed to delete template: the deletion {ended[0].state}: "
                                                f"{messages.english(ended[0].last_error) or 'no reason given'}"))
    elif all(step.state == Transfer.State.DONE for step in steps):
        jobs.finish(job, SUCCESS.serialize(True))


@command("deleteTemplate", Param("id", ID, required=True, model="storage.Template"), Param("zoneid", ID),
         Param("forced", BOOLEAN), Param("issystem", BOOLEAN), is_async=True, refresh=refresh_delete_job)
def delete_template(user, id, zoneid=None, forced=None, issystem=None):
    """Deletes a template from Swift and every zone, or from one zone's secondary storage (zoneid)."""
    template = Template.objects.filter(pk=id, deleted__isnull=True).first()
    if template is None:
        raise not_found("deleteTemplate", "id", id)
    found = deletion.plan(template)
    if zoneid is not None:
        zone = Zone.objects.filter(pk=zoneid).first()
        if zone is None:
            raise not_found("deleteTemplate", "zoneid", zoneid)
        swift, zones = False, [zone]
    else:
        swift, zones = True, found.zones
    try:
        steps = deletion.request(template, swift=swift, zones=zones, user=user)
    except TransferRefused as refused:
        raise ApiError(PARAM_ERROR, str(refused), CS_INVALID_PARAMETER_VALUE) from None
    job = jobs.start(user, "deleteTemplate", {"transfers": [step.pk for step in steps], "template": template.pk},
                     instance_type="Template", instance_id=template.uuid, enqueue=False)
    if not steps:
        jobs.finish(job, SUCCESS.serialize(True))
    return job
