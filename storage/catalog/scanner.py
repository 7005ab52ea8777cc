"""Scanning a zone's NFS secondary storage for templates.

`scan_folder(root)` walks template/tmpl/<account id>/<template id>/
(storage.secondary.layout) and returns one `Entry` per template folder, complete or Invalid with the
reason; it never raises for a bad entry and touches no database. A folder
is complete only when its template.properties parses and the image it
names is a regular file inside the store with the stated size. Unfinished
downloads (dnld*tmp_) and any other file are simply not part of the
template. `run_scan(scan_id)` records a ZoneScan's result in the database
and queues the uploads.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from cloudadmin import events, messages
from cloudadmin.messages import coded
from storage.catalog import scan_runs
from storage.models import (SecondaryStorage, SwiftStore, Template, TemplateExclusion, TemplateLocation, Transfer,
                            ZoneScan)
from storage.secondary import layout, nfs
from storage.secondary.layout import Entry
from storage.transfers import queueing, replication

logger = logging.getLogger(__name__)


@dataclass
class FolderScan:
    entries: list[Entry] = field(default_factory=list)
    problems: list[dict] = field(default_factory=list)  # not template folders at all


def scan_folder(root: Path | str) -> FolderScan:
    """Every template folder under root/template/tmpl, checked. Raises
    OSError only when the share itself cannot be read."""
    real_root = os.path.realpath(str(root))
    walked = layout.walk(root)
    result = FolderScan(problems=walked.problems)
    seen_ids: dict[int, str] = {}
    for folder in walked.folders:
        entry = layout.check_folder(folder.path, folder.rel, real_root, folder.template_id, folder.account_id,
                                    folder_inside=folder.inside)
        if folder.template_id in seen_ids:
            entry.reason = coded("template id %(id)s also in %(folder)s", id=folder.template_id,
                                 folder=seen_ids[folder.template_id])
            entry.props = None
        else:
            seen_ids[folder.template_id] = folder.rel
        result.entries.append(entry)
    return result


# --- recording a scan --------------------------------------------------------
def run_scan_and_replicate(scan_id: int, worker: str = "") -> None:
    """Run a queued ZoneScan, then queue the copies of templates in Swift
    that the zone lacks (storage.transfers.replication)."""
    scan = run_scan(scan_id, worker)
    if scan is not None and scan.state == scan.State.DONE:  # not onto a store that cannot be read
        replication.replicate_to_zone(scan.zone_id)


def run_scan(scan_id: int, worker: str = "") -> ZoneScan | None:
    """Run one queued ZoneScan: record what every secondary storage of the
    zone holds, then queue the uploads. Returns the scan, None if it was not
    queued or was taken from this run. A scan that raises ends failed with
    its reason (storage.catalog.scan_runs), so the zone is never left held."""
    scan = scan_runs.claim(scan_id, worker)
    if scan is None:
        return None
    try:
        with scan_runs.heartbeat(scan):
            return _scan_and_record(scan)
    except scan_runs.ScanStopped:
        logger.warning("zone scan %s was requeued while this run scanned; its results are dropped", scan_id)
        return None
    except Exception as exc:
        logger.exception("zone scan %s failed", scan_id)
        return scan_runs.fail(scan, exc)


def _scan_and_record(scan: ZoneScan) -> ZoneScan:
    zone = scan.zone
    entries: list[tuple[SecondaryStorage, Entry]] = []
    problems, errors = [], []
    for store in SecondaryStorage.objects.filter(zone=zone):
        root = nfs.local_path(store.server, store.path)
        try:
            found = scan_folder(root)
        except OSError as exc:
            errors.append(f"{store.url}: {exc.strerror or exc}")
            continue
        entries += [(store, entry) for entry in found.entries]
        problems += [{**p, "storage": store.url} for p in found.problems]
    with transaction.atomic():
        record_entries(zone, _not_deleted(zone, entries), complete_scan=not errors)
        queued = queue_uploads(zone) if not errors or entries else 0
        scan.templates_found = len(entries)
        scan.templates_ready = sum(1 for _, e in entries if e.complete)
        scan.templates_invalid = len(entries) - scan.templates_ready
        scan.transfers_queued = queued
        scan.problems = problems[:1000]
        scan.error = "; ".join(errors)[:5000]
        scan.state = ZoneScan.State.FAILED if errors and not entries else ZoneScan.State.DONE
        scan.finished = scan.heartbeat = timezone.now()
        scan_runs.finish(scan, **{name: getattr(scan, name) for name in (
            "templates_found", "templates_ready", "templates_invalid", "transfers_queued", "problems",
            "error", "state", "finished", "heartbeat")})
        detail = coded("%(ready)s ready, %(invalid)s invalid, %(queued)s uploads queued",
                       ready=scan.templates_ready, invalid=scan.templates_invalid, queued=queued)
        if errors:
            events.record_failure("zone.scan", username="worker", target=zone.name, detail=messages.encode(
                coded("%(counts)s; %(errors)s", counts=detail, errors=scan.error), max_length=2000))
        else:
            events.record("zone.scan", username="worker", target=zone.name, detail=detail)
    return scan


def _being_edited(ids) -> set[int]:
    """Templates whose edit is still being written to their copies: the row
    holds the new values, which a copy read now must not undo."""
    return set(Transfer.objects.filter(template_id__in=ids, direction=Transfer.Direction.PROPERTIES,
                                       state__in=Transfer.ACTIVE_STATES).values_list("template_id", flat=True))


# What a scan reads from template.properties and the folder, and compares.
TEMPLATE_FIELDS = ("account_id", "name", "description", "filename", "format", "size", "virtual_size", "checksum",
                   "properties")
LOCATION_FIELDS = ("secondary_storage_id", "state", "reason", "path", "image_size", "image_mtime")


def record_entries(zone, entries: list[tuple[SecondaryStorage, Entry]], *, complete_scan: bool) -> None:
    """Create or update the Templates and this zone's TemplateLocations in
    a few bulk queries (a scan of 10,000 folders must stay fast)."""
    now = timezone.now()
    ids = [e.template_id for _, e in entries]
    # Only what a scan compares: building 100,000 whole rows costs more than the query.
    templates = Template.objects.only(*TEMPLATE_FIELDS).in_bulk(ids)
    editing = _being_edited(ids)
    new_templates, changed_templates, new_ids = [], [], set()
    for _, entry in entries:
        template = templates.get(entry.template_id)
        if template is None:
            template = Template(id=entry.template_id, account_id=entry.account_id)
            templates[entry.template_id] = template
            new_templates.append(template)
            new_ids.add(entry.template_id)
        if entry.complete and entry.template_id not in editing:
            props = entry.props
            fields = dict(account_id=entry.account_id, name=props.name, description=props.description,
                          filename=props.filename, format=props.format, size=props.size,
                          virtual_size=props.virtual_size, checksum=props.checksum, properties=props.values)
            if any(getattr(template, k) != v for k, v in fields.items()):
                for key, value in fields.items():
                    setattr(template, key, value)
                if entry.template_id not in new_ids:
                    changed_templates.append(template)
    Template.objects.bulk_create(new_templates, batch_size=1000)
    for template in changed_templates:
        template.updated = now  # bulk_update does not apply auto_now itself
    Template.objects.bulk_update(changed_templates, [*TEMPLATE_FIELDS, "updated"], batch_size=1000)
    locations = {loc.template_id: loc for loc in TemplateLocation.objects.filter(zone=zone).only(
        "template_id", *LOCATION_FIELDS)}
    new_locations, changed_locations = [], []
    seen = set()
    for store, entry in entries:
        seen.add(entry.template_id)
        state = TemplateLocation.State.READY if entry.complete else TemplateLocation.State.INVALID
        values = dict(secondary_storage_id=store.pk, state=state, reason=messages.encode(entry.reason, 500),
                      path=entry.path, image_size=entry.image_size, image_mtime=entry.image_mtime)
        location = locations.get(entry.template_id)
        if location is None:
            new_locations.append(TemplateLocation(template_id=entry.template_id, zone=zone, last_seen=now,
                                                  **values))
        elif any(getattr(location, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(location, key, value)
            location.updated = now
            changed_locations.append(location)
    if complete_scan:
        for template_id, location in locations.items():
            if template_id not in seen and location.state != TemplateLocation.State.MISSING:
                location.state = TemplateLocation.State.MISSING
                location.reason = messages.encode(coded("no longer on the secondary storage"))
                location.updated = now
                changed_locations.append(location)
    TemplateLocation.objects.bulk_create(new_locations, batch_size=1000)
    TemplateLocation.objects.bulk_update(changed_locations, [*LOCATION_FIELDS, "updated"], batch_size=500)
    # One statement for "still there", whatever the count.
    TemplateLocation.objects.filter(zone=zone, template_id__in=seen).update(last_seen=now)


def _not_deleted(zone, entries: list[tuple[SecondaryStorage, Entry]]) -> list[tuple[SecondaryStorage, Entry]]:
    """Without the folders of templates deleted everywhere or from this zone,
    whether the deletion is done or still running (storage.transfers.deletion)."""
    ids = {entry.template_id for _store, entry in entries}
    ignored = set(Template.objects.filter(pk__in=ids, deleted__isnull=False).values_list("pk", flat=True))
    ignored |= set(TemplateExclusion.objects.filter(zone=zone, template_id__in=ids)
                   .values_list("template_id", flat=True))
    return [(store, entry) for store, entry in entries if entry.template_id not in ignored]


def needs_upload(template: Template, location: TemplateLocation) -> bool:
    """Whether this zone's copy should be sent to Swift."""
    if template.swift_state != Template.SwiftState.STORED:
        return True
    if template.swift_size != location.image_size:
        return True
    return bool(template.checksum) and template.swift_md5 != template.checksum


