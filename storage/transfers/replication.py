"""The automatic mode of "templates in Swift are usable in every zone".

While the global setting `swift.replicate.to.all.zones` is true, every
template in Swift (else only the templates for every zone,
`Template.cross_zones`: registerTemplate with zoneid=-1, Register template,
Upload from local or Edit template) is copied down
(storage.transfers.queueing.enqueue_copy_down) to every enabled zone with
secondary storage that lacks it. Three moments call
this: the end of an upload (storage.transfers.runners), the end of a scan
(storage.tasks) and Every zone turned on in Edit template
(storage.catalog.template_edit):

- a template reached Swift (an upload finished), or became a template for
  every zone: `replicate_template`;
- a zone's scan finished (that includes the first scan of a zone just
  enabled, and the periodic scans, which also catch up after the setting is
  turned on): `replicate_to_zone`.

A zone "has" a template when its last scan saw the template folder there
(Ready, or Invalid: a folder that is not ours to overwrite automatically,
e.g. CloudStack still downloading it). A Ready copy with the same checksum
is the identical template and is never copied again; the copy itself
(storage.transfers.copy_down) checks the checksum once more before writing.
A copy to a zone that failed or was cancelled for the same Swift copy is
not retried automatically: the operator's Retry decides.
"""
from __future__ import annotations

import logging

from cloudadmin import config
from storage.models import SecondaryStorage, Template, TemplateExclusion, TemplateLocation, Transfer
from storage.transfers import queueing
from zones.models import Zone

logger = logging.getLogger(__name__)
SETTING = "swift.replicate.to.all.zones"
# Locations that mean "the zone has this template folder already".
PRESENT = (TemplateLocation.State.READY, TemplateLocation.State.INVALID)


def enabled() -> bool:
    return bool(config.value(SETTING))


def _target_zones():
    with_storage = SecondaryStorage.objects.values("zone_id")
    return Zone.objects.filter(allocation_state=Zone.AllocationState.ENABLED, pk__in=with_storage)


def _stored_templates():
    return Template.objects.filter(swift_state=Template.SwiftState.STORED, deleted__isnull=True)


def missing_pairs(templates, zones) -> list[tuple[Template, object]]:
    """(template, zone) pairs to copy: the zone has no folder of the template,
    no copy of it is active, and the last copy of this Swift copy did not end
    in failure or cancel."""
    templates = list(templates)
    zones = list(zones)
    if not templates or not zones:
        return []
    template_ids = [t.pk for t in templates]
    zone_ids = [z.pk for z in zones]
    present = set(TemplateLocation.objects.filter(template_id__in=template_ids, zone_id__in=zone_ids,
                                                  state__in=PRESENT).values_list("template_id", "zone_id"))
    # Deleted from a zone by the admin: not copied back (storage.transfers.deletion).
    present |= set(TemplateExclusion.objects.filter(template_id__in=template_ids, zone_id__in=zone_ids)
                   .values_list("template_id", "zone_id"))
    last_copy = {}
    for row in (Transfer.objects.filter(direction__in=(Transfer.Direction.DOWN, Transfer.Direction.DOWNLOAD),
                                        template_id__in=template_ids, zone_id__in=zone_ids)
                .order_by("template_id", "zone_id", "-created")
                .values("template_id", "zone_id", "state", "created")):
        last_copy.setdefault((row["template_id"], row["zone_id"]), row)
    pairs = []
    for template in templates:
        for zone in zones:
            key = (template.pk, zone.pk)
            if key in present:
                continue
            last = last_copy.get(key)
            if last is not None:
                if last["state"] in Transfer.ACTIVE_STATES:
                    continue
                gave_up = last["state"] in (Transfer.State.FAILED, Transfer.State.CANCELLED)
                if gave_up and template.swift_stored_at and last["created"] >= template.swift_stored_at:
                    continue
            pairs.append((template, zone))
    return pairs


def _queue(pairs) -> int:
    queued = 0
    for template, zone in pairs:
        try:
            queueing.enqueue_copy_down(template, zone)
        except queueing.TransferRefused as refused:  # raced with another copy
            logger.info("replication of T-%s to zone %s skipped: %s", template.pk, zone.name, refused)
            continue
        queued += 1
    return queued


def _replicated_templates():
    """What the copies to zones cover: every template in Swift while the
    setting is true, else those registered for every zone (cross_zones)."""
    stored = _stored_templates()
    return stored if enabled() else stored.filter(cross_zones=True)


def replicate_template(template_id: int) -> int:
    """A template reached Swift: copy it to every enabled zone lacking it.
    Returns how many copies were queued (0 while the setting is false,
    unless the template is registered for every zone)."""
    return _queue(missing_pairs(_replicated_templates().filter(pk=template_id), _target_zones()))


def replicate_to_zone(zone_id: int) -> int:
    """A zone was scanned: copy every template in Swift it lacks, when the
    zone is enabled. Returns how many copies were queued."""
    zones = _target_zones().filter(pk=zone_id)
    if not zones.exists():
        return 0
    return _queue(missing_pairs(_replicated_templates(), zones))
