"""Copy to zone: the rules for queueing a copy of a template from Swift to
one zone, shared by the template page and the API (prepareTemplate,
copyTemplate). It also undoes a deletion of the template from that zone."""
from django.db import transaction

from cloudadmin.messages import coded

from storage.models import Template, TemplateLocation, Transfer
from storage.transfers import deletion
from storage.transfers import queueing as transfers


class AlreadyInZone(transfers.TransferRefused):
    """The zone has the template already: nothing to copy."""


def queue(template: Template, zone, *, user=None) -> Transfer:
    """The queued copy-down Transfer, or TransferRefused saying why not."""
    if zone is None:
        raise transfers.TransferRefused(coded("Choose a zone to copy the template to."))
    if not zone.is_enabled:
        raise transfers.TransferRefused(coded("Zone %(zone)s is disabled.", zone=zone.name))
    with transaction.atomic():  # the exclusion stays when the copy is refused
        deletion.clear_exclusion(template, zone, user=user)  # refused while a deletion from the zone runs
        if template.locations.filter(zone=zone, state=TemplateLocation.State.READY).exists():
            raise AlreadyInZone(coded("Zone %(zone)s already has template %(id)s.", zone=zone.name, id=template.pk))
        return transfers.enqueue_copy_down(template, zone, user=user)