def queue_uploads(zone) -> int:
    """Queue an upload of every Ready template of `zone` that Swift lacks.
    A template whose last upload of this very source copy failed or was
    cancelled waits for the operator's Retry instead of failing again at
    every scan. Returns how many were queued."""
    if not SwiftStore.objects.exists():
        return 0
    ready = list(TemplateLocation.objects.filter(zone=zone, state=TemplateLocation.State.READY)
                 .select_related("template"))
    candidates = [loc for loc in ready if needs_upload(loc.template, loc)]
    if not candidates:
        return 0
    latest = {}
    for row in (Transfer.objects.filter(direction=Transfer.Direction.UP,
                                        template_id__in=[loc.template_id for loc in candidates])
                .order_by("template_id", "-created")
                .values("template_id", "state", "source_size", "source_mtime")):
        latest.setdefault(row["template_id"], row)
    queued = 0
    for loc in candidates:
        last = latest.get(loc.template_id)
        if last is not None:
            if last["state"] in Transfer.ACTIVE_STATES:
                continue
            if (last["state"] in (Transfer.State.FAILED, Transfer.State.CANCELLED)
                    and last["source_size"] == loc.image_size and last["source_mtime"] == loc.image_mtime):
                continue
        if queueing.enqueue_upload(loc.template, zone, source_size=loc.image_size,
                                    source_mtime=loc.image_mtime) is not None:
            queued += 1
    return queued
