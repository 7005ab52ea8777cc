"""Delete a template, for the pages and the API (deleteTemplate): the rules,
the intent and the tracked steps.

A request names the copies to delete: Swift (T-<id> and T-<id>_segments)
and the zones whose NFS folder goes. Each copy becomes a Transfer (direction
DELETE_SWIFT or DELETE_ZONE, runners delete_swift and delete_zone), with the
states, progress, Retry and Cancel of any transfer. The intent is recorded
at once, in the request's transaction, so nothing copies the template back
while the steps run, or after:

- each zone deleted from gets a TemplateExclusion: replication does not copy
  the template there and scans of the zone ignore its folder, until Copy to
  zone clears it (`clear_exclusion`);
- a template deleted from Swift is no longer "in Swift" (no copy down
  starts from a half-deleted container);
- a template deleted everywhere gets `deleted`: it leaves the lists, scans
  ignore it in every zone, and its id is never given again.

Refused while any transfer of the template is queued or running, and the
Swift copy goes only with every zone's copy (a zone keeping its copy would
send it back to Swift at its next scan).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cloudadmin import events, messages
from cloudadmin.messages import coded, coded_plural
from storage.models import SwiftStore, Template, TemplateExclusion, TemplateLocation, Transfer
from storage.transfers import queueing
from storage.transfers.queueing import TransferRefused
from zones.models import Zone

DELETES = (Transfer.Direction.DELETE_SWIFT, Transfer.Direction.DELETE_ZONE)


@dataclass
class Plan:
    """What a deletion of `template` can remove: `zones` hold a folder of it
    (a scan saw one and it is not deleted there yet); `swift` whether Swift is
    configured (its containers are then always cleaned when it goes)."""

    template: Template
    zones: list = field(default_factory=list)
    swift: bool = False


def plan(template: Template) -> Plan:
    excluded = TemplateExclusion.objects.filter(template=template).values("zone_id")
    holding = (TemplateLocation.objects.filter(template=template)
               .exclude(state=TemplateLocation.State.MISSING).exclude(zone_id__in=excluded).values("zone_id"))
    return Plan(template, list(Zone.objects.filter(pk__in=holding).order_by("name")),
                SwiftStore.objects.exists())


def check_deletable(template: Template) -> None:
    """TransferRefused when the template cannot be deleted now."""
    if template.deleted is not None:
        raise TransferRefused(coded("Template %(id)s is already deleted.", id=template.pk))
    active = Transfer.objects.filter(template=template, state__in=Transfer.ACTIVE_STATES)
    if active.filter(direction__in=DELETES).exists():
        raise TransferRefused(coded("A deletion of template %(id)s is already queued or running.", id=template.pk))
    if active.exists():
        raise TransferRefused(coded("Template %(id)s has a transfer queued or running: wait for it to end, or cancel "
                                    "it, then delete the template.", id=template.pk))


def _check_choice(found: Plan, swift: bool, zones) -> bool:
    """Whether the choice deletes the template everywhere; TransferRefused
    for a choice that cannot be done."""
    chosen = {zone.pk for zone in zones}
    holding = {zone.pk for zone in found.zones}
    if chosen - holding:
        raise TransferRefused(coded("Template %(id)s has no copy to delete in zone %(zone)s.", id=found.template.pk,
                                    zone=", ".join(z.name for z in zones if z.pk not in holding)))
    if swift and holding - chosen:
        raise TransferRefused(coded("Delete the copy in Swift only together with every zone's copy: a zone that "
                                    "keeps its copy would send it back to Swift."))
    if not swift and not chosen and (found.swift or holding):
        raise TransferRefused(coded("Choose at least one copy to delete."))
    return (swift or not found.swift) and chosen == holding


def request(template: Template, *, swift: bool, zones, user=None) -> list[Transfer]:
    """Record the intent and queue one Transfer per copy to delete (none for
    a template that has no copy anywhere: it is deleted at once). Raises
    TransferRefused with the reason."""
    with transaction.atomic():
        # The row lock orders this request with any transfer being queued (queueing._create).
        template = Template.objects.select_for_update().get(pk=template.pk)
        check_deletable(template)
        found = plan(template)
        everywhere = _check_choice(found, swift and found.swift, zones)
        now = timezone.now()
        username = events.username_of(user)
        queued = []
        for zone in zones:
            TemplateExclusion.objects.get_or_create(template=template, zone=zone,
                                                    defaults={"requested_by": username})
            queued.append(queueing.enqueue_delete(template, Transfer.Direction.DELETE_ZONE, zone, user=user))
        if swift and found.swift:
            Template.objects.filter(pk=template.pk).update(swift_state=Template.SwiftState.ABSENT, updated=now)
            queued.append(queueing.enqueue_delete(template, Transfer.Direction.DELETE_SWIFT, None, user=user))
        if everywhere:
            Template.objects.filter(pk=template.pk).update(deleted=now, updated=now)
        where = _where(zones, swift and found.swift)
        events.record("template.delete", user=user, target=template.swift_container,
                      detail=coded("everywhere: %(where)s", where=where) if everywhere else where)
        if everywhere and not queued:
            events.record("template.deleted", user=user, target=template.swift_container,
                          detail=coded("deleted everywhere"))
    return queued


def _where(zones, swift: bool):
    """The copies a deletion removes, as its event says them."""
    names = coded_plural("zone %(names)s", "zones %(names)s", "count", names=", ".join(z.name for z in zones),
                         count=len(zones))
    if zones and swift:
        return coded("%(zones)s and Swift", zones=names)
    return names if zones else coded("the copy in Swift") if swift else coded("no copy anywhere")


def zone_deleted(transfer: Transfer, md5_hex: str, now) -> None:
    """on_done of DELETE_ZONE: the zone no longer holds the template."""
    TemplateLocation.objects.filter(template_id=transfer.template_id, zone_id=transfer.zone_id).update(
        state=TemplateLocation.State.MISSING, reason=messages.encode(coded("deleted from this zone")), updated=now)
    _finish_if_complete(transfer)


def swift_deleted(transfer: Transfer, md5_hex: str, now) -> None:
    """on_done of DELETE_SWIFT: nothing of the template is left in Swift."""
    Template.objects.filter(pk=transfer.template_id).update(
        swift_state=Template.SwiftState.ABSENT, swift_md5="", swift_size=None, swift_stored_at=None, updated=now)
    _finish_if_complete(transfer)


def _finish_if_complete(transfer: Transfer) -> None:
    """The last step of a deletion everywhere records that it is over."""
    # Locked: of two last steps ending at once, the second sees the first done.
    template = Template.objects.select_for_update().filter(pk=transfer.template_id).only("deleted").first()
    if template is None or template.deleted is None:
        return
    # Every step's newest row (a retry is a new row; the failed one stays as history) is done.
    newest = {}
    for row in (Transfer.objects.filter(template_id=transfer.template_id, direction__in=DELETES)
                .order_by("-created", "-id").values("direction", "zone_id", "state")):
        newest.setdefault((row["direction"], row["zone_id"]), row["state"])
    if all(state == Transfer.State.DONE for state in newest.values()):
        events.record("template.deleted", username="worker", target=f"T-{transfer.template_id}",
                      detail=coded("deleted everywhere"))


def clear_exclusion(template: Template, zone, *, user=None) -> bool:
    """Copy to zone undoes a deletion from that zone; True when there was one
    to undo. Refused while that deletion still runs."""
    if Transfer.objects.filter(template=template, zone=zone, direction=Transfer.Direction.DELETE_ZONE,
                               state__in=Transfer.ACTIVE_STATES).exists():
        raise TransferRefused(coded("Template %(id)s is being deleted from zone %(zone)s: cancel that deletion first.",
                                    id=template.pk, zone=zone.name))
    removed, _kinds = TemplateExclusion.objects.filter(template=template, zone=zone).delete()
    if removed:
        events.record("template.restore", user=user, target=template.swift_container,
                      detail=coded("zone %(zone)s: no longer excluded", zone=zone.name))
    return bool(removed)
